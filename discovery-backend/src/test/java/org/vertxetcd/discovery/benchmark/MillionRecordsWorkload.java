package org.vertxetcd.discovery.benchmark;

import io.etcd.jetcd.Client;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.launcher.EtcdCluster;
import org.vertxetcd.launcher.EtcdExtension;

/**
 * Workload ({@code --size large}): a registry of a million records in an etcd of its own. How long raw jetcd takes
 * to load it, what etcd's memory grows to, how long a fresh node takes to sync it and how much heap its view holds
 * ({@link ScaleProbe}, a JVM of its own), and whether the name-indexed lookup of a 10-instance service stays as fast as
 * among 1,000 records.
 */
final class MillionRecordsWorkload {

  /** A million records of 1 KB need more than etcd's default 2 GB backend quota. */
  private static final String QUOTA = "--quota-backend-bytes=" + 8L * 1024 * 1024 * 1024;
  private static final int LOOKUPS = 300;
  private static final int SMALL_REGISTRY = 1_000;

  void run(BenchmarkSize size, Results results) throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().extraArguments("http", QUOTA).build().start();
         Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
      EtcdServerStats stats = new EtcdServerStats(etcd);
      JsonObject config = new JsonObject().put("backend-name", "etcd").put("endpoints", new JsonArray(etcd.endpoints()));
      JsonObject small = load(client, config, SMALL_REGISTRY);
      JsonObject smallFigures = ScaleProbe.run(small, "1g", LOOKUPS);
      long rssBefore = stats.residentBytes();
      long start = System.nanoTime();
      JsonObject million = load(client, config, size.millionRecords());
      double loadSeconds = (System.nanoTime() - start) / 1e9;
      long rssAfter = stats.residentBytes();
      JsonObject figures = ScaleProbe.run(million, "6g", LOOKUPS);

      int records = figures.getInteger("records");
      String workload = "one million records (" + String.format("%,d", records) + ")";
      results.add(new Results.Row(workload, "s to load them with raw jetcd (txns of 128 puts, 16 in flight)",
        loadSeconds, Double.NaN, "", Double.NaN, "reported", true));
      double syncSeconds = figures.getDouble("syncMs") / 1000;
      results.add(new Results.Row(workload, "s from start to a synced cache", syncSeconds, Double.NaN, "", Double.NaN,
        "< 15 s", syncSeconds < 15));
      double beyondJson = (figures.getLong("heapBytes") - figures.getLong("jsonBytes")) / (double) records;
      results.add(new Results.Row(workload, "heap bytes per cached record beyond its JSON (" + Math.round(
        figures.getLong("jsonBytes") / (double) records) + " bytes of JSON)", beyondJson, Double.NaN, "", Double.NaN,
        "< 1,536 bytes", beyondJson < 1536));
      results.add(new Results.Row(workload, "etcd resident memory MiB after loading", rssAfter / 1048576.0,
        rssBefore / 1048576.0, "before loading", (double) rssAfter / rssBefore, "reported", true));
      double lookup = figures.getDouble("lookupMedianNanos");
      double smallLookup = smallFigures.getDouble("lookupMedianNanos");
      results.add(new Results.Row(workload, "median µs of EtcdRegistry.lookup of a 10-instance service", lookup / 1e3,
        smallLookup / 1e3, "same lookup, " + String.format("%,d", SMALL_REGISTRY) + " records", lookup / smallLookup,
        "<= 2x: independent of the total", lookup / smallLookup <= 2));
    }
  }

  /** Loads a registry of {@code records} records and a service of 10 instances, on a prefix of its own. */
  private static JsonObject load(Client client, JsonObject config, int records) throws Exception {
    String prefix = EtcdExtension.newPrefix();
    int probes = LookupWorkload.PROBE_INSTANCES;
    RawLoader.load(client, prefix, records + probes, index -> recordOf(index, probes));
    return config.copy().put("prefix", prefix);
  }

  private static Record recordOf(int index, int probes) {
    Record record = Measure.record(index);
    return index < probes ? record.setName(LookupWorkload.PROBE) : record;
  }
}
