package org.vertxetcd.discovery.benchmark;

import org.vertxetcd.launcher.EtcdCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The benchmark harness: starts its own etcd, Redis and ZooKeeper (and, for the workloads that need them, 3-member
 * clusters and etcd's gRPC proxy), runs every workload with the backends it compares side by side, and prints a table
 * of medians, p99s and ratios (also written to {@code target/benchmark.md}).
 * <pre>
 * scripts/benchmark.sh               # the full run BENCHMARKS.md reports
 * scripts/benchmark.sh --size tiny   # every workload in seconds
 * scripts/benchmark.sh --size large  # the full run, plus a million records and more nodes
 * scripts/benchmark.sh --only lookup,scale
 * </pre>
 */
public final class Benchmark {

  private Benchmark() {
  }

  /** The workloads, as {@code --only} names them. */
  static final List<String> WORKLOADS = List.of("propagation", "failure", "registration", "scale", "scoped", "million",
    "metrics", "nodes", "proxy", "routing", "lookup");

  private static final String USAGE = "usage: Benchmark [--size tiny|full|large] [--only workload,...] with workloads "
    + String.join(", ", WORKLOADS);

  /**
   * @param args {@code --size tiny|full|large} and {@code --only} followed by workloads of {@link #WORKLOADS},
   *             separated by commas
   */
  public static void main(String[] args) throws Exception {
    String sizeName = "full";
    Set<String> only = Set.of();
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--size" -> sizeName = args[i + 1];
        case "--only" -> only = Set.of(args[i + 1].split(","));
        default -> throw new IllegalArgumentException(USAGE);
      }
    }
    if (args.length % 2 != 0 || !WORKLOADS.containsAll(only)) {
      throw new IllegalArgumentException(USAGE);
    }
    Results results = run(BenchmarkSize.named(sizeName), only);
    String table = results.table();
    System.out.println();
    System.out.println(table);
    Path report = Paths.get("target", "benchmark.md");
    Files.createDirectories(report.getParent());
    Files.writeString(report, "Run " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
      + " cores, Java " + System.getProperty("java.version") + "\n\n" + table);
    System.out.println("Written to " + report.toAbsolutePath());
    System.exit(0);
  }

  private interface Workload {
    void run() throws Exception;
  }

  private static void run(String name, String title, Set<String> only, Workload workload) throws Exception {
    if (only.isEmpty() || only.contains(name)) {
      System.out.println(title);
      System.gc();
      workload.run();
    }
  }

  /**
   * @param size how big a run
   * @param only the workloads to run; all when empty
   * @return the table's rows
   */
  static Results run(BenchmarkSize size, Set<String> only) throws Exception {
    Results results = new Results();
    Path work = Files.createTempDirectory("benchmark");
    try (EtcdCluster etcd = EtcdCluster.builder().build().start();
         RedisServer redis = RedisServer.start(work);
         ZooKeeperServer zookeeper = ZooKeeperServer.start(work)) {
      List<String> endpoints = etcd.endpoints();
      String zk = zookeeper.connectionString();
      // Light workloads first, the memory-hungry lookups last, a full GC between: no workload pays for another's
      // garbage. The workloads that start clusters of their own (nodes, proxy) leave nothing behind.
      run("propagation", "Propagation", only, () -> new PropagationWorkload(endpoints).run(size, results));
      run("failure", "Failure detection", only, () -> new FailureDetectionWorkload(endpoints, zk).run(size, results));
      run("registration", "Registration throughput", only,
        () -> new RegistrationWorkload(endpoints, zk).run(size, results));
      run("scale", "Scale", only, () -> new ScaleWorkload(endpoints).run(size, results));
      run("scoped", "Scoped views", only, () -> new ScopedViewWorkload(endpoints).run(size, results));
      if (size.millionRecords() > 0) {
        run("million", "One million records", only, () -> new MillionRecordsWorkload().run(size, results));
      }
      run("metrics", "Metrics cost", only, () -> new MetricsCostWorkload(endpoints).run(size, results));
      run("nodes", "Hundreds of nodes", only, () -> new ManyNodesWorkload().run(size, results));
      run("proxy", "Through etcd's gRPC proxy", only, () -> new GrpcProxyWorkload().run(size, results));
      run("routing", "Routing under restarts", only, () -> new RoutingWorkload(endpoints).run(size, results));
      run("lookup", "Lookups", only, () -> new LookupWorkload(endpoints, redis.connectionString(), zk)
        .run(size, results));
    }
    return results;
  }
}
