package org.vertxetcd.discovery.support;

import io.vertx.core.Future;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lookups on one node from a plain thread of its own, one after the other at a steady pace, while a test breaks
 * something: each must complete successfully within a bound, with an answer a check finds right. A lookup that takes
 * longer, fails or answers wrong is a violation; the first few are kept with their time, for the failure message.
 * <p>
 * A plain thread is what an application's own threads are: the result comes back through a Vert.x context of the
 * node, so a lookup is also slow when the node's event loops are held up.
 *
 * @param <T> what a lookup answers
 */
public final class LookupProbe<T> implements AutoCloseable {

  private static final int KEPT_VIOLATIONS = 10;
  /**
   * Lookups made before any is counted: the first ones of a probe load classes, compile code and create the context
   * of its thread, which no later lookup pays again.
   */
  private static final int WARM_UP = 20;

  /**
   * What a probe saw.
   *
   * @param name       the probe's name
   * @param lookups    how many lookups completed (in time or not)
   * @param slowest    the slowest of them
   * @param violations how many lookups failed, took longer than the bound or answered wrong
   * @param examples   the first violations, each with its time since the probe started
   */
  public record Result(String name, long lookups, Duration slowest, long violations, List<String> examples) {

    /**
     * Checks that the probe looked up at least once and that every lookup completed in time, successfully and with a
     * good answer.
     */
    public void assertNoViolation() {
      assertTrue(lookups > 0, () -> name + ": no lookup completed");
      assertTrue(violations == 0, () -> name + ": " + violations + " of " + lookups + " lookups violated the bound "
        + "(slowest " + slowest.toMillis() + " ms): " + examples);
    }

    @Override
    public String toString() {
      return name + ": " + lookups + " lookups, slowest " + slowest.toMillis() + " ms, " + violations
        + " violations";
    }
  }

  private final String name;
  private final Supplier<Future<T>> lookup;
  private final Duration bound;
  private final Function<T, String> check;
  private final ScheduledExecutorService thread;
  private final long startNanos = System.nanoTime();
  private final List<String> examples = new ArrayList<>();
  private long lookups;
  private int warmUps;
  private long slowestNanos;
  private long violations;

  private LookupProbe(String name, Supplier<Future<T>> lookup, Duration bound, Function<T, String> check,
                      Duration pace) {
    this.name = name;
    this.lookup = lookup;
    this.bound = bound;
    this.check = check;
    this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread probe = new Thread(runnable, "lookup-probe-" + name);
      probe.setDaemon(true);
      return probe;
    });
    thread.scheduleWithFixedDelay(this::probe, 0, pace.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Starts probing at once.
   *
   * @param name   a name for messages (the node's)
   * @param lookup starts one lookup, e.g. {@code () -> discovery.getRecords(record -> true, true)}
   * @param bound  how long a lookup may take
   * @param check  what is wrong with an answer, {@code null} when it is right
   * @param pace   the pause between the end of a lookup and the start of the next
   * @param <T>    what a lookup answers
   * @return the running probe; close it (or {@link #stop()} it) when the test is done with it
   */
  public static <T> LookupProbe<T> start(String name, Supplier<Future<T>> lookup, Duration bound,
                                         Function<T, String> check, Duration pace) {
    return new LookupProbe<>(name, lookup, bound, check, pace);
  }

  /** One lookup, waited for on the probe's thread: at most ten bounds, so a hung lookup shows as one. */
  private void probe() {
    long start = System.nanoTime();
    String problem;
    try {
      T answer = lookup.get().toCompletionStage().toCompletableFuture()
        .get(bound.toNanos() * 10, TimeUnit.NANOSECONDS);
      problem = check.apply(answer);
    } catch (ExecutionException e) {
      problem = "failed: " + e.getCause();
    } catch (TimeoutException e) {
      problem = "no answer within " + bound.multipliedBy(10).toMillis() + " ms";
    } catch (RuntimeException e) {
      // The executor would drop the exception and never run the probe again: it is a violation like any other.
      problem = "threw " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    record(start, System.nanoTime() - start, problem);
  }

  /** Counts a lookup; during the warm-up only a failure or a wrong answer counts, not the time. */
  private synchronized void record(long start, long took, String problem) {
    if (warmUps < WARM_UP && problem == null) {
      warmUps++;
      return;
    }
    lookups++;
    slowestNanos = Math.max(slowestNanos, took);
    String violation = problem != null ? problem
      : took > bound.toNanos() ? "took " + TimeUnit.NANOSECONDS.toMillis(took) + " ms" : null;
    if (violation != null) {
      violations++;
      if (examples.size() < KEPT_VIOLATIONS) {
        examples.add("at +" + TimeUnit.NANOSECONDS.toMillis(start - startNanos) + " ms: " + violation);
      }
    }
  }

  /** @return what the probe saw so far, while it goes on */
  public synchronized Result result() {
    return new Result(name, lookups, Duration.ofNanos(slowestNanos), violations, List.copyOf(examples));
  }

  /**
   * Stops probing and waits for the lookup in progress.
   *
   * @return what the probe saw
   */
  public Result stop() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(bound.toMillis() * 20, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + ": the lookup in progress did not end");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(name + ": interrupted while stopping", e);
    }
    return result();
  }

  /** Stops probing, if it still runs. */
  @Override
  public void close() {
    if (!thread.isShutdown()) {
      stop();
    }
  }
}
