package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.LeaseOption;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.servicediscovery.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Keeps etcd holding exactly the records this node registered: registers them again under a new lease after a lease
 * loss, and deletes keys bound to this node's lease that it does not hold (writes that timed out yet were applied).
 * <p>
 * Runs on the registry's context.
 */
public final class Recovery {

  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

  /** Records registered again at once after a lease loss. */
  private static final int CONCURRENCY = 64;

  private final ContextInternal context;
  private final EtcdConnection connection;
  private final KeyLayout layout;
  private final RegistryRanges ranges;
  private final OwnRecords own;
  private final LeaseSession lease;
  private final PutIfAbsentBatcher batcher;
  private final RegistryMetrics metrics;
  private final Retrier retrier;
  /** Stray keys already reported. */
  private final Set<String> strays = new HashSet<>();
  /** Whether the keys of the lease must be checked for strays. */
  private boolean cleanUpNeeded;
  private boolean cleaning;
  private boolean closed;

  /**
   * @param parts             what the writers of this node's records share
   * @param permanentFailures where a re-registration etcd refuses is reported
   */
  public Recovery(WriteParts parts, PermanentFailures permanentFailures) {
    this.context = parts.context();
    this.connection = parts.connection();
    this.layout = parts.layout();
    this.ranges = parts.ranges();
    this.own = parts.own();
    this.lease = parts.lease();
    this.batcher = parts.batcher();
    this.metrics = parts.metrics();
    this.retrier = new Retrier(context, Backoff.BACKGROUND, "re-registration", permanentFailures);
  }

  /**
   * Registers every record this node holds again, under a lease that replaces a lost one.
   *
   * @param newLease the new lease
   * @return completes when every record is registered again (or no longer needs to be)
   */
  public Future<Void> reregisterAll(long newLease) {
    List<Record> records = own.all();
    LOG.info("Registering {} records of this node again under lease {}", records.size(), Long.toHexString(newLease));
    Iterator<Record> pending = records.iterator();
    List<Future<Void>> workers = new ArrayList<>();
    for (int i = 0; i < CONCURRENCY; i++) {
      Promise<Void> worker = context.promise();
      workers.add(worker.future());
      reregisterNext(pending, newLease, worker);
    }
    return Future.join(workers).mapEmpty();
  }

  /** Takes records one after the other; each starts the next on completion, so no future chain grows. */
  private void reregisterNext(Iterator<Record> pending, long newLease, Promise<Void> worker) {
    if (!pending.hasNext()) {
      worker.complete();
      return;
    }
    Record record = pending.next();
    String what = "register record '" + record.getName() + "' (" + record.getRegistration() + ") again";
    retrier.untilSuccess(what, attempt -> reregister(record, newLease, what))
      .onComplete(done -> context.runOnContext(v -> reregisterNext(pending, newLease, worker)));
  }

  /**
   * Put-if-absent: never overwrites a key another live node now owns, and repeats safely after a timeout.
   *
   * @return succeeds when the record is registered again or no longer needs to be
   */
  private Future<Void> reregister(Record record, long newLease, String what) {
    String registration = record.getRegistration();
    if (closed || newLease != lease.id() || own.get(registration) != record) {
      return context.succeededFuture();
    }
    ByteSequence key = layout.key(record.getName(), registration);
    OwnRecords.PendingWrite pending = own.expect(registration, record.getName(), KeyChange.Kind.PUT,
      OwnRecords.Origin.RECOVERY);
    Deadline deadline = Deadline.after(connection.options().getRequestTimeout());
    return batcher.putIfAbsent(key, RecordCodec.encode(record), newLease, deadline, what)
      .compose(outcome -> {
        KeyValue existing = outcome.existing();
        if (existing == null) {
          own.confirmed(pending, outcome.revision());
          ranges.recordWrite(record.getName(), registration, new RecordCache.Entry(RecordCodec.snapshot(record),
            outcome.revision(), newLease), outcome.revision());
          metrics.reregistered();
          return context.succeededFuture();
        }
        own.abandon(pending);
        if (existing.getLease() != newLease) {
          LOG.warn("Not registering record '{}' ({}) again: its key now belongs to lease {}", record.getName(),
            registration, Long.toHexString(existing.getLease()));
          own.release(registration);
        }
        return context.succeededFuture();
      }, error -> {
        own.abandon(pending);
        if (EtcdErrors.isLeaseNotFound(error)) {
          lease.lost(newLease, "re-registering under it failed: " + error.getMessage());
          return context.succeededFuture();
        }
        return context.failedFuture(error);
      });
  }

