package org.vertxetcd.discovery.impl;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.RegistryEventType;

/**
 * Publishes the registry's changes to its subscribers and on this node's event bus: every change as a typed
 * {@link RegistryEvent}, the changes Vert.x's {@code ServiceDiscovery} did not announce itself (remote changes,
 * expirations, re-registrations) in its announcement format, and the registry's own state changes.
 * <p>
 * Both are published local-only: every node watches etcd and publishes to its own verticles, so a clustered event
 * bus must not deliver one change once per member.
 */
public final class EventPublisher {

  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final String eventsAddress;
  private final String announceAddress;
  private final String stateAddress;
  private final Subscribers subscribers;
  private final RegistryMetrics metrics;

  /**
   * @param vertx       the application's Vert.x instance
   * @param options     the registry's options
   * @param subscribers the subscribers of the registry, who receive every event too
   * @param metrics     counts the events
   */
  public EventPublisher(Vertx vertx, EtcdBackendOptions options, Subscribers subscribers, RegistryMetrics metrics) {
    this.vertx = vertx;
    this.eventsAddress = options.getEventsAddress();
    this.announceAddress = options.getAnnounceAddress();
    this.stateAddress = options.getStateAddress();
    this.subscribers = subscribers;
    this.metrics = metrics;
  }

  /**
   * @param change what changed
   * @param reason why, {@code null} when it is good news
   * @param health the state after the change
   */
  public void publishState(RegistryHealth.Change change, String reason, RegistryHealth health) {
    vertx.eventBus().publish(stateAddress, new JsonObject()
      .put("change", change.name())
      .put("reason", reason)
      .put("health", health.toJson()), LOCAL_ONLY);
  }

  /**
   * @param type     what happened
   * @param record   the record after the change, or the last known one for a LEAVE
   * @param revision the revision of the change
   * @param origin   who made it
   */
  public void publish(RegistryEventType type, CachedRecord record, long revision, OwnRecords.Origin origin) {
    RegistryEvent event = new RegistryEvent(type, record, revision, origin != OwnRecords.Origin.REMOTE);
    metrics.eventPublished(type);
    subscribers.dispatch(event);
    vertx.eventBus().publish(eventsAddress, event.toJson(), LOCAL_ONLY);
    if (origin != OwnRecords.Origin.CALL) {
      vertx.eventBus().publish(announceAddress, announcement(type, record).toJson(), LOCAL_ONLY);
    }
  }

  /** The shape {@code DiscoveryImpl} announces: publish and unpublish without registration, leave as DOWN. */
  private static Record announcement(RegistryEventType type, CachedRecord record) {
    Record announced = record.view();
    switch (type) {
      case JOIN:
        return announced.setRegistration(null);
      case LEAVE:
        return announced.setRegistration(null).setStatus(Status.DOWN);
      default:
        return announced;
    }
  }
}
