package org.vertxetcd.discovery.benchmark;

import io.etcd.jetcd.Client;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.launcher.EtcdCluster;
import org.vertxetcd.launcher.EtcdExtension;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Workload: hundreds of nodes (each its own registry, etcd client, lease and watch; {@link NodeFleet} packs them into
 * a few JVMs) on a 3-member cluster. What etcd pays for them while nothing changes (keep-alive requests, CPU,
 * memory), how long one change takes to reach every node, and what happens when every node's lease is lost at once:
 * all are revoked, every node registers its records again (after a random delay of up to a third of the TTL), and
 * the workload times the last node whole again and etcd's peak write rate meanwhile. The nodes are scoped to the
 * service they follow ({@code services}), as the README advises for many nodes: here they all share 2 cores, and
 * nodes of the whole registry would each decode every other node's re-registration, which measures the harness's
 * CPU rather than etcd.
 */
final class ManyNodesWorkload {

  static final int TTL = 5;
  private static final int RECORDS_PER_NODE = 5;
  private static final Duration SAMPLE_EVERY = Duration.ofMillis(100);

  void run(BenchmarkSize size, Results results) throws Exception {
    int nodes = size.fleetNodes();
    String prefix = EtcdExtension.newPrefix();
    try (EtcdCluster etcd = EtcdCluster.builder().members(3).build().start();
         Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
      EtcdServerStats stats = new EtcdServerStats(etcd);
      JsonObject config = new JsonObject().put("backend-name", "etcd").put("endpoints", new JsonArray(etcd.endpoints()))
        .put("prefix", prefix).put("ttl", TTL).put("services", new JsonArray().add(NodeFleet.PROBE));
      long rssBefore = stats.residentBytes();
      String workload = "hundreds of nodes, " + nodes + " nodes x " + RECORDS_PER_NODE + " records, scoped to the "
        + "service they follow (TTL " + TTL + " s, 3 members)";
      try (Fleet fleet = Fleet.start("node", config, nodes, RECORDS_PER_NODE)) {
        steadyState(stats, size, workload, rssBefore, results);
        propagation(fleet, config, size, workload, results);
        leasesLost(client, stats, etcd, config, nodes * RECORDS_PER_NODE, workload, results);
      }
    }
  }

  private static void steadyState(EtcdServerStats stats, BenchmarkSize size, String workload, long rssBefore,
                                  Results results) throws InterruptedException {
    EtcdServerStats.Reading start = stats.read();
    Thread.sleep(size.fleetWindow().toMillis());
    EtcdServerStats.Reading end = stats.read();
    double rate = end.keepAlivesPerSecondSince(start);
    double formula = size.fleetNodes() * 3.0 / TTL;
    results.add(new Results.Row(workload, "keep-alive requests/s at etcd (sum of the members, "
      + Math.round(end.secondsSince(start)) + " s)", rate, formula, "nodes x 3 / TTL", rate / formula,
      "within 20% of the formula", Math.abs(rate / formula - 1) <= 0.2));
    results.add(new Results.Row(workload, "etcd CPU, cores busy (sum of the members, same window)",
      end.coresSince(start), Double.NaN, "", Double.NaN, "reported", true));
    double rss = stats.residentBytes() / 1048576.0;
    results.add(new Results.Row(workload, "etcd resident memory MiB (sum of the members)", rss, rssBefore / 1048576.0,
      "before the nodes started", rss / (rssBefore / 1048576.0), "reported", true));
  }

  /** Probes published by a node of the harness, closed before the leases are revoked (its own lease with it). */
  private static void propagation(Fleet fleet, JsonObject config, BenchmarkSize size, String workload,
                                  Results results) {
    Stats reach = new Stats(timeToReach(config, size.fleetSamples(), List.of(fleet)).get(0));
    String metric = "ms from a publish to its JOIN on every node (" + reach.count() + " publishes)";
    results.add(new Results.Row(workload, "p50 " + metric, reach.median() / 1e6, Double.NaN, "", Double.NaN,
      "reported", true));
    results.add(new Results.Row(workload, "p99 " + metric, reach.p99() / 1e6, Double.NaN, "", Double.NaN,
      "reported", true));
  }

