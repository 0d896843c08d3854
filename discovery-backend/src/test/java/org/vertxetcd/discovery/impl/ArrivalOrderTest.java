package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Watch responses decoded on workers are applied in the order they arrived, however their decoding completes. */
class ArrivalOrderTest {

  private final List<Integer> handed = new ArrayList<>();
  private final List<Throwable> failures = new ArrayList<>();
  /** The context's later tasks, run when a test says so. */
  private final Queue<Runnable> later = new ArrayDeque<>();
  private final ArrivalOrder<Integer> order = new ArrivalOrder<>(3, later::add, handed::add, failures::add);

  private void runLaterTasks() {
    for (Runnable task = later.poll(); task != null; task = later.poll()) {
      task.run();
    }
  }

  @Test
  void resultsCompletedInReverseAreHandedOverInSubmissionOrder() {
    List<Promise<Integer>> decoding = List.of(Promise.promise(), Promise.promise(), Promise.promise());
    decoding.forEach(promise -> assertTrue(order.submit(promise.future())));
    decoding.get(2).complete(2);
    decoding.get(1).complete(1);
    assertEquals(List.of(), handed, "nothing before the first result");
    decoding.get(0).complete(0);
    runLaterTasks();
    assertEquals(List.of(0, 1, 2), handed);
    assertTrue(order.isEmpty());
  }

  @Test
  void resultsReadyTogetherAreHandedOverOnePerTask() {
    Promise<Integer> first = Promise.promise();
    order.submit(first.future());
    order.submit(Future.succeededFuture(1));
    order.submit(Future.succeededFuture(2));
    first.complete(0);
    assertEquals(List.of(0), handed, "the others wait for a later task");
    later.poll().run();
    assertEquals(List.of(0, 1), handed);
    runLaterTasks();
    assertEquals(List.of(0, 1, 2), handed);
  }

  @Test
  void aResultAlreadyCompleteWaitsForTheOnesBeforeIt() {
    // A small response decoded in place, or a worker faster than the listener: Vert.x completes at once.
    Promise<Integer> slow = Promise.promise();
    order.submit(slow.future());
    order.submit(Future.succeededFuture(1));
    assertEquals(List.of(), handed);
    slow.complete(0);
    runLaterTasks();
    assertEquals(List.of(0, 1), handed);
  }

  @Test
  void theFirstFailureStopsTheResultsAfterIt() {
    Promise<Integer> first = Promise.promise();
    Promise<Integer> failing = Promise.promise();
    Promise<Integer> after = Promise.promise();
    order.submit(first.future());
    order.submit(failing.future());
    order.submit(after.future());
    after.complete(2);
    IllegalStateException cause = new IllegalStateException("undecodable");
    failing.fail(cause);
    first.complete(0);
    runLaterTasks();
    assertEquals(List.of(0), handed);
    assertEquals(1, failures.size());
    assertSame(cause, failures.get(0));
    assertTrue(order.isEmpty(), "what came after the failure is dropped");
  }

  @Test
  void noMoreThanTheLimitWaits() {
    for (int i = 0; i < 3; i++) {
      assertTrue(order.submit(Promise.<Integer>promise().future()));
    }
    assertFalse(order.submit(Future.succeededFuture(3)), "a fourth result is refused");
    order.clear();
    assertTrue(order.submit(Future.succeededFuture(4)), "room again once cleared");
    assertEquals(List.of(4), handed);
  }

  @Test
  void resultsOfAClearedQueueAreNeverHandedOver() {
    Promise<Integer> dropped = Promise.promise();
    order.submit(dropped.future());
    order.clear();
    Promise<Integer> current = Promise.promise();
    order.submit(current.future());
    dropped.complete(0);
    current.complete(1);
    assertEquals(List.of(1), handed);
  }
}
