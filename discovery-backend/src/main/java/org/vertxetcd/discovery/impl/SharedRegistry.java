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
import org.vertxetcd.discovery.ReadinessBinding;
import org.vertxetcd.discovery.ReadinessOptions;
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
  private final RegistryRanges ranges;
  private final List<WatchedRange> imports;
  private final RegistryView view;
  private final ViewSync sync;
  private final Writes writes;
  private final Snapshots snapshots;
  private final ServingGate gate;
  private final ClusterInspector inspector;
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
    PutIfAbsentBatcher batcher = new PutIfAbsentBatcher(context, connection,
      RecordWriter.attemptTimeoutMs(options.getRequestTimeout()));
    this.exporter = new EndpointExporter(context, connection, options.normalizedGrpcExportPrefix(), lease::id, state);
    RangeFactory factory = new RangeFactory(layout, publisher);
    this.ranges = new RegistryRanges(context, options, factory::wholeRegistry, factory::service, exporter);
    WriteParts parts = new WriteParts(context, connection, layout, ranges, own, lease, batcher, metrics);
    this.recovery = new Recovery(parts, state);
    factory.ownSide = new ChangeApplier.OwnSide(own, lease, recovery, exporter, metrics);
    ranges.createInitialRanges();
    this.imports = options.getImports().stream()
      .map(imported -> Imports.range(imported, context, connection, publisher, this, state))
      .collect(Collectors.toList());
    List<WatchedRange> initial = new ArrayList<>(ranges.ranges());
    initial.addAll(imports);
    this.view = new RegistryView(ranges, imports);
    this.sync = new ViewSync(context, options, initial);
    RecordWriter writer = new RecordWriter(parts, sync, state);
    this.gate = new ServingGate(context, options, own, writer);
    this.writes = new Writes(context, options, writer, view, own, gate, metrics);
    this.snapshots = new Snapshots(context, options, sync, ranges, view, subscribers);
    this.inspector = new ClusterInspector(connection, this::viewRevision);
    this.cleanUpTimer = context.setPeriodic(options.getTtl() * 1000L, id -> recovery.cleanUpUnheldKeys());
    context.runOnContext(v -> initial.forEach(WatchedRange::start));
  }

  /**
   * Makes the registry's watched ranges: the whole prefix, or one service's keys. Their appliers share this node's
   * own side (records, lease, recovery, export): set before the first range is made.
   */
  private final class RangeFactory {
    private final KeyLayout layout;
    private final EventPublisher publisher;
    private ChangeApplier.OwnSide ownSide;

    RangeFactory(KeyLayout layout, EventPublisher publisher) {
      this.layout = layout;
      this.publisher = publisher;
    }

    WatchedRange wholeRegistry() {
      return range("the registry " + layout.root(), layout, null);
    }

    WatchedRange service(String service) {
      return range("service '" + service + "' of the registry " + layout.root(), layout.forService(service),
        service);
    }

    private WatchedRange range(String description, KeyLayout format, String service) {
      RecordCache cache = new RecordCache();
      ChangeApplier applier = new ChangeApplier(format, cache, ownSide, publisher);
      return new WatchedRange(description, service, context, connection, format, cache, applier,
        SharedRegistry.this, revision -> own.forgetUpTo(revision, service), state);
    }
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

  /** @return what an operator asks of the cluster */
  public ClusterInspector inspector() {
    return inspector;
  }

  /**
   * @param registration a registration id
   * @return the lease its key is bound to in this node's view, 0 when the view does not hold it
   */
  public long leaseOf(String registration) {
    RecordCache.Entry entry = ranges.current(registration);
    return entry == null ? 0 : entry.lease();
  }

  /** @return the registry's meters */
  public RegistryMetrics metrics() {
    return metrics;
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
      range.service().ifPresent(ranges::moveIntoScope);
      sync.rangeSynced();
    } else {
      // Only a watch that fell behind etcd's compaction lists its range again.
      metrics.resyncedAfterCompaction();
    }
  }

  @Override
  public void stale(WatchedRange range, Throwable cause) {
    String reason = EtcdErrors.describe(cause);
    if (imports.contains(range)) {
      state.importStale(range, reason);
    } else {
      state.view(viewState(), reason);
    }
    sync.rangeFailed();
  }

  @Override
  public void fresh(WatchedRange range) {
    if (imports.contains(range)) {
      state.importFresh(range);
    } else {
      state.view(viewState(), null);
    }
  }

  /** The state of the registry's view: the worst of its ranges (the imports have a state each). */
  private RegistryHealth.ViewState viewState() {
    if (!sync.isSynced()) {
      return RegistryHealth.ViewState.SYNCING;
    }
    boolean fresh = ranges.ranges().stream().allMatch(range -> range.state() == RegistryHealth.ViewState.FRESH);
    return fresh ? RegistryHealth.ViewState.FRESH : RegistryHealth.ViewState.STALE;
  }

  /**
   * Brings a service into this node's scope at its first use, with {@code onDemand}.
   *
   * @param service the service
   * @param what    what the caller is doing, for the error message
   * @return completes once the service's records are in the view (at once when they are)
   */
  public Future<Void> ensure(String service, String what) {
    if (ranges.isReady(service)) {
      return Future.succeededFuture();
    }
    Deadline deadline = Deadline.after(options.getRequestTimeout());
    Promise<Void> ready = context.promise();
    context.runOnContext(v -> sync.afterFirstSync(what, deadline).compose(synced -> ranges.ensure(service, what,
      deadline)).onComplete(ready));
    return ready.future();
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
    return new RegistryHealth(state.view(), state.lease(), lease.id(), viewRevision(), registrySize(), own.size(),
      importHealth, state.problems(), state.lastError());
  }

  /** @return the revision of the registry's view: of its one range, or the smallest of a scoped view's */
  private long viewRevision() {
    return ranges.ranges().stream().mapToLong(range -> range.cache().revision()).min().orElse(0);
  }

  /** @return the records of the registry (its ranges and this node's own records outside them), imports left out */
  private int registrySize() {
    return ranges.ranges().stream().mapToInt(range -> range.cache().size()).sum() + ranges.ownView().size();
  }

  /** @return every watched range: the registry's, then the imports' */
  private List<WatchedRange> watchedRanges() {
    List<WatchedRange> all = new ArrayList<>(ranges.ranges());
    all.addAll(imports);
    return all;
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
      return SharedRegistry.this.viewRevision();
    }

    @Override
    public double stalenessSeconds() {
      long now = System.nanoTime();
      long oldest = now;
      for (WatchedRange range : watchedRanges()) {
        oldest = Math.min(oldest, range.confirmedNanos());
      }
      return (now - oldest) / 1e9;
    }

    @Override
    public int badKeys() {
      return watchedRanges().stream().mapToInt(WatchedRange::badKeys).sum();
    }
  }

  /**
   * @param check   answers whether this node is ready
   * @param options the interval and thresholds
   * @return the binding of this node's records' status to the check (see {@link ServingGate})
   */
  public ReadinessBinding bindReadiness(Supplier<Future<Boolean>> check, ReadinessOptions options) {
    return gate.bind(check, options);
  }

  /**
   * @return completes once this node's records are OUT_OF_SERVICE for good and the drain timeout has passed
   */
  public Future<Void> drain() {
    Promise<Void> drained = context.promise();
    context.runOnContext(v -> gate.drain().onComplete(drained));
    return drained.future();
  }

  /**
   * Drains this node first when {@code drainTimeout} is set and it holds records, then revokes the lease (this
   * node's records leave at once), stops the watch and every timer, closes the client.
   *
   * @return completes when closed; never fails
   */
  public Future<Void> close() {
    Promise<Void> done = context.promise();
    context.runOnContext(v -> {
      boolean drainFirst = options.getDrainTimeout() > 0 && own.size() > 0 && !closed;
      (drainFirst ? gate.drain() : context.<Void>succeededFuture()).eventually(this::closeOnContext)
        .onComplete(done);
    });
    return done.future();
  }

  private Future<Void> closeOnContext() {
    if (closing == null) {
      closed = true;
      context.owner().cancelTimer(cleanUpTimer);
      gate.close();
      recovery.close();
      sync.close();
      watchedRanges().forEach(WatchedRange::close);
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
