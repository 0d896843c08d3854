package org.vertxetcd.discovery.benchmark;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryHealth;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Runs in a JVM of its own (serial GC, nothing else on the heap): how long a new node takes to sync a large registry,
 * and how much heap its cache takes per record. Prints one JSON line.
 */
public final class ScaleProbe {

  private ScaleProbe() {
  }

  /**
   * @param args the backend configuration of the large registry, as JSON
   */
  public static void main(String[] args) throws Exception {
    JsonObject config = new JsonObject(args[0]);
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
    System.out.println(new JsonObject()
      .put("records", records.size())
      .put("syncMs", syncNanos / 1e6)
      .put("heapBytes", after - before)
      .put("jsonBytes", jsonBytes)
      .encode());
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
