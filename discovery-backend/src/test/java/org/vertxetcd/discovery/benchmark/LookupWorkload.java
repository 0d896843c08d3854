package org.vertxetcd.discovery.benchmark;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.vertxetcd.discovery.support.EtcdExtension;

import java.util.List;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Workload 1: {@code ServiceDiscovery.getRecords} filtered by name, against Vert.x's default backend (the in-memory
 * limit) and Vert.x's Redis backend, with the same records in each.
 */
final class LookupWorkload {

  private final List<String> endpoints;
  private final String redis;

  LookupWorkload(List<String> endpoints, String redis) {
    this.endpoints = endpoints;
    this.redis = redis;
  }

  void run(BenchmarkSize size, Results results) {
    for (int records : size.lookupSizes()) {
      int iterations = BenchmarkSize.iterationsAt(records, size.lookupIterations());
      Stats ours = measure(new JsonObject().put("backend-name", "etcd")
        .put("endpoints", endpoints).put("prefix", EtcdExtension.newPrefix()), records, iterations);
      Stats local = measure(new JsonObject()
        .put("backend-name", "io.vertx.servicediscovery.impl.DefaultServiceDiscoveryBackend"), records, iterations);
      Stats remote = measure(new JsonObject()
        .put("backend-name", "io.vertx.servicediscovery.backend.redis.RedisBackendService")
        .put("endpoints", new JsonArray().add(redis)).put("key", "records-" + records)
        .put("maxPoolSize", 16).put("maxPoolWaiting", 4096), records, Math.max(5, iterations / 10));
      String workload = "lookup, " + String.format("%,d", records) + " records";
      double toLocal = ours.median() / local.median();
      results.add(new Results.Row(workload, "median ms", ms(ours.median()), ms(local.median()), "default backend",
        toLocal, "<= 1.5x the default backend", toLocal <= 1.5));
      double faster = remote.median() / ours.median();
      results.add(new Results.Row(workload, "median ms", ms(ours.median()), ms(remote.median()), "Redis backend",
        faster, records == 10_000 ? ">= 50x faster than Redis (at 10k)" : "reported", records != 10_000
        || faster >= 50));
      results.add(new Results.Row(workload, "p99 ms", ms(ours.p99()), ms(local.p99()), "default backend",
        ours.p99() / local.p99(), "reported", true));
    }
  }

  private static Stats measure(JsonObject backend, int records, int iterations) {
    Vertx vertx = Vertx.vertx();
    try {
      ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
        .setBackendConfiguration(backend));
      Measure.populate(vertx, discovery, records);
      JsonObject byName = new JsonObject().put("name", "svc-7");
      int expected = records / Measure.SERVICE_NAMES;
      System.gc();
      Stats stats = new Stats(Measure.sequentially(vertx, Math.max(10, iterations / 2), iterations,
        () -> discovery.getRecords(byName).map(found -> {
          if (found.size() != expected) {
            throw new IllegalStateException("lookup found " + found.size() + " records, not " + expected);
          }
          return found;
        })));
      discovery.close();
      return stats;
    } finally {
      await(vertx.close());
    }
  }

  static double ms(double nanos) {
    return nanos / 1_000_000.0;
  }
}
