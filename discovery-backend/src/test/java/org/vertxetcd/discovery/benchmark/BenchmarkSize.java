package org.vertxetcd.discovery.benchmark;

import java.time.Duration;
import java.util.List;

/**
 * How big a benchmark run is: {@link #FULL} measures what BENCHMARKS.md reports; {@link #TINY} runs every workload
 * in seconds, so the default test suite keeps the harness working.
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
 */
record BenchmarkSize(List<Integer> lookupSizes, int lookupIterations, Duration lookupWarmup, int registrations, int registrationRounds,
                     int propagationSamples, int kills, int gracefulShutdowns, int scaleRecords, int subscribers,
                     int subscriberChanges) {

  static final BenchmarkSize FULL = new BenchmarkSize(List.of(1_000, 10_000, 100_000), 300, Duration.ofSeconds(3), 10_000, 3, 1_000, 5, 50,
    100_000, 100, 1_000);

  static final BenchmarkSize TINY = new BenchmarkSize(List.of(200), 20, Duration.ZERO, 300, 1, 30, 1, 5, 1_000, 5, 50);

  static BenchmarkSize named(String name) {
    return switch (name) {
      case "full" -> FULL;
      case "tiny" -> TINY;
      default -> throw new IllegalArgumentException("--size must be full or tiny, not " + name);
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
