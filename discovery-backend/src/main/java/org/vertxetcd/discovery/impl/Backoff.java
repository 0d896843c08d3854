package org.vertxetcd.discovery.impl;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter (each delay is drawn between half and all of the current step), so that nodes
 * recovering from the same outage do not retry in lock-step.
 */
public final class Backoff {

  private final long initialMs;
  private final long maxMs;
  private long nextMs;

  /**
   * @param initialMs the first delay
   * @param maxMs     the largest delay
   */
  public Backoff(long initialMs, long maxMs) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.nextMs = initialMs;
  }

  /** @return the delay before the next attempt; each call doubles the following one, up to the ceiling */
  public long next() {
    long ceiling = nextMs;
    nextMs = Math.min(maxMs, nextMs * 2);
    return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
  }

  /** Starts again from the first delay, after a success. */
  public void reset() {
    nextMs = initialMs;
  }
}
