package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * The one retry policy of a registry: exponential backoff with full jitter ({@link Backoff}), bounded by a deadline
 * for work a caller waits for, and an error classification ({@link EtcdErrors#classify}) deciding what is worth
 * another attempt. jetcd's own retries are off ({@link EtcdConnection}), so retries never nest.
 * <ul>
 *   <li>Transient errors (a timeout, etcd unavailable, no leader) are retried after a backoff.</li>
 *   <li>Permanent errors (permission denied, wrong credentials, a request etcd calls invalid) fail work with a
 *   deadline at once. Background work reports them to {@link PermanentFailures} (health, one WARN) and tries again
 *   only at the slowest pace, so that fixing the roles heals the node without a restart and without a retry
 *   storm.</li>
 * </ul>
 * Runs on the registry's context.
 */
public final class Retrier {

  private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);

  private final ContextInternal context;
  private final Backoff backoff;
  private final String source;
  private final PermanentFailures permanentFailures;

  /**
   * @param context           the registry's context
   * @param backoff           the delays between attempts
   * @param source            what is retried, for health and logs (e.g. "re-registration")
   * @param permanentFailures where background work reports permanent errors
   */
  public Retrier(ContextInternal context, Backoff backoff, String source, PermanentFailures permanentFailures) {
    this.context = context;
    this.backoff = backoff;
    this.source = source;
    this.permanentFailures = permanentFailures;
  }

  /**
   * Runs attempts until one succeeds, one fails with an error not worth another attempt, or the deadline passes.
   *
   * @param deadline  when the caller stops waiting: no attempt starts after it
   * @param retryable what, beyond transient errors, is worth another attempt (e.g. a compare-and-swap conflict)
   * @param attempt   runs attempt number n (from 1); it must bound its own etcd calls by the deadline
   * @param <T>       the result type
   * @return the first success, or the last failure
   */
  public <T> Future<T> withinDeadline(Deadline deadline, Predicate<Throwable> retryable, IntFunction<Future<T>> attempt) {
    PromiseInternal<T> result = context.promise();
    attemptWithinDeadline(1, deadline, retryable, attempt, result);
    return result.future();
  }

  private <T> void attemptWithinDeadline(int number, Deadline deadline, Predicate<Throwable> retryable,
                                         IntFunction<Future<T>> attempt, PromiseInternal<T> result) {
    attempt.apply(number).onComplete((value, error) -> {
      if (error == null) {
        result.complete(value);
        return;
      }
      long delay = backoff.delay(number);
      boolean worthIt = EtcdErrors.classify(error) == EtcdErrors.Kind.TRANSIENT || retryable.test(error);
      if (!worthIt || deadline.remainingMs() <= delay) {
        result.fail(error);
      } else {
        context.setTimer(Math.max(1, delay), id -> attemptWithinDeadline(number + 1, deadline, retryable, attempt,
          result));
      }
    });
  }

  /**
   * Runs attempts until one succeeds. An attempt that finds its work no longer needed (closed, superseded) succeeds
   * at once. Permanent errors are reported to {@link PermanentFailures} and retried at the slowest pace; a success
   * clears them.
   *
   * @param what    a description of the work, for logs
   * @param attempt runs attempt number n (from 1)
   * @param <T>     the result type
   * @return the first success
   */
  public <T> Future<T> untilSuccess(String what, IntFunction<Future<T>> attempt) {
    PromiseInternal<T> result = context.promise();
    attemptUntilSuccess(1, what, attempt, result);
    return result.future();
  }

  private <T> void attemptUntilSuccess(int number, String what, IntFunction<Future<T>> attempt,
                                       PromiseInternal<T> result) {
    attempt.apply(number).onComplete((value, error) -> {
      if (error == null) {
        if (number > 1) {
          permanentFailures.resolved(source);
        }
        result.complete(value);
        return;
      }
      long delay = delayAfter(number, error);
      LOG.debug("Could not {} ({}); attempt {} in {} ms", what, EtcdErrors.unwrap(error).getMessage(), number + 1,
        delay);
      context.setTimer(Math.max(1, delay), id -> attemptUntilSuccess(number + 1, what, attempt, result));
    });
  }

  /**
   * @return a schedule for a loop driven by callbacks (the watch), which keeps its count of failures in a row
   */
  public Schedule schedule() {
    return new Schedule();
  }

  /**
   * The delay after the n-th failure in a row: the backoff's for transient errors, its ceiling for permanent ones
   * (which are reported).
   */
  private long delayAfter(int failures, Throwable error) {
    if (EtcdErrors.classify(error) == EtcdErrors.Kind.PERMANENT) {
      permanentFailures.failed(source, error);
      return backoff.maxMs();
    }
    return backoff.delay(failures);
  }

  /** The retries of one callback-driven loop: each failure schedules the next attempt, a success resets. */
  public final class Schedule {
    private int failures;

    private Schedule() {
    }

    /**
     * @param error why the last attempt failed
     * @param retry the next attempt
     */
    public void failed(Throwable error, Runnable retry) {
      failures++;
      long delay = delayAfter(failures, error);
      LOG.debug("{}: {}; retrying in {} ms", source, EtcdErrors.unwrap(error).getMessage(), delay);
      context.setTimer(Math.max(1, delay), id -> retry.run());
    }

    /** The loop works again. */
    public void succeeded() {
      if (failures > 0) {
        failures = 0;
        permanentFailures.resolved(source);
      }
    }
  }
}
