package org.vertxetcd.discovery.benchmark;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.launcher.EtcdExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Workload: what the registry's Micrometer meters cost. The same lookups and the same publish-to-JOIN propagation,
 * through Vert.x instances running Micrometer metrics with a Prometheus registry and through instances without
 * metrics, in alternating blocks in this one JVM, against the same registry.
 */
final class MetricsCostWorkload {

  private static final String FILTERED = "svc-7";
  private static final String OBSERVER_REGISTRY = "benchmark-observer";

  private final List<String> endpoints;

  MetricsCostWorkload(List<String> endpoints) {
    this.endpoints = endpoints;
  }

  /** Two nodes of one kind, metrics on or off: one publishes, the other looks up and receives. */
  private record Pair(String name, Vertx publisherVertx, ServiceDiscovery publisher, Vertx observerVertx,
                      ServiceDiscovery observer, List<Long> propagation) {
  }

  void run(BenchmarkSize size, Results results) {
    JsonObject config = new JsonObject().put("backend-name", "etcd").put("endpoints", new JsonArray(endpoints))
      .put("prefix", EtcdExtension.newPrefix());
    List<Pair> pairs = new ArrayList<>();
    try {
      Pair on = pair("metrics on", config, true);
      pairs.add(on);
      Pair off = pair("metrics off", config, false);
      pairs.add(off);
      Measure.populate(off.publisherVertx, off.publisher, size.metricsRecords());
      lookups(size, on, off, results);
      propagation(size, on, off, results);
      requireMeters();
    } finally {
      pairs.forEach(pair -> {
        await(pair.publisherVertx.close());
        await(pair.observerVertx.close());
      });
    }
  }

  private Pair pair(String name, JsonObject config, boolean metrics) {
    Vertx publisherVertx = vertx(metrics, "benchmark-publisher");
    Vertx observerVertx = vertx(metrics, OBSERVER_REGISTRY);
    List<Long> propagation = new CopyOnWriteArrayList<>();
    await(EtcdRegistry.create(observerVertx, config).subscribe(event -> {
      long arrived = System.nanoTime();
      JsonObject metadata = event.record().getMetadata();
      if (event.type() == RegistryEventType.JOIN && metadata.getBoolean("metrics", !metrics) == metrics) {
        propagation.add(arrived - metadata.getLong("sentAt"));
      }
    }));
    return new Pair(name, publisherVertx, discovery(publisherVertx, config), observerVertx,
      discovery(observerVertx, config), propagation);
  }

  private static Vertx vertx(boolean metrics, String registryName) {
    return metrics ? Vertx.vertx(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
      .setRegistryName(registryName).setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))))
      : Vertx.vertx();
  }

  private static ServiceDiscovery discovery(Vertx vertx, JsonObject config) {
    return ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions().setBackendConfiguration(config));
  }

  private static void lookups(BenchmarkSize size, Pair on, Pair off, Results results) {
    int expected = size.metricsRecords() / Measure.SERVICE_NAMES;
    List<Long> withMetrics = new ArrayList<>();
    List<Long> without = new ArrayList<>();
    for (Pair pair : List.of(on, off)) {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals(expected, await(pair.observer
        .getRecords(new JsonObject().put("name", FILTERED))).size(), pair.name + " sees every record"));
      lookup(pair, 10, size.lookupWarmup(), 1);
    }
    for (int block = 0; block < size.metricsBlocks(); block++) {
      // Each kind goes first in every other block: neither always runs in the other's wake.
      boolean onFirst = block % 2 == 0;
      List<Long> first = lookup(onFirst ? on : off, 0, Duration.ZERO, size.metricsBlockSize());
      List<Long> second = lookup(onFirst ? off : on, 0, Duration.ZERO, size.metricsBlockSize());
      (onFirst ? withMetrics : without).addAll(first);
      (onFirst ? without : withMetrics).addAll(second);
    }
    String workload = "metrics cost, lookup of " + String.format("%,d", expected) + " of "
      + String.format("%,d", size.metricsRecords()) + " records";
    addRatio(results, workload, "median ms", new Stats(withMetrics).median(), new Stats(without).median());
  }

  private static List<Long> lookup(Pair pair, int warmupCalls, Duration warmupTime, int iterations) {
    return Measure.sequentially(pair.observerVertx, warmupCalls, warmupTime, iterations,
      () -> pair.observer.getRecords(new JsonObject().put("name", FILTERED)));
  }

  private static void propagation(BenchmarkSize size, Pair on, Pair off, Results results) {
    // A first block of each warms both paths up and is not counted.
    for (int block = -1; block < size.metricsBlocks(); block++) {
      boolean onFirst = block % 2 == 0;
      timedPublishes(onFirst ? on : off, size.metricsBlockSize(), block < 0);
      timedPublishes(onFirst ? off : on, size.metricsBlockSize(), block < 0);
    }
    String workload = "metrics cost, propagation (publish to JOIN on another node, same JVM)";
    Stats withMetrics = new Stats(on.propagation);
    Stats without = new Stats(off.propagation);
    addRatio(results, workload, "p50 ms", withMetrics.median(), without.median());
    results.add(new Results.Row(workload, "p99 ms", withMetrics.p99() / 1e6, without.p99() / 1e6, "metrics off",
      withMetrics.p99() / without.p99(), "reported", true));
  }

  /** Publishes one record after the other, each stamped with the clock, and waits until all have arrived. */
  private static void timedPublishes(Pair pair, int count, boolean warmup) {
    int expected = pair.propagation.size() + count;
    boolean metrics = pair.name.equals("metrics on");
    for (int i = 0; i < count; i++) {
      await(pair.publisher.publish(new Record().setName("timed").setMetadata(new JsonObject()
        .put("sentAt", System.nanoTime()).put("metrics", metrics))));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> pair.propagation.size() >= expected);
    if (warmup) {
      pair.propagation.clear();
    }
  }

  private static void addRatio(Results results, String workload, String metric, double on, double off) {
    double ratio = on / off;
    results.add(new Results.Row(workload, metric + ", metrics on", on / 1e6, off / 1e6, "metrics off", ratio,
      "<= 1.05x metrics off", ratio <= 1.05));
  }

  /** The comparison means something only if the metered nodes did publish the registry's meters. */
  private static void requireMeters() {
    String scrape = ((PrometheusMeterRegistry) BackendRegistries.getNow(OBSERVER_REGISTRY)).scrape();
    if (!scrape.contains("vertx_etcd_discovery_events_total")) {
      throw new IllegalStateException("the metered node published no vertx_etcd_discovery meter");
    }
  }
}
