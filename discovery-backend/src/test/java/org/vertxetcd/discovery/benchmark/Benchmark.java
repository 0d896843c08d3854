package org.vertxetcd.discovery.benchmark;

import org.vertxetcd.launcher.EtcdCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The benchmark harness: starts its own etcd and Redis, runs every workload with the backends it compares side by
 * side, and prints a table of medians, p99s and ratios (also written to {@code target/benchmark.md}).
 * <pre>
 * scripts/benchmark.sh              # the full run BENCHMARKS.md reports
 * scripts/benchmark.sh --size tiny  # every workload in seconds
 * scripts/benchmark.sh --only lookup,scale
 * </pre>
 */
public final class Benchmark {

  private Benchmark() {
  }

  /**
   * @param args {@code --size full|tiny} and {@code --only lookup|registration|propagation|failure|scale}
   */
  public static void main(String[] args) throws Exception {
    String sizeName = "full";
    Set<String> only = Set.of();
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--size" -> sizeName = args[i + 1];
        case "--only" -> only = Set.of(args[i + 1].split(","));
        default -> throw new IllegalArgumentException("usage: Benchmark [--size full|tiny] [--only workload,...]");
      }
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
   * @return the table's rows
   */
  static Results run(BenchmarkSize size, Set<String> only) throws Exception {
    Results results = new Results();
    Path work = Files.createTempDirectory("benchmark");
    try (EtcdCluster etcd = EtcdCluster.builder().build().start();
         RedisServer redis = RedisServer.start(work)) {
      List<String> endpoints = etcd.endpoints();
      // Light workloads first, the memory-hungry lookups last, a full GC between: no workload pays for another's
      // garbage.
      run("propagation", "Propagation", only, () -> new PropagationWorkload(endpoints).run(size, results));
      run("failure", "Failure detection", only, () -> new FailureDetectionWorkload(endpoints).run(size, results));
      run("registration", "Registration throughput", only,
        () -> new RegistrationWorkload(endpoints).run(size, results));
      run("scale", "Scale", only, () -> new ScaleWorkload(endpoints).run(size, results));
      run("lookup", "Lookups", only, () -> new LookupWorkload(endpoints, redis.connectionString()).run(size, results));
    }
    return results;
  }
}
