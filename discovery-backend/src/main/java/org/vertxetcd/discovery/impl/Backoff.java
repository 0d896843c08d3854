package org.vertxetcd.discovery.impl;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: the n-th delay in a row is drawn uniformly between 0 and
 * {@code min(maxMs, firstMs * 2^(n-1))}, so that nodes recovering from the same outage spread their retries instead
 * of coming back in lock-step (AWS's "full jitter").
 *
 * @param firstMs the ceiling of the first delay
 * @param maxMs   the largest ceiling
 */
public record Backoff(long firstMs, long maxMs) {

  /** Writes retried within a caller's request timeout: short delays. */
  public static final Backoff WRITES = new Backoff(25, 250);

  /** Background work retried until it succeeds (watch, lease, re-registration, export). */
  public static final Backoff BACKGROUND = new Backoff(100, 5_000);

  /**
   * @param failures the failures in a row so far, from 1
   * @return the delay before the next attempt, in milliseconds
   */
  public long delay(int failures) {
    int doublings = Math.min(Math.max(0, failures - 1), 30);
    long ceiling = Math.min(maxMs, firstMs << doublings);
    return ThreadLocalRandom.current().nextLong(ceiling + 1);
  }
}
