package org.vertxetcd.discovery.support;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records what arrives on an event-bus address, for assertions on the events a subscriber sees.
 * <p>
 * The consumer runs on an event loop of the node, which also delivers lookup results: an arrival costs one append
 * to a list, never a copy of what came before. Copies are made when a test reads, on the test's thread, and each
 * message is read as an event once, the first time a test asks for events.
 */
public final class EventRecorder {

  /** Guarded by itself: appended to by the consumer, copied by readers. */
  private final List<JsonObject> received = new ArrayList<>();
  /** Guarded by itself: the first messages, read as events; only readers touch it. */
  private final List<RegistryEvent> decoded = new ArrayList<>();
  private final MessageConsumer<JsonObject> consumer;

  private EventRecorder(Vertx vertx, String address) {
    consumer = vertx.eventBus().consumer(address, message -> {
      synchronized (received) {
        received.add(message.body());
      }
    });
  }

  /**
   * @param vertx   the node
   * @param address the address to record
   * @return a recorder, listening already
   */
  public static EventRecorder listen(Vertx vertx, String address) {
    EventRecorder recorder = new EventRecorder(vertx, address);
    TestSupport.await(recorder.consumer.completion());
    return recorder;
  }

  /** @return the raw messages received so far */
  public List<JsonObject> messages() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** @return the messages received so far, read as change events */
  public List<RegistryEvent> events() {
    synchronized (decoded) {
      List<JsonObject> unread;
      synchronized (received) {
        unread = new ArrayList<>(received.subList(decoded.size(), received.size()));
      }
      // Read outside the consumer's lock: the event loop only ever waits for the copy above.
      unread.forEach(json -> decoded.add(new RegistryEvent(json)));
      return List.copyOf(decoded);
    }
  }

  /**
   * Counts without reading the messages as events: a test that polls a count over tens of thousands of events
   * keeps no copy of them.
   *
   * @param type a change type
   * @return how many events of that type were received so far
   */
  public long count(RegistryEventType type) {
    synchronized (received) {
      return received.stream().filter(message -> type.name().equals(message.getString("type"))).count();
    }
  }

  /**
   * @param type a change type
   * @return the events of that type received so far
   */
  public List<RegistryEvent> events(RegistryEventType type) {
    return events().stream().filter(event -> event.type() == type).collect(Collectors.toList());
  }

  /**
   * Checks the exactly-once, in-order contract on what was received so far.
   */
  public void assertInRevisionOrderWithoutDuplicates() {
    assertInRevisionOrderWithoutDuplicates(EtcdHistory.Change.ofAll(events()));
  }

  /**
   * Checks that revisions never go back, and that no change (a key at a revision) arrived twice. Several events may
   * share a revision: a revoked lease deletes all its keys at once.
   *
   * @param events events in arrival order, in their comparable form
   */
  public static void assertInRevisionOrderWithoutDuplicates(List<EtcdHistory.Change> events) {
    for (int i = 1; i < events.size(); i++) {
      EtcdHistory.Change previous = events.get(i - 1);
      EtcdHistory.Change event = events.get(i);
      int at = i;
      // Messages built only on failure: tens of thousands of events must not be printed per event.
      assertTrue(event.revision() >= previous.revision(), () -> "revision order broken at " + at + ": "
        + previous.revision() + " then " + event.revision());
    }
    Set<String> changes = new HashSet<>();
    events.forEach(event -> assertTrue(changes.add(event.revision() + "/" + event.registration()),
      () -> "duplicate event " + event));
  }
}
