package org.vertxetcd.discovery.benchmark;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.launcher.EtcdExtension;

import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Workload 1: {@code ServiceDiscovery.getRecords} filtered by name, against Vert.x's default backend (the in-memory
 * limit) and Vert.x's Redis and ZooKeeper backends, with the same records in each; and the name-indexed
 * {@link EtcdRegistry#lookup} of a small service among all of them, against the default backend's answer to the
 * same question.
 */
final class LookupWorkload {

  /** The small service the name-indexed lookup looks for: its size stays the same whatever the registry's. */
  static final String PROBE = "probe";
  static final int PROBE_INSTANCES = 10;

  private final List<String> endpoints;
  private final String redis;
  private final String zookeeper;

  LookupWorkload(List<String> endpoints, String redis, String zookeeper) {
    this.endpoints = endpoints;
    this.redis = redis;
    this.zookeeper = zookeeper;
  }

  void run(BenchmarkSize size, Results results) {
    double firstIndexed = Double.NaN;
    for (int records : size.lookupSizes()) {
      int iterations = BenchmarkSize.iterationsAt(records, size.lookupIterations());
      JsonObject etcd = new JsonObject().put("backend-name", "etcd").put("endpoints", endpoints)
        .put("prefix", EtcdExtension.newPrefix());
      Measured ours = measure(etcd, records, iterations, size, vertx -> {
        EtcdRegistry registry = EtcdRegistry.create(vertx, etcd);
        return () -> registry.lookup(PROBE);
      }, size.lookupIterations() * 10);
      Measured local = measure(new JsonObject()
          .put("backend-name", "io.vertx.servicediscovery.impl.DefaultServiceDiscoveryBackend"), records, iterations,
        size, null, size.lookupIterations());
      Measured remote = measure(new JsonObject()
        .put("backend-name", "io.vertx.servicediscovery.backend.redis.RedisBackendService")
        .put("endpoints", new JsonArray().add(redis)).put("key", "records-" + records)
        .put("maxPoolSize", 16).put("maxPoolWaiting", 4096), records, Math.max(5, iterations / 10), size, null, 0);
      Measured zk = measure(ZooKeeperServer.backendConfig(zookeeper, "/records-" + records), records,
        Math.max(5, iterations / 10), size, null, 0);
      String workload = "lookup, " + String.format("%,d", records) + " records";
      double toLocal = ours.byFilter.median() / local.byFilter.median();
      results.add(new Results.Row(workload, "median ms", ms(ours.byFilter.median()), ms(local.byFilter.median()),
        "default backend", toLocal, "<= 1.5x the default backend", toLocal <= 1.5));
      double faster = remote.byFilter.median() / ours.byFilter.median();
      results.add(new Results.Row(workload, "median ms", ms(ours.byFilter.median()), ms(remote.byFilter.median()),
        "Redis backend", faster, records == 10_000 ? ">= 50x faster than Redis (at 10k)" : "reported",
        records != 10_000 || faster >= 50));
      double fasterThanZk = zk.byFilter.median() / ours.byFilter.median();
      results.add(new Results.Row(workload, "median ms", ms(ours.byFilter.median()), ms(zk.byFilter.median()),
        "ZooKeeper backend", fasterThanZk, "reported (x faster)", true));
      results.add(new Results.Row(workload, "p99 ms", ms(ours.byFilter.p99()), ms(local.byFilter.p99()),
        "default backend", ours.byFilter.p99() / local.byFilter.p99(), "reported", true));

      String indexed = "lookup, " + PROBE_INSTANCES + " of " + String.format("%,d", records + PROBE_INSTANCES)
        + " records by name (EtcdRegistry.lookup)";
      results.add(new Results.Row(indexed, "median µs", us(ours.byName.median()), us(local.byName.median()),
        "default backend getRecords", local.byName.median() / ours.byName.median(), "reported (x faster)", true));
      if (Double.isNaN(firstIndexed)) {
        firstIndexed = ours.byName.median();
      } else {
        double growth = ours.byName.median() / firstIndexed;
        results.add(new Results.Row(indexed, "median µs vs the smallest registry", us(ours.byName.median()),
          us(firstIndexed), "same lookup, " + String.format("%,d", size.lookupSizes().get(0)) + " records", growth,
          "<= 2x: independent of the total", growth <= 2));
      }
    }
  }

  /** Both figures of one backend: lookups by a name filter, and of the small probe service. */
  private record Measured(Stats byFilter, Stats byName) {
  }

  /**
   * @param byName makes the probe lookup of this backend from its Vert.x instance; {@code null}: the backend's own
   *               {@code getRecords} filtered by the probe's name
   */
  private static Measured measure(JsonObject backend, int records, int iterations, BenchmarkSize size,
                                  Function<Vertx, LookupCall> byName, int byNameIterations) {
    Vertx vertx = Vertx.vertx();
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(backend));
    try {
      Measure.populate(vertx, discovery, records);
      Stats byFilter = lookups(vertx, iterations, size, () -> discovery.getRecords(new JsonObject().put("name", "svc-7")),
        records / Measure.SERVICE_NAMES);
      Stats probe = null;
      if (byNameIterations > 0) {
        await(Future.all(IntStream.range(0, PROBE_INSTANCES).mapToObj(i -> discovery.publish(Measure.record(i)
          .setName(PROBE))).toList()));
        LookupCall call = byName == null ? () -> discovery.getRecords(new JsonObject().put("name", PROBE))
          : byName.apply(vertx);
        probe = lookups(vertx, byNameIterations, size, call, PROBE_INSTANCES);
      }
      return new Measured(byFilter, probe);
    } finally {
      discovery.close();
      ZooKeeperServer.closeBackendClient(discovery);
      await(vertx.close());
    }
  }

  /** One lookup, answering the records it found. */
  private interface LookupCall {
    Future<List<Record>> lookup();
  }

  private static Stats lookups(Vertx vertx, int iterations, BenchmarkSize size, LookupCall call, int expected) {
    System.gc();
    return new Stats(Measure.sequentially(vertx, Math.max(10, iterations / 2), size.lookupWarmup(), iterations,
      () -> call.lookup().map(found -> {
        if (found.size() != expected) {
          throw new IllegalStateException("lookup found " + found.size() + " records, not " + expected);
        }
        return found;
      })));
  }

  static double ms(double nanos) {
    return nanos / 1_000_000.0;
  }

  private static double us(double nanos) {
    return nanos / 1_000.0;
  }
}
