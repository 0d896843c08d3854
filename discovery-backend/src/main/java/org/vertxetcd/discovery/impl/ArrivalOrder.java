package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Hands results over in the order their work was submitted, however the work completes.
 * <p>
 * Watch responses are decoded on workers, and a Vert.x future completes its listener at once, on the caller's thread,
 * when it is already complete as the listener is added: even the completions of ordered {@code executeBlocking} calls
 * can reach the context in another order than their submission. Applying a later revision first would make the view
 * skip the earlier one as already seen, so the order is kept here. One result is handed over per task of the
 * context: results that are ready wait for a later task, so that others (a lookup's answer) run between them. Used on
 * one context only.
 *
 * @param <T> the type of the results
 */
final class ArrivalOrder<T> {

  private final ArrayDeque<Future<T>> pending = new ArrayDeque<>();
  private final int limit;
  private final Executor later;
  private final Consumer<T> onResult;
  private final Consumer<Throwable> onFailure;

  private boolean handOverScheduled;

  /**
   * @param limit     how many results may wait at most: the caller decides what to do beyond
   * @param later     runs a task later on the context
   * @param onResult  receives each result, in submission order
   * @param onFailure receives the first failure in submission order; the results after it are dropped
   */
  ArrivalOrder(int limit, Executor later, Consumer<T> onResult, Consumer<Throwable> onFailure) {
    this.limit = limit;
    this.later = later;
    this.onResult = onResult;
    this.onFailure = onFailure;
  }

  /** @return whether nothing waits: a result ready now may be handed over directly */
  boolean isEmpty() {
    return pending.isEmpty();
  }

  /**
   * Queues a result behind those submitted before it.
   *
   * @param result the future result
   * @return {@code false}, queuing nothing, when {@code limit} results already wait
   */
  boolean submit(Future<T> result) {
    if (pending.size() >= limit) {
      return false;
    }
    pending.add(result);
    result.onComplete((value, error) -> handOver());
    return true;
  }

  /** Drops every waiting result: their completions will hand nothing over. */
  void clear() {
    pending.clear();
  }

  private void handOver() {
    if (pending.isEmpty() || !pending.peek().isComplete()) {
      return;
    }
    Future<T> head = pending.poll();
    if (head.failed()) {
      pending.clear();
      onFailure.accept(head.cause());
      return;
    }
    onResult.accept(head.result());
    if (!handOverScheduled && !pending.isEmpty() && pending.peek().isComplete()) {
      handOverScheduled = true;
      later.execute(() -> {
        handOverScheduled = false;
        handOver();
      });
    }
  }
}
