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
import io.vertx.core.internal.ContextInternal;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The registry's writes: store, update and remove, each a single etcd transaction that can be sent again safely.
 * <p>
 * An etcd request can stall without an answer (a proposal dropped during a leader election waits for etcd's own
 * timeout) or be applied although its answer is lost. So each write is tried with a short deadline and repeated until
 * the request timeout, and each transaction tells from etcd's answer whether an earlier try already did the work:
 * store is put-if-absent (batched with other stores), update is compare-and-swap on the key's revision, remove is
 * delete-if-present.
 * <p>
 * Runs on the registry's context.
 */
public final class RecordWriter {

  /** Bytes a put request adds around its key and value (protobuf framing, lease id). */
  private static final int REQUEST_OVERHEAD_BYTES = 64;
  private static final long SHORTEST_ATTEMPT_MS = 500;

  /** Waits for the view's first sync, bounded by the caller's deadline. */
  public interface SyncGate {
    /**
     * @param what     what the caller is doing, for the error message
     * @param deadline when the caller stops waiting
     * @return completes once the view has synced
     */
    Future<Void> afterFirstSync(String what, Deadline deadline);
  }

  private final ContextInternal context;
  private final EtcdBackendOptions options;
  private final EtcdConnection connection;
  private final KeyLayout layout;
  private final RegistryRanges ranges;
  private final OwnRecords own;
  private final LeaseSession lease;
  private final PutIfAbsentBatcher batcher;
  private final SyncGate syncGate;
  private final Retrier retrier;

  /**
   * @param parts             what the writers of this node's records share
   * @param syncGate          waits for the view's first sync
   * @param permanentFailures where permanent errors are reported (writes fail with them at once)
   */
  public RecordWriter(WriteParts parts, SyncGate syncGate, PermanentFailures permanentFailures) {
    this.context = parts.context();
    this.connection = parts.connection();
    this.options = connection.options();
    this.layout = parts.layout();
    this.ranges = parts.ranges();
    this.own = parts.own();
    this.lease = parts.lease();
    this.batcher = parts.batcher();
    this.syncGate = syncGate;
    this.retrier = new Retrier(context, Backoff.WRITES, "writes", permanentFailures);
  }

  /**
   * @param requestTimeout the configured request timeout
   * @return how long one attempt of a write may take once sent: short enough that a stalled attempt (a proposal
   *     dropped in a leader election) leaves time for another
   */
  public static long attemptTimeoutMs(long requestTimeout) {
    return Math.max(SHORTEST_ATTEMPT_MS, requestTimeout / 4);
  }

