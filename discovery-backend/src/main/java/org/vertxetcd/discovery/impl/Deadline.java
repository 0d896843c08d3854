package org.vertxetcd.discovery.impl;

/**
 * The moment an operation made of several etcd calls must be done by, counted from the caller's call, so that the
 * whole operation (its time in queues, its attempts and the backoff between them), not each call, is bounded by the
 * request timeout.
 */
public final class Deadline {

  private final long timeoutMs;
  private final long endNanos;

  private Deadline(long timeoutMs) {
    this.timeoutMs = timeoutMs;
    this.endNanos = System.nanoTime() + timeoutMs * 1_000_000;
  }

  /**
   * @param timeoutMs the time allowed from now, in milliseconds
   * @return the deadline
   */
  public static Deadline after(long timeoutMs) {
    return new Deadline(timeoutMs);
  }

  /** @return the time the operation was given, in milliseconds */
  public long timeoutMs() {
    return timeoutMs;
  }

  /** @return the milliseconds left, at least 1 so that a last call still gets a chance to fail cleanly */
  public long remainingMs() {
    return Math.max(1, (endNanos - System.nanoTime()) / 1_000_000);
  }

  /** @return whether the deadline has passed */
  public boolean passed() {
    return System.nanoTime() >= endNanos;
  }
}
