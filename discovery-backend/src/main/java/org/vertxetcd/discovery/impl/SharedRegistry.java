package org.vertxetcd.discovery.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.RegistrySnapshot;
import org.vertxetcd.discovery.RegistrySubscription;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The registry one Vert.x instance shares among every {@code ServiceDiscovery} created with the same options: one
 * etcd client, one lease, one watch, one view. It wires the parts together, answers lookups and keeps the state
 * that health checks read.
 * <p>
 * All state changes happen on a context of its own (so that no deployment's undeploy can stop its timers);
 * lookups read the view from the caller's thread. Every returned future completes on that context: callers move
 * results to their own context.
 */
public final class SharedRegistry implements RegistryWatcher.Listener, LeaseSession.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(SharedRegistry.class);

  private final EtcdBackendOptions options;
  private final ContextInternal context;
  private final EtcdConnection connection;
  private final RecordCache cache = new RecordCache();
  private final OwnRecords own = new OwnRecords();
  private final EventPublisher publisher;
  private final RegistryWatcher watcher;
  private final LeaseSession lease;
  private final RecordWriter writer;
  private final Recovery recovery;
  private final ChangeApplier applier;
  private final EndpointExporter exporter;
  private final List<ImportedServices> imports;
  private final PromiseInternal<Void> firstSync;
  /** The first sync of the registry and of every import: lookups wait for all of them. */
  private final Future<Void> synced;
  private final TreeMap<Long, List<Promise<Void>>> revisionWaiters = new TreeMap<>();
  private final Subscribers subscribers = new Subscribers();
  /** Calls waiting for the first sync, with what each is doing: failed at once when etcd refuses the user. */
  private final Map<Promise<Void>, String> firstSyncWaiters = new ConcurrentHashMap<>();
  private final long cleanUpTimer;
  private volatile Throwable lastSyncError;
  private volatile RegistryHealth.ViewState viewState = RegistryHealth.ViewState.SYNCING;
  private volatile RegistryHealth.LeaseState leaseState = RegistryHealth.LeaseState.NONE;
  private volatile String lastError;
  private boolean syncFailureReported;
  private volatile boolean closed;
  private Future<Void> closing;
  /** Whether closing removed this node's records (its lease revoked); set when closing starts. */
  private Future<Boolean> recordsRemovedByClose;

  /**
   * Creates the registry and starts its initial sync.
   *
   * @param vertx   the application's Vert.x instance
   * @param options validated options
   */
  public SharedRegistry(Vertx vertx, EtcdBackendOptions options) {
    this.options = options;
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    KeyLayout layout = new KeyLayout(options.normalizedPrefix());
    this.connection = new EtcdConnection(context, options);
    this.publisher = new EventPublisher(vertx, options, subscribers);
    this.watcher = new RegistryWatcher(context, connection, layout, cache::revision, this);
    this.lease = new LeaseSession(context, connection, this);
    PutIfAbsentBatcher batcher = new PutIfAbsentBatcher(context, connection);
    this.writer = new RecordWriter(context, connection, layout, cache, own, lease, batcher, this::afterFirstSync);
    this.recovery = new Recovery(context, connection, layout, cache, own, lease, batcher);
    this.exporter = new EndpointExporter(context, connection, options.normalizedGrpcExportPrefix(), lease::id);
    this.applier = new ChangeApplier(layout, cache, own, lease, publisher, recovery, exporter);
    this.imports = options.getImports().stream()
      .map(imported -> new ImportedServices(context, connection, imported, lease, publisher, recovery))
      .collect(Collectors.toList());
    this.firstSync = context.promise();
    List<Future<Void>> syncs = new ArrayList<>();
    syncs.add(firstSync.future());
    imports.forEach(imported -> syncs.add(imported.firstSync()));
    this.synced = Future.all(syncs).mapEmpty();
    this.cleanUpTimer = context.setPeriodic(options.getTtl() * 1000L, id -> recovery.cleanUpUnheldKeys());
    context.runOnContext(v -> {
      watcher.start();
      imports.forEach(ImportedServices::start);
    });
  }

  /** @return the options of this registry */
  public EtcdBackendOptions options() {
    return options;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lookups: answered from the view on the caller's thread, after the first sync
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * @return copies of every record, once the first sync completed
   */
  public Future<List<Record>> getRecords() {
    return whenSynced("list the records", () -> fromEveryView(RecordCache::all));
  }

  /**
   * @param registration a registration id
   * @return a copy of the record, or {@code null} when there is none, once the first sync completed
   */
  public Future<Record> getRecord(String registration) {
    return whenSynced("get record " + registration, () -> {
      Record record = cache.get(registration);
      for (int i = 0; record == null && i < imports.size(); i++) {
        record = imports.get(i).cache().get(registration);
      }
      return record;
    });
  }

  /**
   * @param name   a service name (exact)
   * @param filter Vert.x's record filter ({@code Record.match}: metadata keys, or {@code status} and {@code type});
   *               only UP records unless it names a status; {@code null} for none
   * @return copies of that service's records the filter accepts, once the first sync completed; the cost depends
   *     on the number of records of the service only
   */
  public Future<List<Record>> lookup(String name, JsonObject filter) {
    return whenSynced("look up service '" + name + "'", () -> lookupNow(name, filter));
  }

  /**
   * Like {@link #lookup}, from the view as it is, synced or not.
   *
   * @param name   a service name (exact)
   * @param filter Vert.x's record filter, {@code null} for none
   * @return copies of the matching records
   */
  public List<Record> lookupNow(String name, JsonObject filter) {
    Predicate<CachedRecord> accept = filter == null || filter.getString("status") == null
      ? record -> record.getStatus() == Status.UP : record -> true;
    Predicate<CachedRecord> matching = filter == null || filter.isEmpty() ? accept
      : accept.and(record -> record.match(filter));
    return fromEveryView(view -> view.byName(name, matching));
  }

  /** The answer of the registry's own view, followed by each import's. */
  private List<Record> fromEveryView(Function<RecordCache, List<Record>> read) {
    List<Record> records = read.apply(cache);
    for (ImportedServices imported : imports) {
      records.addAll(read.apply(imported.cache()));
    }
    return records;
  }

  /** @return the import that holds a record with that registration id, {@code null} when none does */
  private ImportedServices importHolding(String registration) {
    for (ImportedServices imported : imports) {
      if (imported.cache().current(registration) != null) {
        return imported;
      }
    }
    return null;
  }

  /** @return a count of the view's changes: while it stays the same, so do the answers of lookups */
  public long changeCount() {
    long changes = cache.changeCount();
    for (ImportedServices imported : imports) {
      changes += imported.cache().changeCount();
    }
    return changes;
  }

  /** @return whether the registry is closed or closing */
  public boolean isClosed() {
    return closed;
  }

  /** Answers on the caller's thread once synced: a lookup costs no context switch. */
  private <T> Future<T> whenSynced(String what, Supplier<T> lookup) {
    if (!closed && synced.succeeded()) {
      return Future.succeededFuture(lookup.get());
    }
    return afterFirstSync(what).map(v -> lookup.get());
  }

  /**
   * @return every record the watch applied, with the revision they are at: exactly the state the published events
   *     have described so far. It waits for the watch to deliver this node's own completed writes, so that a snapshot
   *     reads this node's writes like every other lookup.
   */
  public Future<RegistrySnapshot> snapshot() {
    return snapshot(null, "take a snapshot of the registry", () -> null).map(taken -> taken.snapshot);
  }

  /**
   * @param name    the service to follow, {@code null} for all
   * @param caller  where the handler runs
   * @param handler receives every change after the snapshot, exactly once and in revision order
   * @return the subscription, with a snapshot like {@link #snapshot()}'s (of that service only, with a name)
   */
  public Future<RegistrySubscription> subscribe(String name, Context caller, Handler<RegistryEvent> handler) {
    String what = name == null ? "subscribe to the registry" : "subscribe to service '" + name + "'";
    return snapshot(name, what, () -> subscribers.add(name, caller, handler))
      .map(taken -> new Subscription(taken.snapshot, taken.subscriber));
  }

  /** Takes a snapshot and, in the same task on the registry's context, adds the subscriber {@code subscribe} makes. */
  private Future<Taken> snapshot(String name, String what, Supplier<Subscribers.Subscriber> subscribe) {
    return onContext(() -> afterFirstSync(what).compose(v -> whenApplied(cache.newestLocalWrite(), what)).map(v -> {
      List<CachedRecord> applied = new ArrayList<>();
      addApplied(applied, cache, name);
      imports.forEach(imported -> addApplied(applied, imported.cache(), name));
      return new Taken(applied, cache.revision(), subscribe.get());
    }));
  }

  private static void addApplied(List<CachedRecord> records, RecordCache view, String name) {
    Collection<RecordCache.Entry> entries = name == null ? view.appliedEntries() : view.appliedEntries(name);
    entries.forEach(entry -> records.add(entry.record()));
  }

  /** A snapshot, and the subscriber added with it if any. */
  private static final class Taken {
    private final RegistrySnapshot snapshot;
    private final Subscribers.Subscriber subscriber;

    Taken(List<CachedRecord> records, long revision, Subscribers.Subscriber subscriber) {
      this.snapshot = new RegistrySnapshot(records.stream().map(CachedRecord::view).collect(Collectors.toList()),
        revision);
      this.subscriber = subscriber;
    }
  }

  private final class Subscription implements RegistrySubscription {
    private final RegistrySnapshot snapshot;
    private final Subscribers.Subscriber subscriber;

    Subscription(RegistrySnapshot snapshot, Subscribers.Subscriber subscriber) {
      this.snapshot = snapshot;
      this.subscriber = subscriber;
    }

    @Override
    public RegistrySnapshot snapshot() {
      return snapshot;
    }

    @Override
    public Future<Void> cancel() {
      // No delivery reaches the handler after this; the registry forgets the subscriber in its own time.
      subscriber.cancel();
      context.runOnContext(v -> subscribers.remove(subscriber));
      return Future.succeededFuture();
    }
  }

  private Future<Void> afterFirstSync(String what) {
    if (closed) {
      return context.failedFuture(EtcdConnection.closedError(what));
    }
    if (synced.isComplete()) {
      return synced;
    }
    // Waiting cannot help once etcd refused the credentials or the roles: they must change first.
    PromiseInternal<Void> waiter = context.promise();
    firstSyncWaiters.put(waiter, what);
    waiter.future().onComplete(done -> firstSyncWaiters.remove(waiter));
    synced.onComplete(waiter);
    failIfRefused(waiter, lastSyncError, what);
    return waiter.future().timeout(options.getRequestTimeout(), TimeUnit.MILLISECONDS).recover(error -> {
      if (EtcdErrors.isRefused(error)) {
        return context.failedFuture(error);
      }
      Throwable cause = lastSyncError;
      return context.failedFuture(new EtcdDiscoveryException(closed ? Reason.CLOSED : Reason.TIMEOUT, "Cannot " + what
        + ": the registry has not synced with etcd at " + options.getEndpoints() + " within "
        + options.getRequestTimeout() + " ms" + (cause == null ? "" : " (" + cause.getMessage() + ")"), cause));
    });
  }

  private static void failIfRefused(Promise<Void> waiter, Throwable syncError, String what) {
    if (EtcdErrors.isRefused(syncError)) {
      waiter.tryFail(EtcdErrors.refusal(what, syncError));
    }
  }

  /** Completes once the watch applied {@code revision}; on the registry's context. */
  private Future<Void> whenApplied(long revision, String what) {
    if (revision <= cache.revision()) {
      return context.succeededFuture();
    }
    Promise<Void> applied = context.promise();
    revisionWaiters.computeIfAbsent(revision, r -> new ArrayList<>()).add(applied);
    return applied.future().timeout(options.getRequestTimeout(), TimeUnit.MILLISECONDS).recover(error ->
      context.failedFuture(new EtcdDiscoveryException(closed ? Reason.CLOSED : Reason.TIMEOUT, "Cannot " + what
        + ": the watch has not delivered revision " + revision + " within " + options.getRequestTimeout() + " ms",
        lastSyncError)));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Writes
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Registers a record under this node's lease. On success the given record gets its new registration id.
   *
   * @param record the record, without registration
   * @return the same record, with its registration id
   */
  public Future<Record> store(Record record) {
    return onContext(() -> writer.store(record)).map(record::setRegistration);
  }

  /**
   * Replaces an existing record; the key keeps its lease.
   *
   * @param record the record, with the registration id of an existing record and the same name
   * @return completes when etcd applied the update
   */
  public Future<Void> update(Record record) {
    return onContext(() -> refuseImported(record.getRegistration(), "update").compose(v -> writer.update(record)));
  }

  /**
   * Removes a record.
   *
   * @param registration the registration id
   * @return the removed record
   */
  public Future<Record> remove(String registration) {
    if (closed) {
      return removedByClose(registration);
    }
    return onContext(() -> refuseImported(registration, "remove").compose(v -> writer.remove(registration)));
  }

  /**
   * Vert.x 5 runs its close hooks, which close this registry, before it undeploys the verticles: a verticle that
   * unpublishes its record in {@code stop()} finds the registry closed. Closing revoked the lease, which removed every
   * record of this node; the removal of one of them succeeds once that is confirmed.
   */
  private Future<Record> removedByClose(String registration) {
    Promise<Record> removed = context.promise();
    context.runOnContext(v -> {
      Record held = own.get(registration);
      if (held == null || recordsRemovedByClose == null) {
        removed.fail(EtcdConnection.closedError("remove record " + registration));
        return;
      }
      recordsRemovedByClose.onComplete((gone, error) -> {
        if (Boolean.TRUE.equals(gone)) {
          removed.complete(new Record(held));
        } else {
          removed.fail(EtcdConnection.closedError("remove record " + registration + " (its lease could not be "
            + "revoked: it leaves when the lease expires)"));
        }
      });
    });
    return removed.future();
  }

  /** Imported records belong to the services that registered them: this registry never writes their keys. */
  private Future<Void> refuseImported(String registration, String what) {
    ImportedServices imported = registration == null ? null : importHolding(registration);
    if (imported == null) {
      return context.succeededFuture();
    }
    return context.failedFuture(new EtcdDiscoveryException(Reason.READ_ONLY, "Cannot " + what + " record "
      + registration + ": it was imported from " + imported.root() + " and is read-only; change it where it was "
      + "registered"));
  }

  /** Runs an action on the registry's context. */
  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    if (closed) {
      return context.failedFuture(EtcdConnection.closedError("use the registry"));
    }
    if (context.isRunningOnContext()) {
      return action.get();
    }
    Promise<T> promise = context.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // What the watch reports
  // ---------------------------------------------------------------------------------------------------------------

  @Override
  public void onSnapshot(List<KeyChange> keys, long revision) {
    boolean initial = !firstSync.future().isComplete();
    applier.applyList(keys, revision, !initial);
    advanceTo(revision);
    lastSyncError = null;
    if (initial) {
      LOG.info("Synced {} records from etcd at {} (prefix {}, revision {})", cache.size(), options.getEndpoints(),
        options.normalizedPrefix(), revision);
      firstSync.tryComplete();
    }
  }

  @Override
  public void onChanges(List<KeyChange> changes, long revision) {
    applier.applyChanges(changes);
    advanceTo(revision);
  }

  private void advanceTo(long revision) {
    cache.advanceTo(revision);
    own.forgetUpTo(revision);
    while (!revisionWaiters.isEmpty() && revisionWaiters.firstKey() <= revision) {
      revisionWaiters.pollFirstEntry().getValue().forEach(Promise::tryComplete);
    }
  }

  @Override
  public void onStale(Throwable cause) {
    lastSyncError = cause;
    firstSyncWaiters.forEach((waiter, what) -> failIfRefused(waiter, cause, what));
    lastError = EtcdErrors.unwrap(cause).getMessage();
    if (viewState != RegistryHealth.ViewState.STALE && firstSync.future().succeeded()) {
      viewState = RegistryHealth.ViewState.STALE;
      publishState(RegistryHealth.Change.VIEW_STALE, lastError);
    } else if (viewState == RegistryHealth.ViewState.SYNCING && !syncFailureReported) {
      syncFailureReported = true;
      LOG.warn("Cannot sync with etcd at {} yet ({}); retrying with backoff", options.getEndpoints(), lastError);
    }
  }

  @Override
  public void onFresh() {
    lastSyncError = null;
    if (viewState != RegistryHealth.ViewState.FRESH) {
      viewState = RegistryHealth.ViewState.FRESH;
      publishState(RegistryHealth.Change.VIEW_FRESH, null);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The lease
  // ---------------------------------------------------------------------------------------------------------------

  @Override
  public void onLeaseLost(long lostLease, String why) {
    lastError = why;
    leaseState = RegistryHealth.LeaseState.LOST;
    publishState(RegistryHealth.Change.LEASE_LOST, why);
  }

  @Override
  public void onLeaseConfirmation(boolean confirmed, String why) {
    if (confirmed) {
      leaseState = RegistryHealth.LeaseState.ALIVE;
      publishState(RegistryHealth.Change.LEASE_CONFIRMED, null);
    } else {
      lastError = why;
      leaseState = RegistryHealth.LeaseState.UNCONFIRMED;
      publishState(RegistryHealth.Change.LEASE_UNCONFIRMED, why);
    }
  }

  @Override
  public void onLeaseGranted(long newLease, boolean replacesLost) {
    if (!replacesLost) {
      leaseState = RegistryHealth.LeaseState.ALIVE;
      return;
    }
    recovery.reregisterAll(newLease).onComplete(done -> {
      if (newLease == lease.id() && leaseState == RegistryHealth.LeaseState.LOST) {
        leaseState = RegistryHealth.LeaseState.ALIVE;
        publishState(RegistryHealth.Change.LEASE_RESTORED, null);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------------------------

  /** @return the current state of this registry */
  public RegistryHealth health() {
    return new RegistryHealth(viewState, leaseState, lease.id(), cache.revision(), cache.size(), own.size(),
      lastError);
  }

  private void publishState(RegistryHealth.Change change, String reason) {
    if (reason == null) {
      LOG.info("etcd registry {} at {}: {}", options.normalizedPrefix(), options.getEndpoints(), change);
    } else {
      LOG.warn("etcd registry {} at {}: {} ({})", options.normalizedPrefix(), options.getEndpoints(), change, reason);
    }
    publisher.publishState(change, reason, health());
  }

  /**
   * Revokes the lease (this node's records leave at once), stops the watch and every timer, closes the client.
   *
   * @return completes when closed; never fails
   */
  public Future<Void> close() {
    Promise<Void> done = context.promise();
    context.runOnContext(v -> closeOnContext().onComplete(done));
    return done.future();
  }

  private Future<Void> closeOnContext() {
    if (closing == null) {
      closed = true;
      context.owner().cancelTimer(cleanUpTimer);
      recovery.close();
      firstSync.tryFail(EtcdConnection.closedError("sync the registry"));
      revisionWaiters.values().forEach(waiters -> waiters.forEach(waiter ->
        waiter.tryFail(EtcdConnection.closedError("wait for the watch"))));
      revisionWaiters.clear();
      watcher.close();
      imports.forEach(ImportedServices::close);
      exporter.close();
      leaseState = RegistryHealth.LeaseState.NONE;
      recordsRemovedByClose = lease.close();
      closing = recordsRemovedByClose.eventually(() -> {
        connection.close();
        return context.succeededFuture();
      }).mapEmpty();
    }
    return closing;
  }
}
