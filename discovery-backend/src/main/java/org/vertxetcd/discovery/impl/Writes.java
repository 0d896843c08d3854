package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where a caller's write enters the registry: its deadline starts at the call, at most {@code maxPendingWrites} are
 * in progress at once (beyond that a write fails at once with {@link Reason#OVERLOADED}), imported records are
 * refused, and the write moves to the registry's context for the {@link RecordWriter}.
 * <p>
 * Called from any thread.
 */
public final class Writes {

  private final ContextInternal context;
  private final EtcdBackendOptions options;
  private final RecordWriter writer;
  private final RegistryView view;
  private final OwnRecords own;
  private final ServingGate gate;
  private final RegistryMetrics metrics;
  private final AtomicInteger inProgress = new AtomicInteger();
  private volatile boolean closed;
  /** Whether closing removed this node's records (its lease revoked); set when closing starts. */
  private Future<Boolean> recordsRemovedByClose;

  /**
   * @param context the registry's context
   * @param options the registry's options
   * @param writer  writes this node's records
   * @param view    the view, to tell imported records
   * @param own     the records this node holds
   * @param gate    turns records down while this node is not ready or drains
   * @param metrics times the writes
   */
  public Writes(ContextInternal context, EtcdBackendOptions options, RecordWriter writer, RegistryView view,
                OwnRecords own, ServingGate gate, RegistryMetrics metrics) {
    this.context = context;
    this.options = options;
    this.writer = writer;
    this.view = view;
    this.own = own;
    this.gate = gate;
    this.metrics = metrics;
  }

  /** @return how many writes are in progress */
  public int inProgress() {
    return inProgress.get();
  }

  /**
   * Registers a record under this node's lease. On success the given record gets its new registration id.
   *
   * @param record the record, without registration
   * @return the same record, with its registration id
   */
  public Future<Record> store(Record record) {
    Deadline deadline = Deadline.after(options.getRequestTimeout());
    String what = "store record '" + (record == null ? null : record.getName()) + "'";
    boolean heldDown = record != null && gate.holdDown(record);
    if (record != null && options.getZone() != null) {
      inZone(record);
    }
    return admitted("store", what, () -> writer.store(record, deadline).onSuccess(registration -> {
      if (heldDown) {
        gate.heldDown(registration);
      }
    })).map(registration -> record.setRegistration(registration));
  }

  /** Records this node publishes carry its zone, unless they say their own. */
  private void inZone(Record record) {
    if (record.getMetadata() == null) {
      record.setMetadata(new JsonObject());
    }
    if (!record.getMetadata().containsKey(EtcdBackendOptions.ZONE)) {
      record.getMetadata().put(EtcdBackendOptions.ZONE, options.getZone());
    }
  }

  /**
   * Replaces an existing record; the key keeps its lease.
   *
   * @param record the record, with the registration id of an existing record and the same name
   * @return completes when etcd applied the update
   */
  public Future<Void> update(Record record) {
    Deadline deadline = Deadline.after(options.getRequestTimeout());
    String registration = record == null ? null : record.getRegistration();
    boolean heldDown = record != null && gate.holdDown(record);
    return admitted("update", "update record " + registration, () -> refuseImported(registration, "update")
      .compose(v -> writer.update(record, deadline)).onSuccess(v -> {
        if (heldDown) {
          gate.heldDown(registration);
        }
      }));
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
    Deadline deadline = Deadline.after(options.getRequestTimeout());
    return admitted("remove", "remove record " + registration, () -> refuseImported(registration, "remove")
      .compose(v -> writer.remove(registration, deadline)));
  }

  /** Runs a write on the registry's context, unless too many are in progress, and times it from the call. */
  private <T> Future<T> admitted(String op, String what, Supplier<Future<T>> write) {
    long start = System.nanoTime();
    if (closed) {
      return context.failedFuture(EtcdConnection.closedError(what));
    }
    if (inProgress.incrementAndGet() > options.getMaxPendingWrites()) {
      inProgress.decrementAndGet();
      return context.failedFuture(new EtcdDiscoveryException(Reason.OVERLOADED, "Cannot " + what + ": "
        + options.getMaxPendingWrites() + " writes are in progress already (maxPendingWrites); etcd at "
        + options.getEndpoints() + " is slow or unreachable", null, true));
    }
    Future<T> result;
    if (context.isRunningOnContext()) {
      result = write.get();
    } else {
      Promise<T> written = context.promise();
      context.runOnContext(v -> write.get().onComplete(written));
      result = written.future();
    }
    return result.andThen(done -> {
      inProgress.decrementAndGet();
      metrics.write(op, System.nanoTime() - start, done.succeeded());
    });
  }

  /** Imported records belong to the services that registered them: this registry never writes their keys. */
  private Future<Void> refuseImported(String registration, String what) {
    WatchedRange imported = registration == null ? null : view.importHolding(registration);
    if (imported == null) {
      return context.succeededFuture();
    }
    return context.failedFuture(new EtcdDiscoveryException(Reason.READ_ONLY, "Cannot " + what + " record "
      + registration + ": it was imported from " + imported.root() + " and is read-only; change it where it was "
      + "registered"));
  }

  /**
   * Refuses every write from now on; a removal of one of this node's records waits for what closing does to them.
   *
   * @param removed whether closing removed this node's records (its lease revoked)
   */
  public void close(Future<Boolean> removed) {
    closed = true;
    recordsRemovedByClose = removed;
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
}
