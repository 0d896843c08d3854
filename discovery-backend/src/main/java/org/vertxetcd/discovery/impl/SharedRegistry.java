package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.servicediscovery.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.RegistrySnapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The registry one Vert.x instance shares among every {@code ServiceDiscovery} created with the same options: one
 * etcd client, one lease, one watch, one cache.
 * <p>
 * All state changes happen on a context of its own (so that no deployment's undeploy can stop its timers);
 * lookups read the cache from the caller's thread. Every returned future completes on that context: callers move
 * results to their own context.
 */
public final class SharedRegistry implements RegistryWatcher.Listener, LeaseSession.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(SharedRegistry.class);

  /** Bytes a put request adds around its key and value (protobuf framing, lease id). */
  private static final int REQUEST_OVERHEAD_BYTES = 64;

  /** Records registered again at once after a lease loss. */
  private static final int RECOVERY_CONCURRENCY = 64;

  private final EtcdBackendOptions options;
  private final ContextInternal context;
  private final KeyLayout layout;
  private final EtcdConnection connection;
  private final RecordCache cache = new RecordCache();
  private final OwnRecords own = new OwnRecords();
  private final EventPublisher publisher;
  private final RegistryWatcher watcher;
  private final LeaseSession lease;
  private final BadKeys badKeys = new BadKeys();
  private final PromiseInternal<Void> firstSync;
  private final TreeMap<Long, List<Promise<Void>>> revisionWaiters = new TreeMap<>();
  private volatile Throwable lastSyncError;
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
    this.layout = new KeyLayout(options.normalizedPrefix());
    this.connection = new EtcdConnection(context, options);
    this.publisher = new EventPublisher(vertx, options);
    this.watcher = new RegistryWatcher(context, connection, layout, cache::revision, this);
    this.lease = new LeaseSession(context, connection, this);
    this.firstSync = context.promise();
    this.cleanUpTimer = context.setPeriodic(options.getTtl() * 1000L, id -> cleanUpUnheldKeys());
    context.runOnContext(v -> watcher.start());
  }

  /** @return the options of this registry */
  public EtcdBackendOptions options() {
    return options;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lookups: answered from the cache on the caller's thread, after the first sync.
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * @return copies of every record, once the first sync completed
   */
  public Future<List<Record>> getRecords() {
    return whenSynced("list the records", cache::all);
  }

  /**
   * @param registration a registration id
   * @return a copy of the record, or {@code null} when there is none, once the first sync completed
   */
  public Future<Record> getRecord(String registration) {
    return whenSynced("get record " + registration, () -> cache.get(registration));
  }

  /** Answers on the caller's thread once synced: a lookup costs no context switch. */
  private <T> Future<T> whenSynced(String what, Supplier<T> lookup) {
    if (!closed && firstSync.future().succeeded()) {
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
    String what = "take a snapshot of the registry";
    return onContext(() -> afterFirstSync(what).compose(v -> whenApplied(cache.newestLocalWrite(), what)).map(v -> {
      List<Record> applied = new ArrayList<>(cache.size());
      cache.appliedEntries().forEach(entry -> applied.add(entry.record()));
      return new SnapshotView(applied, cache.revision());
    })).map(view -> new RegistrySnapshot(view.records.stream().map(RecordCodec::copy).collect(Collectors.toList()),
      view.revision));
  }

  /** The cached records of a snapshot, collected on the registry's context and copied off it. */
  private static final class SnapshotView {
    private final List<Record> records;
    private final long revision;

    SnapshotView(List<Record> records, long revision) {
      this.records = records;
      this.revision = revision;
    }
  }

  private Future<Void> afterFirstSync(String what) {
    if (closed) {
      return context.failedFuture(EtcdConnection.closedError(what));
    }
    Future<Void> synced = firstSync.future();
    if (synced.isComplete()) {
      return synced;
    }
    return synced.timeout(options.getRequestTimeout(), TimeUnit.MILLISECONDS).recover(error -> {
      Throwable cause = lastSyncError;
      return context.failedFuture(new EtcdDiscoveryException(closed ? Reason.CLOSED : Reason.TIMEOUT, "Cannot " + what
        + ": the registry has not synced with etcd at " + options.getEndpoints() + " within "
        + options.getRequestTimeout() + " ms" + (cause == null ? "" : " (" + cause.getMessage() + ")"), cause));
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Writes
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Registers a record under this node's lease. Sets the new registration id on the given record (and clears it
   * again if the store fails).
   *
   * @param record the record, without registration
   * @return the same record, with its registration id
   */
  public Future<Record> store(Record record) {
    if (record == null || record.getName() == null || record.getName().isEmpty()) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.INVALID_RECORD,
        "Cannot store the record: it has no name"));
    }
    if (record.getRegistration() != null) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.ALREADY_REGISTERED, "Cannot store record '"
        + record.getName() + "': it is already registered as " + record.getRegistration()
        + " (use update to change it)"));
    }
    String registration = UUID.randomUUID().toString();
    Record stored = RecordCodec.copy(record).setRegistration(registration);
    String what = "store record '" + record.getName() + "' (" + registration + ")";
    byte[] value;
    try {
      value = encodeWithinLimit(stored, what);
    } catch (EtcdDiscoveryException e) {
      return context.failedFuture(e);
    }
    record.setRegistration(registration);
    Deadline deadline = Deadline.after(options.getRequestTimeout());
    return onContext(() -> {
      own.hold(stored);
      return putOwn(stored, value, deadline, what, OwnRecords.Origin.CALL);
    }).map(v -> record).onFailure(error -> {
      record.setRegistration(null);
      own.release(registration);
    });
  }

  /**
   * Writes a record this node holds, bound to the current lease; if etcd says the lease is gone, waits for the new
   * one and writes again.
   */
  private Future<Void> putOwn(Record stored, byte[] value, Deadline deadline, String what,
                              OwnRecords.Origin origin) {
    return lease.current().timeout(deadline.remainingMs(), TimeUnit.MILLISECONDS)
      .recover(error -> context.failedFuture(deadlineError(what, "no etcd lease could be granted", error)))
      .compose(leaseId -> {
        OwnRecords.PendingWrite pending = own.expect(stored.getRegistration(), KeyChange.Kind.PUT, origin);
        ByteSequence key = layout.key(stored.getName(), stored.getRegistration());
        PutOption option = PutOption.builder().withLeaseId(leaseId).build();
        return connection.call(what, deadline.remainingMs(),
            () -> connection.kv().put(key, ByteSequence.from(value), option))
          .map(response -> {
            long revision = response.getHeader().getRevision();
            own.confirmed(pending, revision);
            cache.recordLocalWrite(stored.getRegistration(), new RecordCache.Entry(stored, revision, leaseId),
              revision);
            return (Void) null;
          })
          .recover(error -> {
            own.abandon(pending);
            if (EtcdErrors.isLeaseNotFound(error) && !deadline.passed()) {
              lease.lost(leaseId, "a put bound to it failed: " + error.getMessage());
              return putOwn(stored, value, deadline, what, origin);
            }
            return context.failedFuture(error);
          });
      });
  }

  /**
   * Replaces an existing record. The key keeps the lease it has, so updating another node's record does not take it
   * over.
   *
   * @param record the record, with the registration id of an existing record and the same name
   * @return completes when etcd applied the update
   */
  public Future<Void> update(Record record) {
    if (record == null || record.getRegistration() == null) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.UNKNOWN_REGISTRATION,
        "Cannot update the record: it has no registration id (store it first)"));
    }
    if (record.getName() == null || record.getName().isEmpty()) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.INVALID_RECORD, "Cannot update record "
        + record.getRegistration() + ": it has no name"));
    }
    Record updated = RecordCodec.copy(record);
    String what = "update record '" + record.getName() + "' (" + record.getRegistration() + ")";
    byte[] value;
    try {
      value = encodeWithinLimit(updated, what);
    } catch (EtcdDiscoveryException e) {
      return context.failedFuture(e);
    }
    Deadline deadline = Deadline.after(options.getRequestTimeout());
    return onContext(() -> afterFirstSync(what).compose(v -> {
      RecordCache.Entry known = cache.current(updated.getRegistration());
      if (known != null && !known.record().getName().equals(updated.getName())) {
        return context.failedFuture(new EtcdDiscoveryException(Reason.INVALID_RECORD, "Cannot " + what
          + ": it is registered under the name '" + known.record().getName() + "' and a record's name cannot change "
          + "(remove it and store a new one)"));
      }
      return replace(updated, value, known, deadline, what);
    }));
  }

  /** Compare-and-swap on the key's revision, so the write keeps the lease of the key it replaces. */
  private Future<Void> replace(Record updated, byte[] value, RecordCache.Entry known, Deadline deadline,
                               String what) {
    String registration = updated.getRegistration();
    ByteSequence key = layout.key(updated.getName(), registration);
    long expectedRevision = known == null ? -1 : known.modRevision();
    long keyLease = known == null ? 0 : known.lease();
    OwnRecords.PendingWrite pending = own.expect(registration, KeyChange.Kind.PUT, OwnRecords.Origin.CALL);
    return connection.call(what, deadline.remainingMs(), () -> connection.kv().txn()
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)))
        .Then(Op.put(key, ByteSequence.from(value), PutOption.builder().withLeaseId(keyLease).build()))
        .Else(Op.get(key, GetOption.DEFAULT))
        .commit())
      .compose(response -> {
        if (response.isSucceeded()) {
          long revision = response.getHeader().getRevision();
          own.confirmed(pending, revision);
          if (own.holds(registration)) {
            own.hold(updated);
          }
          cache.recordLocalWrite(registration, new RecordCache.Entry(updated, revision, keyLease), revision);
          return context.succeededFuture();
        }
        own.abandon(pending);
        KeyValue current = firstKeyValue(response);
        if (current == null) {
          return context.failedFuture(unknownRegistration(what, registration));
        }
        if (deadline.passed()) {
          return context.failedFuture(deadlineError(what, "the record kept changing", null));
        }
        // Written concurrently (or not yet in the cache): retry against what etcd holds now.
        return replace(updated, value, new RecordCache.Entry(updated, current.getModRevision(), current.getLease()),
          deadline, what);
      }, error -> {
        own.abandon(pending);
        return context.failedFuture(error);
      });
  }

  /**
   * Removes a record.
   *
   * @param registration the registration id
   * @return the removed record
   */
  public Future<Record> remove(String registration) {
    if (registration == null) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.UNKNOWN_REGISTRATION,
        "Cannot remove the record: it has no registration id"));
    }
    String what = "remove record " + registration;
    Deadline deadline = Deadline.after(options.getRequestTimeout());
    return onContext(() -> afterFirstSync(what).compose(v -> {
      RecordCache.Entry known = cache.current(registration);
      if (known == null) {
        return context.failedFuture(unknownRegistration(what, registration));
      }
      Record removed = known.record();
      ByteSequence key = layout.key(removed.getName(), registration);
      Record held = own.get(registration);
      own.release(registration);
      OwnRecords.PendingWrite pending = own.expect(registration, KeyChange.Kind.DELETE, OwnRecords.Origin.CALL);
      return connection.call(what, deadline.remainingMs(), () -> connection.kv().txn()
          .If(new Cmp(key, Cmp.Op.GREATER, CmpTarget.version(0)))
          .Then(Op.delete(key, DeleteOption.builder().withPrevKV(true).build()))
          .commit())
        .compose(response -> {
          if (!response.isSucceeded()) {
            own.abandon(pending);
            return context.failedFuture(unknownRegistration(what, registration));
          }
          long revision = response.getHeader().getRevision();
          own.confirmed(pending, revision);
          cache.recordLocalWrite(registration, null, revision);
          return context.succeededFuture(lastRecord(response, removed));
        }, error -> {
          own.abandon(pending);
          if (held != null) {
            // The outcome is unknown: keep holding it; the clean-up of unheld keys must not delete a live record.
            own.hold(held);
          }
          return context.failedFuture(error);
        });
    }));
  }

  private Record lastRecord(TxnResponse response, Record fallback) {
    List<KeyValue> previous = response.getDeleteResponses().isEmpty() ? List.of()
      : response.getDeleteResponses().get(0).getPrevKvs();
    if (!previous.isEmpty()) {
      KeyChange change = KeyChange.decode(layout, KeyChange.Kind.PUT, previous.get(0));
      if (change.record() != null) {
        return change.record();
      }
    }
    return RecordCodec.copy(fallback);
  }

  private static KeyValue firstKeyValue(TxnResponse response) {
    return response.getGetResponses().stream().flatMap(get -> get.getKvs().stream()).findFirst().orElse(null);
  }

  private byte[] encodeWithinLimit(Record record, String what) {
    byte[] value = RecordCodec.encode(record);
    int keyBytes = layout.keyString(record.getName(), record.getRegistration()).length();
    int requestBytes = keyBytes + value.length + REQUEST_OVERHEAD_BYTES;
    if (requestBytes > options.getMaxRequestBytes()) {
      throw new EtcdDiscoveryException(Reason.TOO_LARGE, "Cannot " + what + ": the record is " + value.length
        + " bytes of JSON, and with its key the request would exceed etcd's limit of "
        + options.getMaxRequestBytes() + " bytes (maxRequestBytes)");
    }
    return value;
  }

  private static EtcdDiscoveryException unknownRegistration(String what, String registration) {
    return new EtcdDiscoveryException(Reason.UNKNOWN_REGISTRATION, "Cannot " + what + ": no record is registered "
      + "with registration id " + registration);
  }

  private EtcdDiscoveryException deadlineError(String what, String problem, Throwable cause) {
    return new EtcdDiscoveryException(Reason.TIMEOUT, "Cannot " + what + " within " + options.getRequestTimeout()
      + " ms: " + problem + (cause == null ? "" : " (" + cause.getMessage() + ")"), cause);
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
  // Applying what etcd reports, in revision order, on the registry's context
  // ---------------------------------------------------------------------------------------------------------------

  @Override
  public void onSnapshot(List<KeyChange> keys, long revision) {
    boolean initial = !firstSync.future().isComplete();
    Map<String, KeyChange> listed = new HashMap<>();
    Set<String> bad = new HashSet<>();
    for (KeyChange key : keys) {
      String problem = problemOf(key, listed.get(key.parsed() == null ? null : key.parsed().registration()));
      if (problem == null) {
        listed.put(key.parsed().registration(), key);
      } else {
        bad.add(key.displayKey());
        badKeys.report(key.displayKey(), problem);
      }
    }
    badKeys.retainOnly(bad);
    List<KeyChange> differences = new ArrayList<>();
    listed.forEach((registration, key) -> {
      RecordCache.Entry known = cache.applied(registration);
      if (known == null || known.modRevision() != key.modRevision()
        || !known.record().getName().equals(key.parsed().name())) {
        differences.add(key);
      }
    });
    for (RecordCache.Entry entry : cache.appliedEntries()) {
      KeyChange listedKey = listed.get(entry.record().getRegistration());
      if (listedKey == null || !listedKey.parsed().name().equals(entry.record().getName())) {
        differences.add(KeyChange.deleted(layout, new KeyLayout.ParsedKey(entry.record().getName(),
          entry.record().getRegistration()), revision));
      }
    }
    // Leaves first within a revision, so that a record that moved to another key leaves before it joins again.
    differences.sort(Comparator.comparingLong(KeyChange::modRevision)
      .thenComparing(change -> change.kind() == KeyChange.Kind.PUT));
    differences.forEach(change -> apply(change, !initial));
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
    for (KeyChange change : changes) {
      // A watch re-created after an error may repeat what was applied: exactly once means skipping it.
      if (change.modRevision() > cache.revision()) {
        KeyLayout.ParsedKey parsed = change.parsed();
        RecordCache.Entry known = parsed == null ? null : cache.applied(parsed.registration());
        boolean otherName = known != null && !known.record().getName().equals(parsed.name());
        String problem = otherName ? usedBy(known.record()) : change.problem();
        if (parsed != null && !otherName) {
          apply(change, true);
        } else if (change.kind() == KeyChange.Kind.PUT) {
          badKeys.report(change.displayKey(), problem);
        } else {
          badKeys.clear(change.displayKey());
        }
      }
    }
    advanceTo(revision);
  }

  private void advanceTo(long revision) {
    cache.advanceTo(revision);
    own.forgetUpTo(revision);
    while (!revisionWaiters.isEmpty() && revisionWaiters.firstKey() <= revision) {
      revisionWaiters.pollFirstEntry().getValue().forEach(waiter -> waiter.tryComplete());
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

  /** Why a listed key cannot be applied, or {@code null} when it can. */
  private static String problemOf(KeyChange key, KeyChange listedWithSameRegistration) {
    if (key.parsed() != null && listedWithSameRegistration != null) {
      return usedBy(listedWithSameRegistration.record());
    }
    return key.problem();
  }

  private static String usedBy(Record owner) {
    return "registration " + owner.getRegistration() + " is already used by a record of service '" + owner.getName()
      + "'";
  }

  /** Applies a change of a key that belongs to the layout, publishing its event. */
  private void apply(KeyChange change, boolean publish) {
    String registration = change.parsed().registration();
    Record record = change.record();
    if (record == null && change.kind() == KeyChange.Kind.PUT) {
      badKeys.report(change.displayKey(), change.problem());
    } else {
      badKeys.clear(change.displayKey());
    }
    RecordCache.Entry previous = cache.apply(registration,
      record == null ? null : new RecordCache.Entry(record, change.modRevision(), change.lease()));
    if (record == null && previous == null) {
      return;
    }
    if (record != null && own.holds(registration) && change.lease() == lease.id()) {
      // Another client may have updated this node's record: register that version after a lease loss.
      own.hold(record);
    }
    OwnRecords.Origin origin = own.attribute(registration, change.kind(), change.modRevision());
    if (publish) {
      RegistryEventType type = record == null ? RegistryEventType.LEAVE
        : previous == null ? RegistryEventType.JOIN : RegistryEventType.UPDATE;
      publisher.publish(type, record == null ? previous.record() : record, change.modRevision(), origin);
    }
    if (record == null && origin == OwnRecords.Origin.REMOTE && own.holds(registration)) {
      onOwnRecordDeleted(registration, previous);
    }
  }

  /**
   * One of this node's records was deleted by someone else. If its lease is gone (expired, revoked), the lease
   * session re-registers everything; if the lease is alive, another client deleted the key on purpose.
   */
  private void onOwnRecordDeleted(String registration, RecordCache.Entry deleted) {
    if (deleted.lease() != lease.id()) {
      return;
    }
    lease.verify().onComplete((alive, error) -> {
      if (Boolean.TRUE.equals(alive) && deleted.lease() == lease.id() && cache.applied(registration) == null) {
        LOG.warn("Record '{}' ({}) of this node was deleted from etcd by another client while its lease is alive: "
          + "this node no longer registers it", deleted.record().getName(), registration);
        own.release(registration);
      } else if (error != null) {
        LOG.warn("Could not check lease {} after record {} of this node was deleted: {}",
          Long.toHexString(deleted.lease()), registration, error.getMessage());
      }
    });
  }

  @Override
  public void onStale(Throwable cause) {
    lastSyncError = cause;
  }

  @Override
  public void onFresh() {
    lastSyncError = null;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Self-healing: re-registration after a lease loss, clean-up of keys this node no longer holds
  // ---------------------------------------------------------------------------------------------------------------

  @Override
  public void onLeaseGranted(long newLease, boolean replacesLost) {
    if (replacesLost) {
      List<Record> records = own.all();
      LOG.info("Registering {} records of this node again under lease {}", records.size(),
        Long.toHexString(newLease));
      Iterator<Record> pending = records.iterator();
      for (int i = 0; i < RECOVERY_CONCURRENCY; i++) {
        reregisterNext(pending, newLease);
      }
    }
  }

  private void reregisterNext(Iterator<Record> pending, long newLease) {
    if (pending.hasNext()) {
      reregister(pending.next(), newLease, new Backoff(100, 5_000))
        .onComplete(v -> reregisterNext(pending, newLease));
    }
  }

  /**
   * Put-if-absent: never overwrites a key another live node now owns, and repeats safely after a timeout.
   *
   * @return completes when the record is registered again or no longer needs to be
   */
  private Future<Void> reregister(Record record, long newLease, Backoff backoff) {
    String registration = record.getRegistration();
    if (closed || newLease != lease.id() || own.get(registration) != record) {
      return context.succeededFuture();
    }
    ByteSequence key = layout.key(record.getName(), registration);
    OwnRecords.PendingWrite pending = own.expect(registration, KeyChange.Kind.PUT, OwnRecords.Origin.RECOVERY);
    String what = "register record '" + record.getName() + "' (" + registration + ") again";
    return connection.call(what, () -> connection.kv().txn()
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
        .Then(Op.put(key, ByteSequence.from(RecordCodec.encode(record)),
          PutOption.builder().withLeaseId(newLease).build()))
        .Else(Op.get(key, GetOption.DEFAULT))
        .commit())
      .compose(response -> {
        if (response.isSucceeded()) {
          own.confirmed(pending, response.getHeader().getRevision());
          return context.succeededFuture();
        }
        own.abandon(pending);
        KeyValue current = firstKeyValue(response);
        if (current != null && current.getLease() != newLease) {
          LOG.warn("Not registering record '{}' ({}) again: its key now belongs to lease {}", record.getName(),
            registration, Long.toHexString(current.getLease()));
          own.release(registration);
        }
        return context.succeededFuture();
      }, error -> {
        own.abandon(pending);
        if (EtcdErrors.isLeaseNotFound(error)) {
          lease.lost(newLease, "re-registering under it failed: " + error.getMessage());
          return context.succeededFuture();
        }
        long delay = backoff.next();
        LOG.warn("Could not {} ({}); retrying in {} ms", what, error.getMessage(), delay);
        Promise<Void> retried = context.promise();
        context.setTimer(delay, id -> reregister(record, newLease, backoff).onComplete(retried));
        return retried.future();
      });
  }

  /**
   * Deletes keys bound to this node's lease that it no longer holds: writes whose outcome was unknown (a timed-out
   * store that etcd applied after all) must not linger until the node dies.
   */
  private void cleanUpUnheldKeys() {
    long current = lease.id();
    if (current == 0 || closed) {
      return;
    }
    for (RecordCache.Entry entry : cache.appliedEntries()) {
      String registration = entry.record().getRegistration();
      if (entry.lease() == current && !own.holds(registration) && !own.hasPending(registration)) {
        ByteSequence key = layout.key(entry.record().getName(), registration);
        LOG.warn("Deleting record '{}' ({}): it is bound to this node's lease but this node did not register it "
          + "(a write that timed out and was applied later)", entry.record().getName(), registration);
        OwnRecords.PendingWrite pending = own.expect(registration, KeyChange.Kind.DELETE, OwnRecords.Origin.RECOVERY);
        connection.call("delete stray record " + registration, () -> connection.kv().txn()
            .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(entry.modRevision())))
            .Then(Op.delete(key, DeleteOption.DEFAULT))
            .commit())
          .onComplete((response, error) -> {
            if (error != null || !response.isSucceeded()) {
              own.abandon(pending);
            } else {
              own.confirmed(pending, response.getHeader().getRevision());
            }
          });
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lifecycle
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Revokes the lease (this node's records leave at once), stops the watch and every timer, closes the client.
   *
   * @return completes when closed; never fails
   */
  public Future<Void> close() {
    return onContextAlways(() -> {
      if (closing == null) {
        closed = true;
        context.owner().cancelTimer(cleanUpTimer);
        firstSync.tryFail(EtcdConnection.closedError("sync the registry"));
        revisionWaiters.values().forEach(waiters -> waiters.forEach(waiter ->
          waiter.tryFail(EtcdConnection.closedError("wait for the watch"))));
        revisionWaiters.clear();
        watcher.close();
        closing = lease.close().eventually(() -> {
          connection.close();
          return context.succeededFuture();
        });
      }
      return closing;
    });
  }

  private Future<Void> onContextAlways(Supplier<Future<Void>> action) {
    Promise<Void> promise = context.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }
}
