package org.vertxetcd.demo;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * The registry events one Vert.x node published (on the default events address), each with the time it arrived,
 * keyed by the demo greeters' {@code instance} metadata ({@code greeter@host:port}).
 */
final class RegistryEvents {

  private final List<Arrived> arrived = new CopyOnWriteArrayList<>();
  private final MessageConsumer<JsonObject> consumer;

  /** An event as the node received it, with the time it arrived ({@link System#nanoTime()}). */
  record Arrived(RegistryEvent event, long atNanos) {
    String instance() {
      return event.record().getMetadata().getString("instance");
    }
  }

  private RegistryEvents(Vertx vertx) {
    consumer = vertx.eventBus().consumer(EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS,
      message -> arrived.add(new Arrived(new RegistryEvent(message.body()), System.nanoTime())));
  }

  /**
   * @param vertx the node
   * @return the events it publishes from now on
   */
  static RegistryEvents follow(Vertx vertx) {
    RegistryEvents events = new RegistryEvents(vertx);
    await().until(() -> events.consumer.isRegistered());
    return events;
  }

  /** @return the instances that joined */
  Set<String> joined() {
    return instancesOf(RegistryEventType.JOIN);
  }

  /** @return the instances that left */
  Set<String> left() {
    return instancesOf(RegistryEventType.LEAVE);
  }

  private Set<String> instancesOf(RegistryEventType type) {
    return arrived.stream().filter(event -> event.event().type() == type).map(Arrived::instance)
      .collect(Collectors.toSet());
  }

  /**
   * @param type     an event type
   * @param instance an instance
   * @return the first such event of that instance
   * @throws java.util.NoSuchElementException when none arrived
   */
  Arrived first(RegistryEventType type, String instance) {
    return arrived.stream().filter(event -> event.event().type() == type && instance.equals(event.instance()))
      .findFirst().orElseThrow();
  }

  /**
   * @param instance an instance
   * @param status   a record status
   * @return whether an UPDATE gave that instance's record this status
   */
  boolean updatedTo(String instance, String status) {
    return arrived.stream().anyMatch(event -> event.event().type() == RegistryEventType.UPDATE
      && instance.equals(event.instance()) && status.equals(event.event().record().getStatus().name()));
  }
}
