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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records what arrives on an event-bus address, for assertions on the events a subscriber sees.
 */
public final class EventRecorder {

  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private final MessageConsumer<JsonObject> consumer;

  private EventRecorder(Vertx vertx, String address) {
    consumer = vertx.eventBus().consumer(address, message -> received.add(message.body()));
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
    return List.copyOf(received);
  }

  /** @return the messages received so far, read as change events */
  public List<RegistryEvent> events() {
    return received.stream().map(RegistryEvent::new).collect(Collectors.toList());
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
    assertInRevisionOrderWithoutDuplicates(events());
  }

  /**
   * Checks that revisions never go back, and that no change (a key at a revision) arrived twice. Several events may
   * share a revision: a revoked lease deletes all its keys at once.
   *
   * @param events events in arrival order
   */
  public static void assertInRevisionOrderWithoutDuplicates(List<RegistryEvent> events) {
    List<Long> revisions = new ArrayList<>();
    events.forEach(event -> revisions.add(event.revision()));
    for (int i = 1; i < revisions.size(); i++) {
      int at = i;
      // Messages built only on failure: the list of tens of thousands of revisions must not be printed per event.
      assertTrue(revisions.get(i) >= revisions.get(i - 1), () -> "revision order broken at " + at + ": " + revisions);
    }
    Set<String> changes = new HashSet<>();
    events.forEach(event -> assertTrue(changes.add(event.revision() + "/" + event.registration()),
      () -> "duplicate event " + event));
  }
}
