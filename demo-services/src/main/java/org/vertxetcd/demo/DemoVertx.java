package org.vertxetcd.demo;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The Vert.x instance of a demo process (a greeter, the gateway), with Micrometer metrics in a Prometheus registry of
 * its own: Vert.x's meters ({@code vertx_*}) and the etcd registry's ({@code vertx_etcd_discovery_*}), which the
 * verticles it deploys serve at {@code /metrics}.
 * <p>
 * Each instance has a registry name of its own: Vert.x instances that share one share its registry, and closing
 * one of them removes it for all (tests run several in one JVM).
 */
final class DemoVertx {

  /** The verticle configuration key naming the Micrometer registry that {@code /metrics} serves. */
  static final String METRICS_REGISTRY = "metricsRegistry";

  private static final String ETCD_DISCOVERY_METERS = "vertx.etcd.discovery.";

  /**
   * Bucket bounds of the registry's timers, from a watch delay (tens of microseconds) to a write that waits out its
   * deadline (seconds). Micrometer publishes a timer as count, sum and max only: without buckets Prometheus has no
   * quantile to compute.
   */
  private static final double[] TIMER_BUCKETS_NANOS = Stream.of(
      Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
      Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5),
      Duration.ofSeconds(10))
    .mapToDouble(Duration::toNanos).toArray();

  private final Vertx vertx;
  private final String registryName;

  private DemoVertx(Vertx vertx, String registryName) {
    this.vertx = vertx;
    this.registryName = registryName;
  }

  /** @return a new Vert.x instance with its own Prometheus registry */
  static DemoVertx create() {
    String registryName = "vertx-etcd-demo-" + UUID.randomUUID();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(etcdDiscoveryTimerBuckets());
    Vertx vertx = Vertx.builder()
      .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
        .setRegistryName(registryName).setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))))
      .withMetrics(new MicrometerMetricsFactory(registry))
      .build();
    return new DemoVertx(vertx, registryName);
  }

  /**
   * Histogram buckets for the etcd registry's timers only, so that {@code histogram_quantile} works on them; Vert.x's
   * own timers keep count, sum and max (one bucket series per bound and tag set would multiply their series).
   */
  private static MeterFilter etcdDiscoveryTimerBuckets() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() != Meter.Type.TIMER || !id.getName().startsWith(ETCD_DISCOVERY_METERS)) {
          return config;
        }
        return DistributionStatisticConfig.builder().serviceLevelObjectives(TIMER_BUCKETS_NANOS).build()
          .merge(config);
      }
    };
  }

  /** @return the Vert.x instance */
  Vertx vertx() {
    return vertx;
  }

  /**
   * @param verticle the verticle
   * @param config   its configuration, to which the name of this instance's metrics registry is added
   * @return the deployment id, once deployed
   */
  Future<String> deploy(Deployable verticle, JsonObject config) {
    return vertx.deployVerticle(verticle, new DeploymentOptions()
      .setConfig(config.copy().put(METRICS_REGISTRY, registryName)));
  }
}
