package org.vertxetcd.discovery.benchmark;

import io.etcd.jetcd.Client;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.launcher.EtcdExtension;

import java.util.List;

/**
 * Workload: a node scoped to one service ({@code services: ["svc-7"]}) of a registry of many services, against a
 * node of the whole registry: time from start to a synced view, and heap held by the view, each in a JVM of its own
 * ({@link ScaleProbe}).
 */
final class ScopedViewWorkload {

  private static final String SCOPE = "svc-7";

  private final List<String> endpoints;

  ScopedViewWorkload(List<String> endpoints) {
    this.endpoints = endpoints;
  }

  void run(BenchmarkSize size, Results results) throws Exception {
    String prefix = EtcdExtension.newPrefix();
    try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
      RawLoader.load(client, prefix, size.scopedRecords(), index -> Measure.record(index)
        .setName("svc-" + index % size.scopedServices()));
      JsonObject whole = new JsonObject().put("backend-name", "etcd").put("endpoints", new JsonArray(endpoints))
        .put("prefix", prefix);
      JsonObject wholeFigures = ScaleProbe.run(whole, "2g", 0);
      JsonObject scopedFigures = ScaleProbe.run(whole.copy().put("services", new JsonArray().add(SCOPE)), "2g", 0);
      String workload = "scoped view, 1 of " + String.format("%,d", size.scopedServices()) + " services ("
        + String.format("%,d", size.scopedRecords()) + " records; the scoped node holds "
        + scopedFigures.getInteger("records") + ")";
      double scopedSync = scopedFigures.getDouble("syncMs");
      double wholeSync = wholeFigures.getDouble("syncMs");
      results.add(new Results.Row(workload, "ms from start to synced", scopedSync, wholeSync, "whole-registry node",
        scopedSync / wholeSync, "reported", true));
      double scopedHeap = scopedFigures.getLong("heapBytes") / 1048576.0;
      double wholeHeap = wholeFigures.getLong("heapBytes") / 1048576.0;
      results.add(new Results.Row(workload, "MiB of heap held by the view (used heap after full GC, before and "
        + "after)", scopedHeap, wholeHeap, "whole-registry node", scopedHeap / wholeHeap,
        "< 5% of the whole registry's", scopedHeap / wholeHeap < 0.05));
      RawLoader.delete(client, prefix);
    }
  }
}
