package org.vertxetcd.discovery.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.ClusterStatus;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.ReadinessBinding;
import org.vertxetcd.discovery.ReadinessOptions;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.RegistrySnapshot;
import org.vertxetcd.discovery.RegistrySubscription;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A handle on a {@link SharedRegistry}, delivering results on the caller's context.
 */
public final class EtcdRegistryImpl implements EtcdRegistry {

  private final Vertx vertx;
  private final Registries.Handle reference;

  private EtcdRegistryImpl(Vertx vertx, Registries.Handle reference) {
    this.vertx = vertx;
    this.reference = reference;
  }

  /**
   * @param vertx   the application's Vert.x instance
   * @param options the options
   * @return a handle on the shared registry
   */
  public static EtcdRegistry create(Vertx vertx, EtcdBackendOptions options) {
    options.validate();
    return new EtcdRegistryImpl(vertx, Registries.acquire(vertx, options));
  }

  @Override
  public EtcdBackendOptions options() {
    return new EtcdBackendOptions(reference.registry().options());
  }

  @Override
  public Future<RegistrySnapshot> snapshot() {
    return CallerContext.deliver(vertx, reference.registry().snapshot());
  }

  @Override
  public Future<List<Record>> lookup(String name) {
    return lookup(name, null);
  }

  @Override
  public Future<List<Record>> lookup(String name, JsonObject filter) {
    Objects.requireNonNull(name, "name");
    SharedRegistry registry = reference.registry();
    String what = "look up service '" + name + "'";
    return CallerContext.deliver(vertx, registry.ensure(name, what).compose(v -> registry.lookup(name, filter)));
  }

  @Override
  public Future<RegistrySubscription> subscribe(Handler<RegistryEvent> handler) {
    return subscribe(null, handler);
  }

  @Override
  public Future<RegistrySubscription> subscribe(String name, Handler<RegistryEvent> handler) {
    Objects.requireNonNull(handler, "handler");
    Context caller = vertx.getOrCreateContext();
    return CallerContext.deliver(vertx, reference.registry().subscribe(name, caller, handler));
  }

  @Override
  public RegistryHealth health() {
    return reference.registry().health();
  }

  /** @return the view this registry answers lookups from, as it is now (what tests check answers against) */
  public RegistryView view() {
    return reference.registry().view();
  }

  @Override
  public ReadinessBinding bindReadiness(Supplier<Future<Boolean>> check, ReadinessOptions options) {
    Objects.requireNonNull(check, "check");
    return reference.registry().bindReadiness(check, options == null ? new ReadinessOptions() : options);
  }

  @Override
  public Future<ClusterStatus> clusterStatus() {
    return CallerContext.deliver(vertx, reference.registry().inspector().status());
  }

  @Override
  public long leaseOf(String registration) {
    return reference.registry().leaseOf(registration);
  }

  @Override
  public Future<Long> leaseTimeToLive(long lease) {
    return CallerContext.deliver(vertx, reference.registry().inspector().timeToLive(lease));
  }

  @Override
  public Future<Void> drain() {
    return CallerContext.deliver(vertx, reference.registry().drain());
  }

  @Override
  public Future<Void> close() {
    return CallerContext.deliver(vertx, reference.release());
  }
}
