package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;

import java.util.List;

/**
 * The first sync of a registry's view: every watched range listed once. Lookups made before wait for it, each until
 * its deadline, and fail at once when etcd refuses the credentials or the roles for one of the ranges (waiting
 * cannot help). Once synced, lookups answer from the caller's thread without a context switch.
 * <p>
 * {@link #afterFirstSync} may be called from any thread; everything else runs on the registry's context.
 */
public final class ViewSync implements RecordWriter.SyncGate {

  /** The key calls wait under for the first sync. */
  private static final long SYNCED = 0;

  private final ContextInternal context;
  private final EtcdBackendOptions options;
  private final List<WatchedRange> ranges;
  private final Waiters waiting;
  private volatile boolean synced;
  private volatile boolean closed;

  /**
   * @param context the registry's context
   * @param options the registry's options
   * @param ranges  the ranges the first sync covers
   */
  public ViewSync(ContextInternal context, EtcdBackendOptions options, List<WatchedRange> ranges) {
    this.context = context;
    this.options = options;
    this.ranges = List.copyOf(ranges);
    this.waiting = new Waiters(context);
    // A node that follows nothing but its own records has nothing to list.
    this.synced = ranges.isEmpty();
  }

  /** @return whether every range was listed once, and the registry is not closed */
  public boolean isSynced() {
    return synced && !closed;
  }

  /**
   * @param what what the caller is doing, for the error message
   * @return completes once every range was listed once, within the request timeout from now
   */
  public Future<Void> afterFirstSync(String what) {
    return afterFirstSync(what, Deadline.after(options.getRequestTimeout()));
  }

  @Override
  public Future<Void> afterFirstSync(String what, Deadline deadline) {
    if (closed) {
      return context.failedFuture(EtcdConnection.closedError(what));
    }
    if (synced) {
      return context.succeededFuture();
    }
    if (context.isRunningOnContext()) {
      return await(what, deadline);
    }
    PromiseInternal<Void> done = context.promise();
    context.runOnContext(v -> await(what, deadline).onComplete(done));
    return done.future();
  }

  private Future<Void> await(String what, Deadline deadline) {
    if (closed) {
      return context.failedFuture(EtcdConnection.closedError(what));
    }
    if (synced) {
      return context.succeededFuture();
    }
    WatchedRange refused = refusedRange();
    if (refused != null) {
      return context.failedFuture(refusal(what, refused));
    }
    return waiting.await(SYNCED, what, deadline.remainingMs(), this::notSynced);
  }

  private WatchedRange refusedRange() {
    for (WatchedRange range : ranges) {
      if (!range.firstSync().isComplete() && EtcdErrors.isRefused(range.lastError())) {
        return range;
      }
    }
    return null;
  }

  private static EtcdDiscoveryException refusal(String what, WatchedRange range) {
    EtcdDiscoveryException refused = (EtcdDiscoveryException) range.lastError();
    String why = refused.reason() == Reason.INVALID_CONFIGURATION ? refused.getMessage()
      : "etcd refuses to list " + range.description() + " (" + refused.getMessage() + ")";
    return new EtcdDiscoveryException(refused.reason(), "Cannot " + what + ": " + why, refused);
  }

  private Throwable notSynced(String what) {
    Throwable cause = null;
    String pending = null;
    for (WatchedRange range : ranges) {
      if (!range.firstSync().isComplete()) {
        pending = pending == null ? range.description() : pending;
        cause = cause == null ? range.lastError() : cause;
      }
    }
    return new EtcdDiscoveryException(closed ? Reason.CLOSED : Reason.TIMEOUT, "Cannot " + what + ": "
      + (pending == null ? "the registry" : pending) + " has not synced with etcd at " + options.getEndpoints()
      + " within " + options.getRequestTimeout() + " ms" + (cause == null ? "" : " (" + cause.getMessage() + ")"),
      cause, true);
  }

  /**
   * A range was listed; the first sync completes with the last of them.
   */
  public void rangeSynced() {
    if (!synced && ranges.stream().allMatch(range -> range.firstSync().isComplete())) {
      synced = true;
      waiting.releaseUpTo(SYNCED);
    }
  }

  /**
   * A range could not sync: when etcd refused it, the calls waiting fail at once.
   */
  public void rangeFailed() {
    WatchedRange refused = refusedRange();
    if (refused != null) {
      waiting.failAll(what -> refusal(what, refused));
    }
  }

  /** Fails every waiting call; later calls fail at once. */
  public void close() {
    closed = true;
    waiting.failAll(EtcdConnection::closedError);
  }
}
