package org.vertxetcd.discovery.benchmark;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.launcher.EtcdExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Workload 5: a large registry (time for a new node to sync it, heap per cached record, in a JVM of its own), and many
 * subscribers on one node (each must receive every change, in order).
 */
final class ScaleWorkload {

  private final List<String> endpoints;

  ScaleWorkload(List<String> endpoints) {
    this.endpoints = endpoints;
  }

  void run(BenchmarkSize size, Results results) throws Exception {
    syncAndHeap(size, results);
    subscribers(size, results);
  }

  private void syncAndHeap(BenchmarkSize size, Results results) throws Exception {
    String prefix = EtcdExtension.newPrefix();
    try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
      Vertx vertx = Vertx.vertx();
      try {
        Measure.concurrently(vertx, size.scaleRecords(), RegistrationWorkload.CONCURRENCY, index -> {
          String registration = UUID.randomUUID().toString();
          return Future.fromCompletionStage(client.getKVClient().put(
            ByteSequence.from(prefix + "/svc-" + index % Measure.SERVICE_NAMES + "/" + registration,
              StandardCharsets.UTF_8),
            ByteSequence.from(Measure.record(index).setRegistration(registration).toJson().toBuffer().getBytes())));
        });
      } finally {
        await(vertx.close());
      }
      JsonObject probe = ScaleProbe.run(new JsonObject().put("backend-name", "etcd")
        .put("endpoints", new JsonArray(endpoints)).put("prefix", prefix), "2g", 0);
      int records = probe.getInteger("records");
      String workload = "scale, " + String.format("%,d", records) + " records";
      double syncMs = probe.getDouble("syncMs");
      results.add(new Results.Row(workload, "ms from start to a synced cache", syncMs, Double.NaN, "", Double.NaN,
        size.scaleRecords() >= 100_000 ? "< 3,000 ms" : "reported", size.scaleRecords() < 100_000 || syncMs < 3000));
      double perRecord = (double) probe.getLong("heapBytes") / records;
      double json = (double) probe.getLong("jsonBytes") / records;
      results.add(new Results.Row(workload, "heap bytes per cached record beyond its JSON (" + Math.round(json)
        + " bytes of JSON)", perRecord - json, Double.NaN, "", Double.NaN, "< 1,536 bytes", perRecord - json < 1536));
    }
  }

  private void subscribers(BenchmarkSize size, Results results) {
    JsonObject config = new JsonObject().put("backend-name", "etcd").put("endpoints", new JsonArray(endpoints))
      .put("prefix", EtcdExtension.newPrefix());
    Vertx node = Vertx.vertx();
    Vertx writer = Vertx.vertx();
    try {
      EtcdRegistry registry = EtcdRegistry.create(node, config);
      List<List<RegistryEvent>> received = new ArrayList<>();
      for (int i = 0; i < size.subscribers(); i++) {
        List<RegistryEvent> events = new CopyOnWriteArrayList<>();
        received.add(events);
        await(registry.subscribe(events::add));
      }
      ServiceDiscovery discovery = ServiceDiscovery.create(writer, new ServiceDiscoveryOptions()
        .setBackendConfiguration(config));
      long start = System.nanoTime();
      Measure.concurrently(writer, size.subscriberChanges(), 32, index -> discovery.publish(Measure.record(index)));
      await().atMost(Duration.ofSeconds(60)).until(() -> received.stream()
        .allMatch(events -> events.size() >= size.subscriberChanges()));
      double ms = (System.nanoTime() - start) / 1e6;
      List<Long> reference = received.get(0).stream().map(RegistryEvent::revision).toList();
      boolean complete = received.stream().allMatch(events -> events.size() == size.subscriberChanges()
        && events.stream().map(RegistryEvent::revision).toList().equals(reference));
      results.add(new Results.Row("scale, " + size.subscribers() + " subscribers on one node",
        "ms until all received " + String.format("%,d", size.subscriberChanges()) + " changes", ms, Double.NaN, "",
        Double.NaN, "each receives every change once, in order", complete));
    } finally {
      await(node.close());
      await(writer.close());
    }
  }
}