  /**
   * {@link Fleet#timeToReachAll} from a publishing node of this JVM, closed when done (its lease revoked), after a
   * few probes that warm every path up and are not counted.
   */
  static List<List<Long>> timeToReach(JsonObject config, int samples, List<Fleet> fleets) {
    Vertx vertx = Vertx.vertx();
    try {
      ServiceDiscovery publisher = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
        .setBackendConfiguration(config));
      int warmup = Math.max(2, samples / 10);
      return Fleet.timeToReachAll(publisher, warmup + samples, fleets).stream()
        .map(durations -> durations.subList(warmup, durations.size())).toList();
    } finally {
      await(vertx.close());
    }
  }

  /** What another node sees after every lease was revoked at once: each registration leaves, then joins again. */
  private static final class Recovery {
    private final int records;
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final Set<String> left = ConcurrentHashMap.newKeySet();
    private final AtomicLong wholeAt = new AtomicLong();

    Recovery(int records) {
      this.records = records;
    }

    void onEvent(RegistryEvent event) {
      if (event.type() == RegistryEventType.LEAVE) {
        live.remove(event.registration());
        left.add(event.registration());
      } else {
        live.add(event.registration());
      }
      if (left.size() == records && live.size() == records) {
        wholeAt.compareAndSet(0, System.nanoTime());
      }
    }
  }

  private static void leasesLost(Client client, EtcdServerStats stats, EtcdCluster etcd, JsonObject config,
                                 int records, String workload, Results results) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Recovery recovery = new Recovery(records);
      JsonObject wholeRegistry = config.copy();
      wholeRegistry.remove("services");
      int listed = await(EtcdRegistry.create(vertx, wholeRegistry).subscribe(recovery::onEvent)).snapshot().records()
        .size();
      if (listed != records) {
        throw new IllegalStateException("the registry holds " + listed + " records, not " + records);
      }
      List<Long> leases = leases(etcd);
      PutRate puts = PutRate.sample(stats, etcd.member(0).clientUrl());
      long revoked = System.nanoTime();
      CompletableFuture.allOf(leases.stream().map(lease -> client.getLeaseClient().revoke(lease))
        .toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
        .until(() -> recovery.wholeAt.get() != 0);
      double seconds = (recovery.wholeAt.get() - revoked) / 1e9;
      double peak = puts.stop();
      String lost = "hundreds of nodes, every node's lease lost at once (" + leases.size() + " leases revoked)";
      results.add(new Results.Row(lost, "s until the last node is whole (every record back, seen by another node)",
        seconds, Double.NaN, "", Double.NaN, "< TTL (" + TTL + " s)", seconds < TTL));
      double mean = records / seconds;
      results.add(new Results.Row(lost, "peak puts/s at etcd (" + SAMPLE_EVERY.toMillis() + " ms samples)", peak,
        mean, "mean: records / time to whole", peak / mean, "reported", true));
    } finally {
      await(vertx.close());
    }
  }

  /** @return the ids of every lease etcd holds ({@code etcdctl lease list}: jetcd 0.8.6 has no call for it) */
  private static List<Long> leases(EtcdCluster etcd) {
    return etcd.etcdctl("lease", "list").lines().skip(1).map(String::strip).filter(line -> !line.isEmpty())
      .map(hex -> Long.parseUnsignedLong(hex, 16)).toList();
  }

  /** etcd's put counter ({@code etcd_mvcc_put_total}, every member applies every put) read every 100 ms. */
  private static final class PutRate {
    private final Thread sampler;
    private volatile boolean stopped;
    private volatile double peak;
    private volatile RuntimeException failure;

    private PutRate(EtcdServerStats stats, String member) {
      sampler = new Thread(() -> sampleUntilStopped(stats, member), "put-rate");
      sampler.setDaemon(true);
      sampler.start();
    }

    static PutRate sample(EtcdServerStats stats, String member) {
      return new PutRate(stats, member);
    }

    private void sampleUntilStopped(EtcdServerStats stats, String member) {
      try {
        double last = stats.sumAt(member, "etcd_mvcc_put_total");
        long lastAt = System.nanoTime();
        while (!stopped) {
          Thread.sleep(SAMPLE_EVERY.toMillis());
          double now = stats.sumAt(member, "etcd_mvcc_put_total");
          long at = System.nanoTime();
          peak = Math.max(peak, (now - last) / ((at - lastAt) / 1e9));
          last = now;
          lastAt = at;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        failure = e;
      }
    }

    /** @return the highest rate seen, puts per second */
    double stop() throws InterruptedException {
      stopped = true;
      sampler.join();
      if (failure != null) {
        throw failure;
      }
      return peak;
    }
  }
}
