package org.vertxetcd.discovery;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.impl.EtcdRegistryImpl;

import java.util.List;
import java.util.function.Supplier;

/**
 * Direct access to the etcd registry behind the {@code etcd} discovery backend, for what Vert.x's
 * {@code ServiceDiscovery} API cannot express: lookups by service name at a cost independent of the registry's size,
 * a consistent view with its revision, and a gap-free stream of changes, of everything or of one service.
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
   * The live instances of one service, from this node's view: the records named {@code name} whose status is UP.
   * The cost depends on the number of records of that service, not on the size of the registry. Records imported
   * from services that are not Vert.x ({@link EtcdBackendOptions#setImports}) are included.
   *
   * @param name the service name (exact, case-sensitive)
   * @return copies of its records, once the registry has synced with etcd
   */
  Future<List<Record>> lookup(String name);

  /**
   * Like {@link #lookup(String)}, filtered the way {@code ServiceDiscovery.getRecords(JsonObject)} filters: each key
   * of {@code filter} is a metadata key (or {@code status}, {@code type}, {@code registration}) whose value must be
   * equal (strings ignoring case) or {@code "*"} for present; naming a {@code status} replaces the UP-only default.
   * <pre>
   * registry.lookup("greeter", new JsonObject().put("zone", "eu-west"))
   * </pre>
   *
   * @param name   the service name (exact, case-sensitive)
   * @param filter the filter, {@code null} or empty for none
   * @return copies of the matching records, once the registry has synced with etcd
   */
  Future<List<Record>> lookup(String name, JsonObject filter);

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
   * Subscribes to one service: like {@link #subscribe(Handler)}, with a snapshot of that service's records (any
   * status) and only its changes. Following one service costs nothing for the changes of others.
   *
   * @param name    the service name (exact, case-sensitive)
   * @param handler receives the service's changes
   * @return the subscription, once its snapshot is taken
   */
  Future<RegistrySubscription> subscribe(String name, Handler<RegistryEvent> handler);

  /**
   * @return the registry's current state, at once (for health checks); changes are also published on the
   *     {@code stateAddress}
   */
  RegistryHealth health();

  /**
   * Binds the status of this node's records to a readiness check: after {@code failureThreshold} failures in a row
   * its UP records turn {@code OUT_OF_SERVICE} (consumers' address resolvers stop selecting them, other nodes get
   * UPDATE events), after {@code successThreshold} successes in a row they turn UP again. Records written while the
   * check fails are written OUT_OF_SERVICE. With Vert.x health checks:
   * {@link EtcdHealthChecks#bindReadiness(EtcdRegistry, io.vertx.ext.healthchecks.HealthChecks, ReadinessOptions)}.
   * A later binding replaces an earlier one.
   *
   * @param check   answers whether this node is ready to serve; a failure or no answer within the interval is
   *                "not ready"
   * @param options the interval and thresholds
   * @return the binding, to cancel it
   */
  ReadinessBinding bindReadiness(Supplier<Future<Boolean>> check, ReadinessOptions options);

  /**
   * @return the etcd cluster as this node's client sees it: members, the leader, database sizes, alarms
   */
  Future<ClusterStatus> clusterStatus();

  /**
   * @param registration a registration id
   * @return the lease its key is bound to, from this node's view; 0 when the view does not hold it (or the key has
   *     no lease)
   */
  long leaseOf(String registration);

  /**
   * @param lease a lease id, e.g. from {@link #leaseOf}
   * @return the seconds it has left, as etcd says; -1 when etcd no longer knows it (expired or revoked)
   */
  Future<Long> leaseTimeToLive(long lease);

  /**
   * Drains this node: its records turn {@code OUT_OF_SERVICE} for good (consumers stop selecting them) while it keeps
   * serving, then {@code drainTimeout} passes. Closing the registry afterwards revokes the lease at once; without an
   * explicit drain, closing drains first when {@code drainTimeout} is set. Call it from a shutdown handler, before
   * the application's servers stop.
   *
   * @return completes once the drain timeout has passed after the records' status was written; never fails
   */
  Future<Void> drain();

  /**
   * Releases this handle. When no handle or backend of this Vert.x instance and configuration uses the registry any
   * more, it revokes its lease (this node's records leave at once) and closes its etcd client.
   *
   * @return completes when done; never fails
   */
  Future<Void> close();
}
