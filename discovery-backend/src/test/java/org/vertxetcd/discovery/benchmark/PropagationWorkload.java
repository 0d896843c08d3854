package org.vertxetcd.discovery.benchmark;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.support.NodeProcess;
import org.vertxetcd.launcher.EtcdExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Workload 3: from {@code publish} in one process to the JOIN event in another, against raw jetcd from a put in one
 * process to the watch event in another, in alternating blocks. Both processes read the same monotonic clock
 * ({@code System.nanoTime} is CLOCK_MONOTONIC on Linux), so one-way latencies are exact.
 */
final class PropagationWorkload {

  private static final int BLOCK = 50;

  private final List<String> endpoints;

  PropagationWorkload(List<String> endpoints) {
    this.endpoints = endpoints;
  }

  void run(BenchmarkSize size, Results results) throws Exception {
    String prefix = EtcdExtension.newPrefix();
    String rawPrefix = EtcdExtension.newPrefix();
    JsonObject config = new JsonObject().put("backend-name", "etcd").put("endpoints", new JsonArray(endpoints))
      .put("prefix", prefix);
    List<Long> ours = new CopyOnWriteArrayList<>();
    List<Long> raw = new CopyOnWriteArrayList<>();
    Vertx observer = Vertx.vertx();
    try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
         NodeProcess publisher = NodeProcess.start("publisher", config)) {
      EtcdRegistry registry = EtcdRegistry.create(observer, config);
      await(registry.subscribe(event -> {
        long arrived = System.nanoTime();
        if (event.type() == RegistryEventType.JOIN) {
          ours.add(arrived - event.record().getMetadata().getLong("sentAt"));
        }
      }));
      ByteSequence rawKey = ByteSequence.from(rawPrefix + "/", StandardCharsets.UTF_8);
      try (Watch.Watcher watcher = client.getWatchClient().watch(rawKey, WatchOption.builder().isPrefix(true).build(),
        response -> {
          long arrived = System.nanoTime();
          response.getEvents().forEach(event ->
            raw.add(arrived - Long.parseLong(event.getKeyValue().getValue().toString(StandardCharsets.UTF_8))));
        })) {
        // A first block of each warms both paths up and is not counted.
        for (int done = -BLOCK; done < size.propagationSamples(); done += BLOCK) {
          int block = Math.min(BLOCK, size.propagationSamples() - Math.max(0, done));
          publisher.call(new JsonObject().put("cmd", "raw-timed-put").put("prefix", rawPrefix + "/" + done)
            .put("count", block));
          publisher.call(new JsonObject().put("cmd", "timed-publish").put("count", block));
          if (done < 0) {
            await().atMost(Duration.ofSeconds(30)).until(() -> ours.size() >= block && raw.size() >= block);
            ours.clear();
            raw.clear();
          }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> ours.size() >= size.propagationSamples()
          && raw.size() >= size.propagationSamples());
      }
    } finally {
      await(observer.close());
    }
    Stats oursStats = new Stats(ours);
    Stats rawStats = new Stats(raw);
    double medianRatio = oursStats.median() / rawStats.median();
    double halfMs = 500_000;
    results.add(new Results.Row("propagation, publish to JOIN in another process", "p50 ms",
      LookupWorkload.ms(oursStats.median()), LookupWorkload.ms(rawStats.median()), "raw jetcd put to watch event",
      medianRatio, "p50 <= 1.3x raw", medianRatio <= 1.3));
    results.add(new Results.Row("propagation, publish to JOIN in another process", "p99 ms",
      LookupWorkload.ms(oursStats.p99()), LookupWorkload.ms(rawStats.p99()), "raw jetcd put to watch event",
      oursStats.p99() / rawStats.p99(), "p99 <= 1.2x raw + 0.5 ms", oursStats.p99() <= 1.2 * rawStats.p99() + halfMs));
  }
}
