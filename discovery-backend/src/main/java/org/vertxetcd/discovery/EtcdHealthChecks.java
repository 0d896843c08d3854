package org.vertxetcd.discovery;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;

/**
 * Registers an etcd registry with Vert.x health checks ({@code io.vertx:vertx-health-check}, with vertx-web's
 * {@code HealthCheckHandler} to serve them over HTTP):
 * <pre>
 * HealthChecks checks = HealthChecks.create(vertx);
 * EtcdHealthChecks.register(checks, registry);            // "etcd-discovery": UP while healthy
 * EtcdHealthChecks.registerReadiness(checks, registry);   // "etcd-discovery-ready": UP once synced
 * router.get("/health*").handler(HealthCheckHandler.createWithHealthChecks(checks));
 * </pre>
 * Both report {@link RegistryHealth#toJson()} as their data; a procedure that is down adds a {@code reason} in plain
 * words.
 * <p>
 * Which to use for what: a node whose view is stale (etcd unreachable, no leader) still answers lookups from its last
 * view, and its records stay registered until its lease expires, so it can keep serving. The strict check tells an
 * operator (and a dashboard or alert) that something is wrong; the readiness check is what a load balancer or
 * Kubernetes readiness probe should gate traffic on: it is down only until the first sync and after close. Do not
 * restart a node because the strict check is down: a restart cannot reach etcd any better.
 */
public final class EtcdHealthChecks {

  /** The name {@link #register(HealthChecks, EtcdRegistry)} registers under: {@value}. */
  public static final String NAME = "etcd-discovery";

  /** The name {@link #registerReadiness(HealthChecks, EtcdRegistry)} registers under: {@value}. */
  public static final String READINESS_NAME = "etcd-discovery-ready";

  private EtcdHealthChecks() {
  }

  /**
   * Registers {@value #NAME}: UP while {@link RegistryHealth#healthy()} (the view and every import follow etcd, the
   * lease is confirmed, nothing failed for good), DOWN with the reason otherwise.
   *
   * @param checks   the health checks
   * @param registry the registry
   * @return {@code checks}
   */
  public static HealthChecks register(HealthChecks checks, EtcdRegistry registry) {
    return register(checks, NAME, registry);
  }

  /**
   * Like {@link #register(HealthChecks, EtcdRegistry)}, under another name (several registries).
   *
   * @param checks   the health checks
   * @param name     the procedure's name
   * @param registry the registry
   * @return {@code checks}
   */
  public static HealthChecks register(HealthChecks checks, String name, EtcdRegistry registry) {
    return checks.register(name, promise -> {
      RegistryHealth health = registry.health();
      promise.complete(health.healthy() ? Status.OK(health.toJson()) : Status.KO(withReason(health)));
    });
  }

  /**
   * Registers {@value #READINESS_NAME}: UP once the registry has synced with etcd, while it answers lookups (a stale
   * view included), DOWN before the first sync.
   *
   * @param checks   the health checks
   * @param registry the registry
   * @return {@code checks}
   */
  public static HealthChecks registerReadiness(HealthChecks checks, EtcdRegistry registry) {
    return checks.register(READINESS_NAME, promise -> {
      RegistryHealth health = registry.health();
      boolean ready = health.view() != RegistryHealth.ViewState.SYNCING;
      promise.complete(ready ? Status.OK(health.toJson()) : Status.KO(withReason(health)));
    });
  }

  /**
   * Binds the status of this node's records to the outcome of Vert.x health checks (every procedure registered in
   * {@code checks}): see {@link EtcdRegistry#bindReadiness}. Do not register the registry's own strict procedure in
   * the same checks: an etcd outage must not take every instance out of service.
   *
   * @param registry the registry whose records follow the checks
   * @param checks   the application's health checks
   * @param options  the interval and thresholds
   * @return the binding
   */
  public static ReadinessBinding bindReadiness(EtcdRegistry registry, HealthChecks checks,
                                               ReadinessOptions options) {
    return registry.bindReadiness(() -> checks.checkStatus().map(CheckResult::getUp), options);
  }

  private static JsonObject withReason(RegistryHealth health) {
    return health.toJson().put("reason", health.reason());
  }
}
