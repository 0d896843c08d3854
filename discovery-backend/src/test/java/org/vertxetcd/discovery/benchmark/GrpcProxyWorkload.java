package org.vertxetcd.discovery.benchmark;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.launcher.EtcdCluster;
import org.vertxetcd.launcher.EtcdExtension;
import org.vertxetcd.launcher.GrpcProxy;

import java.util.List;

/**
 * Workload: nodes watching the registry through one etcd gRPC proxy against as many nodes connected to the members
 * directly, on a 3-member cluster: the watchers and watch streams they cost the members ({@code /metrics} gauges),
 * the keep-alive requests the members handle for them, and the time a change takes to reach all of them (both
 * groups timed on the same publishes).
 */
final class GrpcProxyWorkload {

  private static final int TTL = ManyNodesWorkload.TTL;
  private static final String WATCHERS = "etcd_debugging_mvcc_watcher_total";
  private static final String STREAMS = "etcd_debugging_mvcc_watch_stream_total";

  /** What the members carry for one group of nodes: watchers, watch streams and keep-alives per second. */
  private record Cost(double watchers, double streams, double keepAlivesPerSecond) {
  }

  void run(BenchmarkSize size, Results results) throws Exception {
    String prefix = EtcdExtension.newPrefix();
    try (EtcdCluster etcd = EtcdCluster.builder().members(3).build().start();
         GrpcProxy proxy = etcd.startGrpcProxy()) {
      EtcdServerStats stats = new EtcdServerStats(etcd);
      JsonObject direct = new JsonObject().put("backend-name", "etcd").put("endpoints", new JsonArray(etcd.endpoints()))
        .put("prefix", prefix).put("ttl", TTL);
      JsonObject proxied = direct.copy().put("endpoints", new JsonArray().add(proxy.url()));
      Cost before = cost(stats, size);
      try (Fleet directFleet = Fleet.start("direct", direct, size.proxyNodes(), 1)) {
        Cost withDirect = cost(stats, size);
        try (Fleet proxiedFleet = Fleet.start("proxied", proxied, size.proxyNodes(), 1)) {
          Cost withBoth = cost(stats, size);
          report(size, difference(withDirect, before), difference(withBoth, withDirect), results);
          propagation(direct, size, directFleet, proxiedFleet, results);
        }
      }
    }
  }

  /** Reads the gauges once the nodes' watches are established, and the keep-alive rate over half the window. */
  private static Cost cost(EtcdServerStats stats, BenchmarkSize size) throws InterruptedException {
    EtcdServerStats.Reading start = stats.read();
    Thread.sleep(size.fleetWindow().toMillis() / 2);
    EtcdServerStats.Reading end = stats.read();
    return new Cost(stats.sum(WATCHERS), stats.sum(STREAMS), end.keepAlivesPerSecondSince(start));
  }

  private static Cost difference(Cost after, Cost before) {
    return new Cost(after.watchers - before.watchers, after.streams - before.streams,
      after.keepAlivesPerSecond - before.keepAlivesPerSecond);
  }

  private static void report(BenchmarkSize size, Cost direct, Cost proxied, Results results) {
    String workload = "gRPC proxy, " + size.proxyNodes() + " nodes watching through one proxy (3 members)";
    results.add(new Results.Row(workload, "watchers at the members (" + WATCHERS + ", sum)", proxied.watchers,
      direct.watchers, size.proxyNodes() + " nodes connected directly", proxied.watchers / direct.watchers,
      "<= 2: the proxy coalesces them", proxied.watchers <= 2));
    results.add(new Results.Row(workload, "watch streams at the members (" + STREAMS + ", sum)", proxied.streams,
      direct.streams, size.proxyNodes() + " nodes connected directly", proxied.streams / direct.streams, "reported",
      true));
    results.add(new Results.Row(workload, "keep-alive requests/s at the members", proxied.keepAlivesPerSecond,
      direct.keepAlivesPerSecond, size.proxyNodes() + " nodes connected directly",
      proxied.keepAlivesPerSecond / direct.keepAlivesPerSecond, "reported", true));
  }

  private static void propagation(JsonObject config, BenchmarkSize size, Fleet direct, Fleet proxied,
                                  Results results) {
    List<List<Long>> reach = ManyNodesWorkload.timeToReach(config, size.fleetSamples(), List.of(direct, proxied));
    Stats directStats = new Stats(reach.get(0));
    Stats proxiedStats = new Stats(reach.get(1));
    String workload = "gRPC proxy, publish to JOIN on every one of " + size.proxyNodes() + " nodes ("
      + proxiedStats.count() + " publishes)";
    results.add(new Results.Row(workload, "p50 ms through the proxy", proxiedStats.median() / 1e6,
      directStats.median() / 1e6, "nodes connected directly", proxiedStats.median() / directStats.median(),
      "reported", true));
    results.add(new Results.Row(workload, "p99 ms through the proxy", proxiedStats.p99() / 1e6,
      directStats.p99() / 1e6, "nodes connected directly", proxiedStats.p99() / directStats.p99(), "reported",
      true));
  }
}
