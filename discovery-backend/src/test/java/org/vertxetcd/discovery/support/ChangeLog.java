package org.vertxetcd.discovery.support;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Records the change events arriving on an address in their comparable form only (what, which record, at which
 * revision), for tests that follow a node over hundreds of thousands of events: a long chaos run's nodes would
 * otherwise hold every event's record, gigabytes that the collector of the JVM running the nodes has to go through.
 * {@link EventRecorder} keeps whole messages, for tests that look into a few events.
 */
public final class ChangeLog {

  /** Guarded by itself, with {@link #counts}: appended to by the consumer, copied by readers. */
  private final List<EtcdHistory.Change> changes = new ArrayList<>();
  private final Map<RegistryEventType, Long> counts = new EnumMap<>(RegistryEventType.class);
  private final MessageConsumer<JsonObject> consumer;

  private ChangeLog(Vertx vertx, String address) {
    consumer = vertx.eventBus().consumer(address, message -> {
      EtcdHistory.Change change = EtcdHistory.Change.of(new RegistryEvent(message.body()));
      synchronized (changes) {
        changes.add(change);
        counts.merge(change.type(), 1L, Long::sum);
      }
    });
  }

  /**
   * @param vertx   the node
   * @param address the events address to record
   * @return a log, listening already
   */
  public static ChangeLog listen(Vertx vertx, String address) {
    ChangeLog log = new ChangeLog(vertx, address);
    TestSupport.await(log.consumer.completion());
    return log;
  }

  /** @return the changes received so far, in arrival order */
  public List<EtcdHistory.Change> changes() {
    synchronized (changes) {
      return List.copyOf(changes);
    }
  }

  /**
   * @param type a change type
   * @return how many changes of that type were received so far
   */
  public long count(RegistryEventType type) {
    synchronized (changes) {
      return counts.getOrDefault(type, 0L);
    }
  }

  /**
   * @param changes changes, e.g. a part of {@link #changes()}
   * @param type    a change type
   * @return the registrations of the changes of that type
   */
  public static Set<String> registrations(List<EtcdHistory.Change> changes, RegistryEventType type) {
    return changes.stream().filter(change -> change.type() == type).map(EtcdHistory.Change::registration)
      .collect(Collectors.toCollection(HashSet::new));
  }
}
