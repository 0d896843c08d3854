package org.vertxetcd.discovery;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.impl.EtcdRegistryImpl;

/**
 * Direct access to the etcd registry behind the {@code etcd} discovery backend, for what Vert.x's
 * {@code ServiceDiscovery} API cannot express: a consistent view with its revision, and a gap-free stream of changes.
 * <p>
 * A registry created with the same Vert.x instance and options as a {@code ServiceDiscovery} backend shares its etcd
 * client, lease, watch and cache. Results are delivered on the caller's context.
 * <pre>
 * EtcdRegistry registry = EtcdRegistry.create(vertx, new EtcdBackendOptions().setPrefix("/vertx/discovery"));
 * registry.subscribe(event -&gt; log.info("{} {} at revision {}", event.type(), event.name(), event.revision()))
 *   .onSuccess(subscription -&gt; render(subscription.snapshot().records()));
 * </pre>
 */
public interface EtcdRegistry {

  /**
   * @param vertx   the Vert.x instance
   * @param options the options, as for the backend
   * @return a handle on the shared registry of that instance and configuration
   * @throws IllegalArgumentException when the options are invalid; the message names the key
   */
  static EtcdRegistry create(Vertx vertx, EtcdBackendOptions options) {
    return EtcdRegistryImpl.create(vertx, options);
  }

  /**
   * @param vertx  the Vert.x instance
   * @param config the options in their JSON form (a {@code backendConfiguration})
   * @return a handle on the shared registry of that instance and configuration
   * @throws IllegalArgumentException when the configuration is invalid; the message names the key
   */
  static EtcdRegistry create(Vertx vertx, JsonObject config) {
    return create(vertx, new EtcdBackendOptions(config));
  }

  /** @return a copy of the options of this registry */
  EtcdBackendOptions options();

  /**
   * @return every record with the revision it is at, once the registry has synced with etcd
   */
  Future<RegistrySnapshot> snapshot();

  /**
   * Subscribes to the registry: the returned subscription holds a snapshot, and {@code handler} then receives every
   * change after it, exactly once and in revision order, on the caller's context. Changes already in the snapshot
   * are never delivered; none after it are missed.
   *
   * @param handler receives the changes
   * @return the subscription, once its snapshot is taken
   */
  Future<RegistrySubscription> subscribe(Handler<RegistryEvent> handler);

  /**
   * @return the registry's current state, at once (for health checks); changes are also published on the
   *     {@code stateAddress}
   */
  RegistryHealth health();

  /**
   * Releases this handle. When no handle or backend of this Vert.x instance and configuration uses the registry any
   * more, it revokes its lease (this node's records leave at once) and closes its etcd client.
   *
   * @return completes when done; never fails
   */
  Future<Void> close();
}
