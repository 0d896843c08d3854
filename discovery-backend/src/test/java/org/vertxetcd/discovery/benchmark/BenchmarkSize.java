package org.vertxetcd.discovery.benchmark;

import java.time.Duration;
import java.util.List;

/**
 * How big a benchmark run is: {@link #FULL} measures what BENCHMARKS.md reports; {@link #LARGE} adds a registry of a
 * million records and more nodes; {@link #TINY} runs every workload in seconds, so the default test suite keeps the
 * harness working.
 *
 * @param lookupSizes           registry sizes of the lookup workload
 * @param lookupIterations      measured lookups per size, ours and the default backend (fewer for large sizes)
 * @param lookupWarmup          how long each backend's lookups run unmeasured first, at least
 * @param registrations         records stored by the registration workload
 * @param registrationRounds    alternating rounds of raw jetcd and ours
 * @param propagationSamples    changes timed by the propagation workload, ours and raw each
 * @param kills                 nodes killed by the failure-detection workload
 * @param gracefulShutdowns     graceful shutdowns timed by the failure-detection workload
 * @param scaleRecords          records of the scale workload
 * @param subscribers           subscribers of one node in the scale workload
 * @param subscriberChanges     changes those subscribers receive
 * @param metricsRecords        registry size of the metrics-cost lookups
 * @param metricsBlocks         alternating blocks of the metrics-cost workload, metrics on and off each
 * @param metricsBlockSize      lookups, and publishes, per block
 * @param scopedServices        services of the scoped-view registry
 * @param scopedRecords         records of the scoped-view registry
 * @param millionRecords        records of the one-million workload; 0 skips it
 * @param fleetNodes            nodes of the many-nodes workload
 * @param fleetWindow           how long it measures etcd while nothing changes
 * @param fleetSamples          changes it times reaching every node
 * @param proxyNodes            nodes behind the gRPC proxy, and connected directly, in the proxy workload
 */
record BenchmarkSize(List<Integer> lookupSizes, int lookupIterations, Duration lookupWarmup, int registrations,
                     int registrationRounds, int propagationSamples, int kills, int gracefulShutdowns,
                     int scaleRecords, int subscribers, int subscriberChanges, int metricsRecords, int metricsBlocks,
                     int metricsBlockSize, int scopedServices, int scopedRecords, int millionRecords,
                     int fleetNodes, Duration fleetWindow, int fleetSamples, int proxyNodes) {

  static final BenchmarkSize FULL = new BenchmarkSize(List.of(1_000, 10_000, 100_000), 300, Duration.ofSeconds(3),
    10_000, 3, 1_000, 5, 50, 100_000, 100, 1_000, 10_000, 20, 50, 1_000, 100_000, 0, 200, Duration.ofSeconds(20),
    100, 20);

  static final BenchmarkSize LARGE = new BenchmarkSize(FULL.lookupSizes, FULL.lookupIterations, FULL.lookupWarmup,
    FULL.registrations, FULL.registrationRounds, FULL.propagationSamples, FULL.kills, FULL.gracefulShutdowns,
    FULL.scaleRecords, FULL.subscribers, FULL.subscriberChanges, FULL.metricsRecords, FULL.metricsBlocks,
    FULL.metricsBlockSize, FULL.scopedServices, FULL.scopedRecords, 1_000_000, 400, Duration.ofSeconds(30), 100, 50);

  static final BenchmarkSize TINY = new BenchmarkSize(List.of(200), 20, Duration.ZERO, 300, 1, 30, 1, 5, 1_000, 5,
    50, 200, 4, 10, 20, 2_000, 0, 10, Duration.ofSeconds(5), 10, 4);

  static BenchmarkSize named(String name) {
    return switch (name) {
      case "full" -> FULL;
      case "large" -> LARGE;
      case "tiny" -> TINY;
      default -> throw new IllegalArgumentException("--size must be tiny, full or large, not " + name);
    };
  }

  /**
   * @param size     a registry size
   * @param baseline the iterations at 1,000 records or fewer
   * @return fewer iterations for larger registries, at least 5
   */
  static int iterationsAt(int size, int baseline) {
    return Math.max(5, size <= 1_000 ? baseline : baseline * 1_000 / size * 3);
  }
}
