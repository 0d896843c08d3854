package org.vertxetcd.discovery.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.RegistrySnapshot;
import org.vertxetcd.discovery.RegistrySubscription;
import org.vertxetcd.discovery.impl.interop.EndpointExporter;
import org.vertxetcd.discovery.impl.interop.Imports;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The registry one Vert.x instance shares among every {@code ServiceDiscovery} created with the same options: one
 * etcd client, one lease, one watch, one view. This class wires the parts together and closes them; each concern
 * has a class of its own: {@link RegistryView} answers lookups, {@link Snapshots} takes snapshots and subscriptions,
 * {@link ViewSync} and {@link Waiters} hold the calls waiting for the view, {@link Writes} admits writes for the
 * {@link RecordWriter}, {@link HealthState} owns the health and its publication.
 * <p>
 * All state changes happen on a context of its own (so that no deployment's undeploy can stop its timers);
 * lookups read the view from the caller's thread. Every returned future completes on that context: callers move
 * results to their own context.
 */
public final class SharedRegistry implements WatchedRange.Observer, LeaseSession.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(SharedRegistry.class);

  private final EtcdBackendOptions options;
  private final ContextInternal context;
  private final EtcdConnection connection;
  private final OwnRecords own = new OwnRecords();
  private final HealthState state;
  private final LeaseSession lease;
  private final Recovery recovery;
  private final EndpointExporter exporter;
  private final WatchedRange ownRange;
  private final List<WatchedRange> imports;
  private final RegistryView view;
  private final ViewSync sync;
  private final Writes writes;
  private final Snapshots snapshots;
  private final RegistryMetrics metrics;
  private final long cleanUpTimer;
  private volatile boolean closed;
  private Future<Void> closing;

  /**
   * Creates the registry and starts its initial sync.
   *
   * @param vertx   the application's Vert.x instance
   * @param options validated options
   */
  public SharedRegistry(Vertx vertx, EtcdBackendOptions options) {
    this.options = options;
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.connection = new EtcdConnection(context, options);
    this.metrics = RegistryMetrics.create(vertx, options, new Gauges());
    Subscribers subscribers = new Subscribers();
    EventPublisher publisher = new EventPublisher(vertx, options, subscribers, metrics);
    this.state = new HealthState(options, publisher, this::health);
    this.lease = new LeaseSession(context, connection, this, state, metrics);
    KeyLayout layout = new KeyLayout(options.normalizedPrefix());
    RecordCache cache = new RecordCache();
    PutIfAbsentBatcher batcher = new PutIfAbsentBatcher(context, connection,
      RecordWriter.attemptTimeoutMs(options.getRequestTimeout()));
    WriteParts parts = new WriteParts(context, connection, layout, cache, own, lease, batcher, metrics);
    this.recovery = new Recovery(parts, state);
    this.exporter = new EndpointExporter(context, connection, options.normalizedGrpcExportPrefix(), lease::id, state);
    ChangeApplier applier = new ChangeApplier(layout, cache,
      new ChangeApplier.OwnSide(own, lease, recovery, exporter, metrics), publisher);
    this.ownRange = new WatchedRange("the registry " + layout.root(), context, connection, layout, cache, applier,
      this, own::forgetUpTo, state);
    this.imports = options.getImports().stream()
      .map(imported -> Imports.range(imported, context, connection, publisher, this, state))
      .collect(Collectors.toList());
    List<WatchedRange> ranges = new ArrayList<>();
    ranges.add(ownRange);
    ranges.addAll(imports);
    this.view = new RegistryView(ownRange, imports);
    this.sync = new ViewSync(context, options, ranges);
    this.writes = new Writes(context, options, new RecordWriter(parts, sync, state), view, own, metrics);
    this.snapshots = new Snapshots(context, options, sync, ownRange, view, subscribers);
    this.cleanUpTimer = context.setPeriodic(options.getTtl() * 1000L, id -> recovery.cleanUpUnheldKeys());
    context.runOnContext(v -> ranges.forEach(WatchedRange::start));
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
    return whenSynced("list the records", view::all);
  }

  /**
   * @param registration a registration id
   * @return a copy of the record, or {@code null} when there is none, once the first sync completed
   */
  public Future<Record> getRecord(String registration) {
    return whenSynced("get record " + registration, () -> view.get(registration));
  }

  /**
   * @param name   a service name (exact)
   * @param filter Vert.x's record filter ({@code Record.match}: metadata keys, or {@code status} and {@code type});
   *               only UP records unless it names a status; {@code null} for none
   * @return copies of that service's records the filter accepts, once the first sync completed; the cost depends
   *     on the number of records of the service only
   */
  public Future<List<Record>> lookup(String name, JsonObject filter) {
    return whenSynced("look up service '" + name + "'", () -> view.lookup(name, filter));
  }

  /** @return the view across the registry's own range and the imports, as it is now */
  public RegistryView view() {
    return view;
  }

  /** @return whether the registry is closed or closing */
  public boolean isClosed() {
    return closed;
  }

  /** Answers on the caller's thread once synced: a lookup costs no context switch. */
  private <T> Future<T> whenSynced(String what, Supplier<T> lookup) {
    if (sync.isSynced()) {
      return Future.succeededFuture(lookup.get());
    }
    return sync.afterFirstSync(what).map(v -> lookup.get());
  }

  /**
   * @return every record the watch applied, with the revision they are at (see {@link Snapshots})
   */
  public Future<RegistrySnapshot> snapshot() {
    return snapshots.snapshot();
  }

  /**
   * @param name    the service to follow, {@code null} for all
   * @param caller  where the handler runs
   * @param handler receives every change after the snapshot, exactly once and in revision order
   * @return the subscription (see {@link Snapshots})
   */
  public Future<RegistrySubscription> subscribe(String name, Context caller, Handler<RegistryEvent> handler) {
    return snapshots.subscribe(name, caller, handler);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Writes (see Writes)
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * @param record the record, without registration
   * @return the same record, with its registration id
   */
  public Future<Record> store(Record record) {
    return writes.store(record);
  }

  /**
   * @param record the record, with the registration id of an existing record and the same name
   * @return completes when etcd applied the update
   */
  public Future<Void> update(Record record) {
    return writes.update(record);
  }

  /**
   * @param registration the registration id
   * @return the removed record
   */
  public Future<Record> remove(String registration) {
    return writes.remove(registration);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // What the watched ranges report
  // ---------------------------------------------------------------------------------------------------------------

  @Override
  public void synced(WatchedRange range, boolean initial) {
    if (initial) {
      LOG.info("Synced {} records of {} from etcd at {} (revision {})", range.cache().size(), range.description(),
        options.getEndpoints(), range.cache().revision());
      sync.rangeSynced();
    } else {
      // Only a watch that fell behind etcd's compaction lists its range again.
      metrics.resyncedAfterCompaction();
    }
  }

  @Override
  public void stale(WatchedRange range, Throwable cause) {
    String reason = EtcdErrors.describe(cause);
    if (range == ownRange) {
      state.viewStale(reason);
    } else {
      state.importStale(range, reason);
    }
    sync.rangeFailed();
  }

  @Override
  public void fresh(WatchedRange range) {
    if (range == ownRange) {
      state.viewFresh();
    } else {
      state.importFresh(range);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The lease
  // ---------------------------------------------------------------------------------------------------------------

  @Override
  public void onLeaseLost(long lostLease, String why) {
    metrics.leaseLost();
    state.leaseLost(why);
  }

  @Override
  public void onLeaseConfirmation(boolean confirmed, String why) {
    state.leaseConfirmation(confirmed, why);
  }

  @Override
  public void onLeaseGranted(long newLease, boolean replacesLost) {
    if (!replacesLost) {
      state.leaseGranted();
      return;
    }
    recovery.reregisterAll(newLease).onComplete(done -> {
      if (newLease == lease.id()) {
        state.leaseRestored();
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------------------------

  /** @return the current state of this registry */
  public RegistryHealth health() {
    List<RegistryHealth.ImportHealth> importHealth = imports.stream()
      .map(range -> new RegistryHealth.ImportHealth(range.root(), range.state(),
        range.lastError() == null ? null : EtcdErrors.describe(range.lastError())))
      .collect(Collectors.toList());
    return new RegistryHealth(state.view(), state.lease(), lease.id(), ownRange.cache().revision(),
      ownRange.cache().size(), own.size(), importHealth, state.problems(), state.lastError());
  }

  /** What the registry's gauges read, when a meter registry reads them. */
  private final class Gauges implements RegistryMetrics.Probes {
    @Override
    public int viewRecords() {
      return view.size();
    }

    @Override
    public int ownRecords() {
      return own.size();
    }

    @Override
    public boolean healthy() {
      return health().healthy();
    }

    @Override
    public long viewRevision() {
      return ownRange.cache().revision();
    }

    @Override
    public double stalenessSeconds() {
      long oldest = ownRange.confirmedNanos();
      for (WatchedRange imported : imports) {
        oldest = Math.min(oldest, imported.confirmedNanos());
      }
      return (System.nanoTime() - oldest) / 1e9;
    }

    @Override
    public int badKeys() {
      int bad = ownRange.badKeys();
      for (WatchedRange imported : imports) {
        bad += imported.badKeys();
      }
      return bad;
    }
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
      sync.close();
      ownRange.close();
      imports.forEach(WatchedRange::close);
      exporter.close();
      metrics.close();
      state.closed();
      Future<Boolean> recordsRemoved = lease.close();
      writes.close(recordsRemoved);
      closing = recordsRemoved.eventually(() -> {
        connection.close();
        return context.succeededFuture();
      }).mapEmpty();
    }
    return closing;
  }
}
