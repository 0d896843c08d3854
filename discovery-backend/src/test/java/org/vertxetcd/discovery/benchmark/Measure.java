package org.vertxetcd.discovery.benchmark;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.types.HttpEndpoint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Timing and loading helpers, all running on one Vert.x context so no thread hand-off is measured.
 */
final class Measure {

  static final int SERVICE_NAMES = 100;

  private Measure() {
  }

  /**
   * Runs an operation one call after the other, on a context of the given Vert.x instance: first unmeasured, for at
   * least {@code warmupCalls} calls and {@code warmupTime} (so the JIT has compiled the path, whichever backend is
   * measured, however fast its calls are), then {@code iterations} measured calls.
   *
   * @return the duration of each measured call, in nanoseconds
   */
  static List<Long> sequentially(Vertx vertx, int warmupCalls, Duration warmupTime, int iterations,
                                 Supplier<Future<?>> operation) {
    Sequence sequence = new Sequence(vertx.getOrCreateContext(), warmupCalls, System.nanoTime() + warmupTime.toNanos(),
      iterations, operation);
    sequence.context.runOnContext(v -> sequence.next());
    return await(sequence.done.future(), Duration.ofMinutes(10));
  }

  /** One run of {@link #sequentially}: each completion starts the next call from a new task. */
  private static final class Sequence {
    private final Context context;
    private final int warmupCalls;
    private final long warmupEnd;
    private final int iterations;
    private final Supplier<Future<?>> operation;
    private final List<Long> durations;
    private final Promise<List<Long>> done = Promise.promise();
    private int warmedUp;

    Sequence(Context context, int warmupCalls, long warmupEnd, int iterations, Supplier<Future<?>> operation) {
      this.context = context;
      this.warmupCalls = warmupCalls;
      this.warmupEnd = warmupEnd;
      this.iterations = iterations;
      this.operation = operation;
      this.durations = new ArrayList<>(iterations);
    }

    void next() {
      if (durations.size() == iterations) {
        done.complete(durations);
        return;
      }
      boolean warming = durations.isEmpty() && (warmedUp < warmupCalls || System.nanoTime() < warmupEnd);
      long start = System.nanoTime();
      operation.get().onComplete(result -> {
        if (result.failed()) {
          done.fail(result.cause());
          return;
        }
        if (warming) {
          warmedUp++;
        } else {
          durations.add(System.nanoTime() - start);
        }
        context.runOnContext(v -> next());
      });
    }
  }

  /**
   * Runs {@code count} operations with at most {@code concurrency} in flight.
   *
   * @return the wall time in nanoseconds
   */
  static long concurrently(Vertx vertx, int count, int concurrency, IntFunction<Future<?>> operation) {
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    long start = System.nanoTime();
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      for (int i = 0; i < Math.min(concurrency, count); i++) {
        launch(context, next, finished, count, operation, done);
      }
    });
    await(done.future(), Duration.ofMinutes(10));
    return System.nanoTime() - start;
  }

  /** Each completion launches the next from a new task: operations that complete at once must not nest. */
  private static void launch(Context context, AtomicInteger next, AtomicInteger finished, int count,
                             IntFunction<Future<?>> operation, Promise<Void> done) {
    int index = next.getAndIncrement();
    if (index >= count) {
      return;
    }
    operation.apply(index).onComplete(result -> {
      if (result.failed()) {
        done.tryFail(result.cause());
      } else if (finished.incrementAndGet() == count) {
        done.tryComplete();
      } else {
        context.runOnContext(v -> launch(context, next, finished, count, operation, done));
      }
    });
  }

  /**
   * @param index a record number
   * @return a realistic HTTP endpoint record of one of {@value #SERVICE_NAMES} services
   */
  static Record record(int index) {
    return HttpEndpoint.createRecord("svc-" + index % SERVICE_NAMES, "10.0." + index / 250 % 250 + "." + index % 250,
        8080, "/api")
      .setMetadata(new JsonObject().put("zone", "zone-" + index % 3).put("version", "1.2." + index % 10)
        .put("index", index));
  }

  /** Publishes {@code count} records, 256 at a time. */
  static void populate(Vertx vertx, ServiceDiscovery discovery, int count) {
    concurrently(vertx, count, 256, index -> discovery.publish(record(index)));
  }
}
