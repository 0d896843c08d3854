package org.vertxetcd.discovery.benchmark;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark harness at its tiny size, so that it keeps working: every workload runs against the real servers and
 * yields its rows. No speed is asserted here (that is the full run's job, reported in BENCHMARKS.md); what must hold
 * at any speed is.
 * <p>
 * It checks the harness, not etcd: the second run of {@code scripts/test.sh} (on etcd 3.5) leaves it out, and the full
 * benchmark runs on either version ({@code ETCD_BINARY}).
 */
@Tag("etcd-version-independent")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class BenchmarkTest {

  @Test
  void everyWorkloadRunsAndReportsItsFigures() throws Exception {
    Results results = Benchmark.run(BenchmarkSize.TINY, Set.of());

    Set<String> workloads = results.rows().stream().map(row -> row.workload().split(",")[0])
      .collect(Collectors.toSet());
    assertEquals(Set.of("lookup", "registration", "propagation", "failure detection", "scale", "scoped view",
      "metrics cost", "hundreds of nodes", "gRPC proxy",
      "routing"), workloads);
    List<Results.Row> rows = results.rows();
    // Counts of failed requests are 0 at best; every other figure is a positive time, rate or size.
    assertTrue(rows.stream().allMatch(row -> row.ours() >= 0 && Double.isFinite(row.ours())), rows.toString());
    assertTrue(rows.stream().filter(row -> !Double.isNaN(row.reference())).allMatch(row -> row.reference() > 0),
      rows.toString());
    Results.Row subscribers = rows.stream().filter(row -> row.workload().contains("subscribers")).findFirst()
      .orElseThrow();
    assertTrue(subscribers.met(), "every subscriber received every change once, in order");
    Results.Row proxiedWatchers = rows.stream().filter(row -> row.metric().startsWith("watchers at the members"))
      .findFirst().orElseThrow();
    assertTrue(proxiedWatchers.met(), "the nodes behind the gRPC proxy share its watcher: " + proxiedWatchers);
    assertTrue(results.table().lines().count() == rows.size() + 2, results.table());
  }
}
