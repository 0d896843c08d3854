package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;
import org.vertxetcd.discovery.RegistryHealth;

import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * One watched range of keys (the registry's own prefix, or an import's): a list-then-watch into a view of its own
 * (revisions, and the difference after a compaction, are per watched range), with the changes applied and published
 * by its {@link ChangeApplier}, and calls waiting for the view to reach a revision.
 * <p>
 * Runs on the registry's context; lookups read its cache from any thread.
 */
public final class WatchedRange implements RegistryWatcher.Listener {

  /** What the registry learns about a range, on its context. */
  public interface Observer {
    /**
     * A full list was applied.
     *
     * @param range   the range
     * @param initial whether it was the first one
     */
    void synced(WatchedRange range, boolean initial);

    /**
     * The range stopped following etcd (or could not sync yet).
     *
     * @param range the range
     * @param cause why
     */
    void stale(WatchedRange range, Throwable cause);

    /**
     * The range follows etcd again.
     *
     * @param range the range
     */
    void fresh(WatchedRange range);
  }

  /** Every revision etcd lists at is at least this: waiting for it is waiting for the first list. */
  private static final long FIRST_LIST = 1;

  private final String description;
  private final String service;
  private final ContextInternal context;
  private final KeyFormat format;
  private final RecordCache cache;
  private final ChangeApplier applier;
  private final RegistryWatcher watcher;
  private final Observer observer;
  private final LongConsumer advanced;
  private final Waiters revisionWaiters;
  private final PromiseInternal<Void> firstSync;
  private volatile RegistryHealth.ViewState state = RegistryHealth.ViewState.SYNCING;
  private volatile Throwable lastError;

  /**
   * @param description what the range is, for messages, e.g. "the import of /services/"
   * @param service     the one service the range holds, {@code null} when it holds several
   * @param context     the registry's context
   * @param connection  the etcd connection
   * @param format      how the range's keys stand for records
   * @param cache       the range's view
   * @param applier     applies and publishes what the watch reports to that view
   * @param observer    told when the range syncs, turns stale or fresh
   * @param advanced    told the revision the view reached after each list or watch response
   * @param failures    where a list or watch etcd refuses is reported
   */
  public WatchedRange(String description, String service, ContextInternal context, EtcdConnection connection,
                      KeyFormat format, RecordCache cache, ChangeApplier applier, Observer observer,
                      LongConsumer advanced, PermanentFailures failures) {
    this.description = description;
    this.service = service;
    this.context = context;
    this.format = format;
    this.cache = cache;
    this.applier = applier;
    this.observer = observer;
    this.advanced = advanced;
    this.watcher = new RegistryWatcher(context, connection, format, cache::revision, this, failures);
    this.revisionWaiters = new Waiters(context);
    this.firstSync = context.promise();
  }

  /** Lists and watches the range; on the registry's context. */
  public void start() {
    watcher.start();
  }

  /** @return what the range is, e.g. "the import of /services/" */
  public String description() {
    return description;
  }

  /** @return the one service the range holds, empty when it holds several */
  public Optional<String> service() {
    return Optional.ofNullable(service);
  }

  /** @return the first key of the range, e.g. {@code /services/} */
  public String root() {
    return format.root();
  }

  /** @return the range's view */
  public RecordCache cache() {
    return cache;
  }

  /** @return completes once the range was listed the first time */
  public Future<Void> firstSync() {
    return firstSync.future();
  }

  /** @return when etcd last confirmed the range's view current ({@code System.nanoTime()}) */
  public long confirmedNanos() {
    return watcher.confirmedNanos();
  }

  /** @return how many keys of the range are skipped as not a record */
  public int badKeys() {
    return applier.badKeys();
  }

  /** @return whether the range's view follows etcd */
  public RegistryHealth.ViewState state() {
    return state;
  }

  /** @return the last error met while following etcd, {@code null} once it follows again */
  public Throwable lastError() {
    return lastError;
  }

  /**
   * @param revision  a revision of this range
   * @param what      what the caller is doing, for the error message
   * @param timeoutMs how long it may wait
   * @return completes once the watch applied {@code revision}; on the registry's context
   */
  public Future<Void> whenApplied(long revision, String what, long timeoutMs) {
    if (revision <= cache.revision()) {
      return context.succeededFuture();
    }
    return revisionWaiters.await(revision, what, timeoutMs, doing -> new EtcdDiscoveryException(Reason.TIMEOUT,
      "Cannot " + doing + ": the watch of " + format.root() + " has not delivered revision " + revision + " within "
        + timeoutMs + " ms", lastError, true));
  }

  /**
   * @param what      what the caller is doing, for the error message
   * @param timeoutMs how long it may wait
   * @return completes once the range was listed the first time; fails at once when etcd refused to list it
   */
  public Future<Void> whenSynced(String what, long timeoutMs) {
    if (firstSync.future().succeeded()) {
      return context.succeededFuture();
    }
    if (EtcdErrors.isRefused(lastError)) {
      return context.failedFuture(EtcdErrors.refusal(what, lastError));
    }
    return revisionWaiters.await(FIRST_LIST, what, timeoutMs, doing -> new EtcdDiscoveryException(Reason.TIMEOUT,
      "Cannot " + doing + ": " + description + " has not synced with etcd within " + timeoutMs + " ms"
        + (lastError == null ? "" : " (" + EtcdErrors.describe(lastError) + ")"), lastError, true));
  }

  @Override
  public void onSnapshot(List<KeyChange> keys, long revision) {
    boolean initial = !firstSync.future().isComplete();
    applier.applyList(keys, revision, !initial);
    advanceTo(revision);
    lastError = null;
    firstSync.tryComplete();
    observer.synced(this, initial);
  }

  @Override
  public void onChanges(List<KeyChange> changes, long revision) {
    applier.applyChanges(changes);
    advanceTo(revision);
  }

  private void advanceTo(long revision) {
    cache.advanceTo(revision);
    advanced.accept(revision);
    revisionWaiters.releaseUpTo(revision);
  }

  @Override
  public void onStale(Throwable cause) {
    lastError = cause;
    if (!firstSync.future().isComplete() && EtcdErrors.isRefused(cause)) {
      revisionWaiters.failAll(what -> EtcdErrors.refusal(what, cause));
    }
    if (state == RegistryHealth.ViewState.FRESH) {
      state = RegistryHealth.ViewState.STALE;
    }
    observer.stale(this, cause);
  }

  @Override
  public void onFresh() {
    lastError = null;
    state = RegistryHealth.ViewState.FRESH;
    observer.fresh(this);
  }

  /** Stops watching and fails every call still waiting; on the registry's context. */
  public void close() {
    watcher.close();
    firstSync.tryFail(EtcdConnection.closedError("sync " + description));
    revisionWaiters.failAll(EtcdConnection::closedError);
  }
}