  /**
   * Deletes keys bound to this node's lease that it does not hold: a put whose outcome was unknown (a timed-out store
   * that etcd applied after all) must not linger until the node dies. etcd lists the keys of the lease, so this
   * works whether or not this node watches the service; it asks only after such a put, and again until a pass
   * succeeds.
   */
  public void cleanUpUnheldKeys() {
    long current = lease.id();
    cleanUpNeeded |= own.takeUncertainPuts();
    if (current == 0 || closed || !cleanUpNeeded || cleaning) {
      return;
    }
    cleanUpNeeded = false;
    cleaning = true;
    connection.call("list the keys of lease " + Long.toHexString(current), () -> connection.lease()
        .timeToLive(current, LeaseOption.builder().withAttachedKeys().build()))
      .onComplete((lived, error) -> {
        cleaning = false;
        if (error != null) {
          LOG.debug("Cannot list the keys of lease {} yet ({}); the next clean-up tries again",
            Long.toHexString(current), EtcdErrors.describe(error));
          cleanUpNeeded = true;
          return;
        }
        Set<String> found = new HashSet<>();
        for (ByteSequence key : lived.getKeys()) {
          // Keys of the lease outside the layout are this node's gRPC exports.
          KeyLayout.ParsedKey parsed = layout.parse(key);
          if (parsed != null && !own.holds(parsed.registration()) && !own.hasPending(parsed.registration())) {
            found.add(parsed.registration());
            deleteStray(key, parsed);
          }
        }
        strays.retainAll(found);
      });
  }

  private void deleteStray(ByteSequence key, KeyLayout.ParsedKey stray) {
    String registration = stray.registration();
    // Said once per stray key, not at every clean-up while etcd cannot be reached.
    if (strays.add(registration)) {
      LOG.warn("Deleting record '{}' ({}): it is bound to this node's lease but this node did not register it "
        + "(a write that timed out and was applied later)", stray.name(), registration);
    }
    OwnRecords.PendingWrite pending = own.expect(registration, stray.name(), KeyChange.Kind.DELETE,
      OwnRecords.Origin.RECOVERY);
    connection.call("delete stray record " + registration, () -> connection.kv().delete(key))
      .onComplete((deleted, error) -> {
        if (error != null) {
          LOG.debug("Cannot delete stray record {} yet ({}); the next clean-up tries again", registration,
            EtcdErrors.describe(error));
          own.abandon(pending);
          cleanUpNeeded = true;
        } else {
          own.confirmed(pending, deleted.getHeader().getRevision());
          ranges.recordWrite(stray.name(), registration, null, deleted.getHeader().getRevision());
        }
      });
  }

  /**
   * One of this node's records was deleted by someone else. If its lease is gone (expired, revoked), the lease
   * session learns it here and everything is registered again; if the lease is alive, another client deleted the key
   * on purpose, and this node stops holding it.
   *
   * @param registration the deleted record's registration id
   * @param deleted      its last cache entry
   * @param view         the view it was deleted from
   */
  public void onOwnRecordDeleted(String registration, RecordCache.Entry deleted, RecordCache view) {
    if (deleted.lease() != lease.id()) {
      return;
    }
    // A lease that expires deletes all its keys at once: the session checks it once for all of them, and says so
    // when the check fails.
    lease.verify().onSuccess(alive -> {
      if (alive && deleted.lease() == lease.id() && view.applied(registration) == null) {
        LOG.warn("Record '{}' ({}) of this node was deleted from etcd by another client while its lease is alive: "
          + "this node no longer registers it", deleted.record().getName(), registration);
        own.release(registration);
      }
    });
  }

  /** Stops every retry. */
  public void close() {
    closed = true;
  }
}
