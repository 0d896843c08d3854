package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.ReadinessBinding;
import org.vertxetcd.discovery.ReadinessOptions;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Whether this node's records should take traffic: while a readiness check bound to the registry fails (damped by
 * its thresholds), and for good once the node drains, its UP records are turned {@code OUT_OF_SERVICE}, and the
 * records it turned so are put back {@code UP} when the check passes again. Records written meanwhile are written
 * {@code OUT_OF_SERVICE}. A record the application set to another status itself is left alone.
 * <p>
 * The gate reconciles etcd with what it wants at each check (and at each change), so a status write that failed
 * while etcd was unreachable is made again. Runs on the registry's context; {@link #serving()} is read from any
 * thread.
 */
public final class ServingGate {

  private static final Logger LOG = LoggerFactory.getLogger(ServingGate.class);

  private final ContextInternal context;
  private final EtcdBackendOptions options;
  private final OwnRecords own;
  private final RecordWriter writer;
  /** The records this gate turned OUT_OF_SERVICE, to put back UP. */
  private final Set<String> turnedDown = new HashSet<>();
  /** Status writes in flight: one per record at a time. */
  private final Set<String> writing = new HashSet<>();
  private volatile boolean ready = true;
  private volatile boolean draining;
  private Binding binding;
  private Future<Void> drained;

  /**
   * @param context the registry's context
   * @param options the registry's options ({@code drainTimeout}, {@code requestTimeout})
   * @param own     this node's records
   * @param writer  writes their status
   */
  public ServingGate(ContextInternal context, EtcdBackendOptions options, OwnRecords own, RecordWriter writer) {
    this.context = context;
    this.options = options;
    this.own = own;
    this.writer = writer;
  }

  /** @return whether this node's records should be UP: its readiness check passes and it is not draining */
  public boolean serving() {
    return ready && !draining;
  }

  /**
   * A record about to be written by the application: while the node is not serving, an UP record is written
   * OUT_OF_SERVICE instead (the caller's record says so too).
   *
   * @param record the record to write
   * @return whether the gate turned it down, to remember once written
   */
  public boolean holdDown(Record record) {
    if (serving() || (record.getStatus() != null && record.getStatus() != Status.UP)) {
      return false;
    }
    record.setStatus(Status.OUT_OF_SERVICE);
    return true;
  }

  /**
   * @param registration a record the gate turned down when it was written; on the registry's context
   */
  public void heldDown(String registration) {
    turnedDown.add(registration);
  }

  /**
   * Binds the status of this node's records to a check, replacing an earlier binding.
   *
   * @param check        answers whether the node is ready
   * @param readiness    the interval and thresholds
   * @return the binding
   */
  public Binding bind(Supplier<Future<Boolean>> check, ReadinessOptions readiness) {
    Binding bound = new Binding(check, new ReadinessOptions(readiness).validate());
    context.runOnContext(v -> {
      if (binding != null) {
        binding.stop();
      }
      binding = bound;
      bound.start();
    });
    return bound;
  }

  /**
   * Drains this node: its records turn OUT_OF_SERVICE for good, then {@code drainTimeout} passes. Called again, it
   * returns the same drain.
   *
   * @return completes once the records' status is written (or could not be within the request timeout) and the
   *     drain timeout has passed; never fails
   */
  public Future<Void> drain() {
    if (drained == null) {
      draining = true;
      if (binding != null) {
        binding.stop();
      }
      Promise<Void> done = context.promise();
      drained = done.future();
      LOG.info("Draining: this node's records turn OUT_OF_SERVICE; its lease is revoked in {} ms",
        options.getDrainTimeout());
      Future.join(reconcile()).onComplete(written ->
        context.setTimer(Math.max(1, options.getDrainTimeout()), id -> done.complete()));
    }
    return drained;
  }

  /** Brings each record's status in etcd to what the gate wants; returns the writes it started. */
  private List<Future<Void>> reconcile() {
    List<Future<Void>> writes = new ArrayList<>();
    Set<String> held = new HashSet<>();
    for (Record record : own.all()) {
      String registration = record.getRegistration();
      held.add(registration);
      if (!serving() && record.getStatus() == Status.UP) {
        turnedDown.add(registration);
        writes.add(setStatus(record, Status.OUT_OF_SERVICE));
      } else if (serving() && turnedDown.contains(registration) && record.getStatus() == Status.OUT_OF_SERVICE) {
        writes.add(setStatus(record, Status.UP).onSuccess(v -> turnedDown.remove(registration)));
      } else if (record.getStatus() != Status.OUT_OF_SERVICE) {
        // The application changed it meanwhile: it is its own again.
        turnedDown.remove(registration);
      }
    }
    turnedDown.retainAll(held);
    return writes;
  }

  private Future<Void> setStatus(Record record, Status status) {
    String registration = record.getRegistration();
    if (!writing.add(registration)) {
      return context.succeededFuture();
    }
    Record changed = new Record(record).setStatus(status);
    return writer.update(changed, Deadline.after(options.getRequestTimeout()), OwnRecords.Origin.RECOVERY)
      .onComplete(done -> writing.remove(registration))
      .onFailure(error -> LOG.debug("Could not turn record '{}' ({}) {} yet ({}); the next check tries again",
        record.getName(), registration, status, EtcdErrors.describe(error)));
  }

  /** Stops every check; on the registry's context. */
  public void close() {
    if (binding != null) {
      binding.stop();
    }
  }

  /** A readiness check bound to the gate. */
  public final class Binding implements ReadinessBinding {
    private final Supplier<Future<Boolean>> check;
    private final ReadinessOptions readiness;
    private long timer = -1;
    private int failures;
    private int successes;
    private boolean stopped;

    private Binding(Supplier<Future<Boolean>> check, ReadinessOptions readiness) {
      this.check = check;
      this.readiness = readiness;
    }

    private void start() {
      if (!stopped) {
        runCheck();
        timer = context.setPeriodic(readiness.getIntervalMillis(), id -> runCheck());
      }
    }

    private void runCheck() {
      Future<Boolean> result;
      try {
        result = check.get();
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.timeout(readiness.getIntervalMillis(), TimeUnit.MILLISECONDS)
        .onComplete((passed, error) -> context.runOnContext(v -> counted(error == null && Boolean.TRUE.equals(passed),
          error)));
    }

    private void counted(boolean passed, Throwable error) {
      if (stopped) {
        return;
      }
      failures = passed ? 0 : failures + 1;
      successes = passed ? successes + 1 : 0;
      if (ready && failures >= readiness.getFailureThreshold()) {
        ready = false;
        LOG.warn("The readiness check failed {} times in a row ({}): this node's records turn OUT_OF_SERVICE",
          failures, error == null ? "not ready" : error.getMessage());
      } else if (!ready && successes >= readiness.getSuccessThreshold()) {
        ready = true;
        LOG.info("The readiness check passes again: this node's records turn UP");
      }
      reconcile();
    }

    @Override
    public Future<Void> cancel() {
      context.runOnContext(v -> {
        stop();
        if (binding == this) {
          binding = null;
          ready = true;
          reconcile();
        }
      });
      return Future.succeededFuture();
    }

    private void stop() {
      stopped = true;
      if (timer != -1) {
        context.owner().cancelTimer(timer);
      }
    }
  }
}
