package org.vertxetcd.discovery.benchmark;

import java.util.Arrays;
import java.util.List;

/**
 * Percentiles of a sample of durations or rates.
 */
final class Stats {

  private final double[] sorted;

  Stats(List<? extends Number> samples) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples");
    }
    sorted = samples.stream().mapToDouble(Number::doubleValue).sorted().toArray();
  }

  /** @return the median */
  double median() {
    return percentile(50);
  }

  /** @return the 99th percentile (the maximum for fewer than 100 samples) */
  double p99() {
    return percentile(99);
  }

  /** @return the largest sample */
  double max() {
    return sorted[sorted.length - 1];
  }

  /** @return the number of samples */
  int count() {
    return sorted.length;
  }

  /**
   * @param percent 0 to 100
   * @return the sample at that rank (nearest rank)
   */
  double percentile(double percent) {
    int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  @Override
  public String toString() {
    return "median " + median() + ", p99 " + p99() + " of " + Arrays.toString(sorted);
  }
}
