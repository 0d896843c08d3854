package org.vertxetcd.demo;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.vertxetcd.discovery.EtcdHealthChecks;
import org.vertxetcd.discovery.EtcdRegistry;

/**
 * What every demo service serves for operators, beside its own routes:
 * <ul>
 *   <li>{@code GET /health}: every procedure, 200 when all are UP, 503 otherwise: {@code etcd-discovery} is UP while
 *   the registry is healthy, DOWN with the reason in plain words when not;</li>
 *   <li>{@code GET /health/etcd-discovery-ready}: the readiness procedure alone, UP once the registry has synced
 *   with etcd, also while etcd is unreachable (lookups then answer from the last view): what a load balancer or a
 *   readiness probe gates traffic on;</li>
 *   <li>{@code GET /metrics}: a Prometheus scrape of the Vert.x instance's meters, the registry's included.</li>
 * </ul>
 */
final class OperatorRoutes {

  private OperatorRoutes() {
  }

  /**
   * @param router   the service's router
   * @param vertx    the Vert.x instance
   * @param registry the etcd registry whose health is reported
   * @param config   the verticle's configuration, naming the metrics registry ({@link DemoVertx#METRICS_REGISTRY};
   *                 Micrometer's default registry when absent)
   */
  static void mount(Router router, Vertx vertx, EtcdRegistry registry, JsonObject config) {
    HealthChecks checks = HealthChecks.create(vertx);
    EtcdHealthChecks.register(checks, registry);
    EtcdHealthChecks.registerReadiness(checks, registry);
    // "/health*": the rest of the path names one procedure, nothing names them all.
    router.get("/health*").handler(HealthCheckHandler.createWithHealthChecks(checks));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(
      config.getString(DemoVertx.METRICS_REGISTRY, MicrometerMetricsOptions.DEFAULT_REGISTRY_NAME)));
  }
}
