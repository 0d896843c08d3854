package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Calls waiting for the view to reach a revision (the first sync, this node's own writes), each with a deadline.
 * A waiter is forgotten the moment it completes, fails or times out: nothing a failed call created outlives it,
 * however many calls pile up while etcd cannot be reached.
 * <p>
 * Used on the registry's context only.
 */
public final class Waiters {

  private final ContextInternal context;
  private final TreeMap<Long, Set<Waiter>> byRevision = new TreeMap<>();
  private int size;

  /**
   * @param context the registry's context, where waiters complete
   */
  public Waiters(ContextInternal context) {
    this.context = context;
  }

  /** One waiting call: what it is doing (for messages), its promise and its deadline timer. */
  private final class Waiter {
    private final long revision;
    private final String what;
    private final PromiseInternal<Void> promise;
    private long timer;

    private Waiter(long revision, String what) {
      this.revision = revision;
      this.what = what;
      this.promise = context.promise();
    }

    private void complete() {
      context.owner().cancelTimer(timer);
      promise.tryComplete();
    }

    private void fail(Throwable error) {
      context.owner().cancelTimer(timer);
      promise.tryFail(error);
    }
  }

  /**
   * @param revision  the revision to wait for
   * @param what      what the caller is doing, e.g. "list the records"
   * @param timeoutMs how long it may wait
   * @param onTimeout the error of a call that waited too long, given what it was doing
   * @return completes once {@link #releaseUpTo} reaches the revision, fails at the deadline
   */
  public Future<Void> await(long revision, String what, long timeoutMs, Function<String, Throwable> onTimeout) {
    Waiter waiter = new Waiter(revision, what);
    byRevision.computeIfAbsent(revision, r -> new LinkedHashSet<>()).add(waiter);
    size++;
    waiter.timer = context.setTimer(timeoutMs, id -> {
      if (forget(waiter)) {
        waiter.promise.tryFail(onTimeout.apply(what));
      }
    });
    return waiter.promise.future();
  }

  private boolean forget(Waiter waiter) {
    Set<Waiter> waiting = byRevision.get(waiter.revision);
    if (waiting == null || !waiting.remove(waiter)) {
      return false;
    }
    size--;
    if (waiting.isEmpty()) {
      byRevision.remove(waiter.revision);
    }
    return true;
  }

  /**
   * Completes every call waiting for {@code revision} or an earlier one.
   *
   * @param revision the revision the view reached
   */
  public void releaseUpTo(long revision) {
    while (!byRevision.isEmpty() && byRevision.firstKey() <= revision) {
      Set<Waiter> released = byRevision.pollFirstEntry().getValue();
      size -= released.size();
      released.forEach(Waiter::complete);
    }
  }

  /**
   * Fails every waiting call, e.g. when etcd refused the credentials (waiting cannot help) or the registry closed.
   *
   * @param error the error of a call, given what it was doing
   */
  public void failAll(Function<String, Throwable> error) {
    if (byRevision.isEmpty()) {
      return;
    }
    Map<Long, Set<Waiter>> failed = new TreeMap<>(byRevision);
    byRevision.clear();
    size = 0;
    failed.values().forEach(waiting -> waiting.forEach(waiter -> waiter.fail(error.apply(waiter.what))));
  }

  /** @return how many calls wait */
  public int size() {
    return size;
  }
}