  /**
   * Registers a record under this node's lease, with a new registration id.
   *
   * @param record   the record, with a name and without registration
   * @param deadline when the caller stops waiting (counted from its call)
   * @return the registration id it was stored under
   */
  public Future<String> store(Record record, Deadline deadline) {
    if (record == null || record.getName() == null || record.getName().isEmpty()) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.INVALID_RECORD,
        "Cannot store the record: it has no name"));
    }
    if (record.getRegistration() != null) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.ALREADY_REGISTERED, "Cannot store record '"
        + record.getName() + "': it is already registered as " + record.getRegistration()
        + " (use update to change it)"));
    }
    CachedRecord stored = RecordCodec.snapshot(record);
    stored.setRegistration(UUID.randomUUID().toString());
    String what = "store record '" + stored.getName() + "' (" + stored.getRegistration() + ")";
    return encodeWithinLimit(stored, what).compose(value -> {
      own.hold(stored);
      OwnRecords.PendingWrite pending = own.expect(stored.getRegistration(), stored.getName(), KeyChange.Kind.PUT,
        OwnRecords.Origin.CALL);
      return retrier.withinDeadline(deadline, EtcdErrors::isLeaseNotFound,
          attempt -> putIfAbsent(stored, value, pending, deadline, what))
        .recover(error -> context.failedFuture(outOfTime(error, what, deadline)))
        .map(stored.getRegistration())
        .onFailure(error -> {
          own.abandon(pending);
          own.release(stored.getRegistration());
        });
    });
  }

  private Future<Void> putIfAbsent(CachedRecord stored, byte[] value, OwnRecords.PendingWrite pending, Deadline deadline,
                                   String what) {
    String registration = stored.getRegistration();
    ByteSequence key = layout.key(stored.getName(), registration);
    return lease.current(what, deadline).compose(leaseId -> batcher.putIfAbsent(key, value, leaseId, deadline, what)
      .compose(outcome -> {
        KeyValue existing = outcome.existing();
        if (existing != null && (existing.getLease() != leaseId
          || !Arrays.equals(existing.getValue().getBytes(), value))) {
          return context.failedFuture(new EtcdDiscoveryException(Reason.ETCD_ERROR, "Cannot " + what
            + ": its key already holds another record"));
        }
        // Written now, or by an earlier attempt whose answer was lost.
        long revision = outcome.revision();
        own.confirmed(pending, revision);
        ranges.recordWrite(stored.getName(), registration, new RecordCache.Entry(stored, revision, leaseId), revision);
        return context.<Void>succeededFuture();
      }, error -> {
        if (EtcdErrors.isLeaseNotFound(error)) {
          // The next attempt waits for the lease that replaces it.
          lease.lost(leaseId, "a put bound to it failed: " + error.getMessage());
        }
        return context.failedFuture(error);
      }));
  }

  /**
   * Replaces an existing record. The key keeps the lease it has, so updating another node's record does not take it
   * over.
   *
   * @param record   the record, with the registration id of an existing record and the same name
   * @param deadline when the caller stops waiting (counted from its call)
   * @return completes when etcd applied the update
   */
  public Future<Void> update(Record record, Deadline deadline) {
    return update(record, deadline, OwnRecords.Origin.CALL);
  }

  /**
   * Like {@link #update(Record, Deadline)}, for this node's own changes of its records (readiness, drain): they are
   * announced like remote changes, since no {@code ServiceDiscovery} call announced them.
   *
   * @param record   the record
   * @param deadline when the change stops being tried
   * @param origin   who makes the change
   * @return completes when etcd applied the update
   */
  public Future<Void> update(Record record, Deadline deadline, OwnRecords.Origin origin) {
    if (record == null || record.getRegistration() == null) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.UNKNOWN_REGISTRATION,
        "Cannot update the record: it has no registration id (store it first)"));
    }
    if (record.getName() == null || record.getName().isEmpty()) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.INVALID_RECORD, "Cannot update record "
        + record.getRegistration() + ": it has no name"));
    }
    CachedRecord updated = RecordCodec.snapshot(record);
    String what = "update record '" + record.getName() + "' (" + record.getRegistration() + ")";
    return encodeWithinLimit(updated, what).compose(value -> syncGate.afterFirstSync(what, deadline).compose(v -> {
      RecordCache.Entry known = ranges.current(updated.getRegistration());
      if (known != null && !known.record().getName().equals(updated.getName())) {
        return context.failedFuture(new EtcdDiscoveryException(Reason.INVALID_RECORD, "Cannot " + what
          + ": it is registered under the name '" + known.record().getName() + "' and a record's name cannot change "
          + "(remove it and store a new one)"));
      }
      OwnRecords.PendingWrite pending = own.expect(updated.getRegistration(), updated.getName(), KeyChange.Kind.PUT,
        origin);
      ExpectedKey expected = known == null ? new ExpectedKey(-1, 0) : new ExpectedKey(known.modRevision(),
        known.lease());
      return retrier.withinDeadline(deadline, error -> error instanceof Conflict,
          attempt -> compareAndSwap(updated, value, expected, pending, deadline, what))
        .recover(error -> context.failedFuture(outOfTime(error, what, deadline)))
        .onSuccess(done -> {
          if (own.holds(updated.getRegistration())) {
            own.hold(updated);
          }
        })
        .onFailure(error -> own.abandon(pending));
    }));
  }

  /** The revision and lease a compare-and-swap expects the key to have; a conflict updates them. */
  private static final class ExpectedKey {
    private long modRevision;
    private long lease;

    ExpectedKey(long modRevision, long lease) {
      this.modRevision = modRevision;
      this.lease = lease;
    }
  }

  /** The key changed under a compare-and-swap: the next attempt swaps against what etcd holds now. */
  private static final class Conflict extends RuntimeException {
    Conflict() {
      super("the record kept changing", null, false, false);
    }
  }

  private Future<Void> compareAndSwap(CachedRecord updated, byte[] value, ExpectedKey expected,
                                      OwnRecords.PendingWrite pending, Deadline deadline, String what) {
    String registration = updated.getRegistration();
    ByteSequence key = layout.key(updated.getName(), registration);
    long keyLease = expected.lease;
    return connection.call(what, attemptTimeout(deadline), () -> connection.kv().txn()
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expected.modRevision)))
        .Then(Op.put(key, ByteSequence.from(value), PutOption.builder().withLeaseId(keyLease).build()))
        .Else(Op.get(key, GetOption.DEFAULT))
        .commit())
      .compose(response -> {
        KeyValue current = firstKeyValue(response);
        long revision;
        long writtenLease;
        if (response.isSucceeded()) {
          revision = response.getHeader().getRevision();
          writtenLease = keyLease;
        } else if (current == null) {
          return context.failedFuture(unknownRegistration(what, registration));
        } else if (Arrays.equals(current.getValue().getBytes(), value)) {
          revision = current.getModRevision();
          writtenLease = current.getLease();
        } else {
          // Written concurrently, or not in the view yet.
          expected.modRevision = current.getModRevision();
          expected.lease = current.getLease();
          return context.failedFuture(new Conflict());
        }
        own.confirmed(pending, revision);
        ranges.recordWrite(updated.getName(), registration, new RecordCache.Entry(updated, revision, writtenLease),
          revision);
        return context.succeededFuture();
      });
  }

  /**
   * Removes a record.
   *
   * @param registration the registration id
   * @param deadline     when the caller stops waiting (counted from its call)
   * @return the removed record
   */
  public Future<Record> remove(String registration, Deadline deadline) {
    if (registration == null) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.UNKNOWN_REGISTRATION,
        "Cannot remove the record: it has no registration id"));
    }
    String what = "remove record " + registration;
    return syncGate.afterFirstSync(what, deadline).compose(v -> {
      RecordCache.Entry known = ranges.current(registration);
      if (known == null) {
        return context.failedFuture(unknownRegistration(what, registration));
      }
      Record held = own.get(registration);
      own.release(registration);
      OwnRecords.PendingWrite pending = own.expect(registration, known.record().getName(), KeyChange.Kind.DELETE,
        OwnRecords.Origin.CALL);
      return retrier.withinDeadline(deadline, error -> false,
          attempt -> deleteIfPresent(known.record(), attempt, pending, deadline, what))
        .recover(error -> context.failedFuture(outOfTime(error, what, deadline)))
        .onFailure(error -> {
          own.abandon(pending);
          if (held != null && error instanceof EtcdDiscoveryException
            && ((EtcdDiscoveryException) error).reason() != Reason.UNKNOWN_REGISTRATION) {
            // The outcome is unknown: keep holding it, so the clean-up of unheld keys cannot delete a live record.
            own.hold(held);
          }
        });
    });
  }

  private Future<Record> deleteIfPresent(CachedRecord known, int attempt, OwnRecords.PendingWrite pending,
                                         Deadline deadline, String what) {
    String registration = known.getRegistration();
    ByteSequence key = layout.key(known.getName(), registration);
    return connection.call(what, attemptTimeout(deadline), () -> connection.kv().txn()
        .If(new Cmp(key, Cmp.Op.GREATER, CmpTarget.version(0)))
        .Then(Op.delete(key, DeleteOption.builder().withPrevKV(true).build()))
        .commit())
      .compose(response -> {
        if (!response.isSucceeded() && attempt == 1) {
          return context.failedFuture(unknownRegistration(what, registration));
        }
        // Gone: deleted now, or by an earlier attempt whose answer was lost (its revision is then unknown).
        long revision = response.getHeader().getRevision();
        if (response.isSucceeded()) {
          own.confirmed(pending, revision);
        }
        ranges.recordWrite(known.getName(), registration, null, revision);
        return context.succeededFuture(lastRecord(response, known));
      });
  }

  /**
   * @return the error of a write that ran out of time: {@code TIMEOUT} naming the last problem when its last attempt
   *     failed for a reason worth another attempt, the error itself otherwise
   */
  private EtcdDiscoveryException outOfTime(Throwable error, String what, Deadline deadline) {
    EtcdDiscoveryException translated = EtcdErrors.translate(error, what, options.getEndpoints());
    boolean retried = EtcdErrors.classify(error) == EtcdErrors.Kind.TRANSIENT || EtcdErrors.isLeaseNotFound(error)
      || error instanceof Conflict;
    if (!retried || translated.reason() == Reason.TIMEOUT) {
      return translated;
    }
    return new EtcdDiscoveryException(Reason.TIMEOUT, "Cannot " + what + " within " + deadline.timeoutMs() + " ms: "
      + error.getMessage(), error, true);
  }

  private long attemptTimeout(Deadline deadline) {
    return Math.min(deadline.remainingMs(), attemptTimeoutMs(options.getRequestTimeout()));
  }

  private Record lastRecord(TxnResponse response, CachedRecord fallback) {
    List<KeyValue> previous = response.getDeleteResponses().isEmpty() ? List.of()
      : response.getDeleteResponses().get(0).getPrevKvs();
    if (!previous.isEmpty()) {
      KeyChange change = KeyChange.decode(layout, KeyChange.Kind.PUT, previous.get(0));
      if (change.record() != null) {
        return change.record().view();
      }
    }
    return fallback.view();
  }

  /**
   * @param response a transaction whose else branch reads the key
   * @return the key as etcd holds it, {@code null} when absent
   */
  static KeyValue firstKeyValue(TxnResponse response) {
    return response.getGetResponses().stream().flatMap(get -> get.getKvs().stream()).findFirst().orElse(null);
  }

  /** @return the stored form of the record, or a failure when etcd would refuse it as too large */
  private Future<byte[]> encodeWithinLimit(Record record, String what) {
    byte[] value = RecordCodec.encode(record);
    int keyBytes = layout.key(record.getName(), record.getRegistration()).size();
    if (keyBytes + value.length + REQUEST_OVERHEAD_BYTES > options.getMaxRequestBytes()) {
      return context.failedFuture(new EtcdDiscoveryException(Reason.TOO_LARGE, "Cannot " + what + ": the record is "
        + value.length + " bytes of JSON, and with its key the request would exceed etcd's limit of "
        + options.getMaxRequestBytes() + " bytes (maxRequestBytes)"));
    }
    return context.succeededFuture(value);
  }

  private static EtcdDiscoveryException unknownRegistration(String what, String registration) {
    return new EtcdDiscoveryException(Reason.UNKNOWN_REGISTRATION, "Cannot " + what + ": no record is registered "
      + "with registration id " + registration);
  }

}
