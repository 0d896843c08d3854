package org.vertxetcd.discovery.benchmark;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryHealth;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Runs in a JVM of its own (nothing else on the heap): how long a new node takes to sync a large registry, how much
 * heap its cache takes, and, when asked, how long {@code EtcdRegistry.lookup} of one service takes there. Prints one
 * JSON line.
 */
public final class ScaleProbe {

  private ScaleProbe() {
  }

  /**
   * Runs the probe in a JVM of its own and waits for its figures.
   *
   * @param config          the backend configuration of the registry to sync
   * @param heap            the probe JVM's maximum heap, e.g. {@code 2g}
   * @param probeLookups    how many {@code lookup(PROBE)} calls to time after the sync; 0 for none
   * @return {@code records}, {@code syncMs}, {@code heapBytes}, {@code jsonBytes} and, with lookups,
   *     {@code lookupMedianNanos}
   * @throws IOException when the JVM cannot be started
   */
  static JsonObject run(JsonObject config, String heap, int probeLookups) throws IOException {
    return ChildProcess.runToEnd("scale-probe", ScaleProbe.class, List.of("-Xmx" + heap), config.encode(),
      Integer.toString(probeLookups));
  }

  /**
   * @param args the backend configuration of the large registry, as JSON, and how many lookups of service
   *             {@value LookupWorkload#PROBE} to time (0: none)
   */
  public static void main(String[] args) {
    ChildProcess.runMain(() -> probe(new JsonObject(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 0));
  }

  private static void probe(JsonObject config, int lookups) throws Exception {
    Vertx vertx = Vertx.vertx();
    // A first registry on an empty prefix loads every class and starts a client, so the heap measured next is the
    // cache's.
    EtcdRegistry empty = EtcdRegistry.create(vertx, config.copy().put("prefix", config.getString("prefix") + "-empty"));
    await(empty.snapshot());
    long before = usedHeapAfterGc();

    long start = System.nanoTime();
    EtcdBackendService node = new EtcdBackendService();
    node.init(vertx, config);
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);
    while (registry.health().view() != RegistryHealth.ViewState.FRESH) {
      Thread.sleep(1);
    }
    long syncNanos = System.nanoTime() - start;
    long after = usedHeapAfterGc();

    List<Record> records = await(node.getRecords());
    long jsonBytes = records.stream().mapToLong(record -> record.toJson().encode().length()).sum();
    JsonObject figures = new JsonObject()
      .put("records", records.size())
      .put("syncMs", syncNanos / 1e6)
      .put("heapBytes", after - before)
      .put("jsonBytes", jsonBytes);
    if (lookups > 0) {
      figures.put("lookupMedianNanos", new Stats(Measure.sequentially(vertx, lookups, Duration.ofSeconds(3), lookups,
        () -> registry.lookup(LookupWorkload.PROBE))).median());
    }
    System.out.println(figures.encode());
    Runtime.getRuntime().halt(0);
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
