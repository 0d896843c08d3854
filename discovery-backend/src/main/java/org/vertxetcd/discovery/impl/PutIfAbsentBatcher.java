package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Writes keys that must not exist yet (new registrations, registrations again after a lease loss) bound to a lease,
 * many to an etcd transaction: a few transactions are in flight at once, and whatever queues up meanwhile goes in
 * the next one. A lone write goes at once, so batching adds no latency; a burst goes in far fewer Raft proposals.
 * <p>
 * A transaction writes all its keys only if none exists; otherwise it reads them back, reports those that exist,
 * and sends the others again. Runs on the registry's context.
 */
public final class PutIfAbsentBatcher {

  /**
   * What etcd holds for a key after a put-if-absent.
   *
   * @param revision the revision the key was written at, or its mod revision when it existed
   * @param existing the key as it existed (possibly written by an earlier attempt), {@code null} when written now
   */
  public record Outcome(long revision, KeyValue existing) {
  }

  /** etcd's default {@code --max-txn-ops}. */
  private static final int MAX_KEYS = 128;
  private static final int MAX_IN_FLIGHT = 4;

  /** One key to write: queued, then sent in a transaction; its deadline timer runs from the call until it settles. */
  private static final class Request {
    private final ByteSequence key;
    private final byte[] value;
    private final long lease;
    private final String what;
    private final PromiseInternal<Outcome> outcome;
    private long deadlineTimer;

    private Request(ByteSequence key, byte[] value, long lease, String what, PromiseInternal<Outcome> outcome) {
      this.key = key;
      this.value = value;
      this.lease = lease;
      this.what = what;
      this.outcome = outcome;
    }

    private int size() {
      return key.size() + value.length;
    }
  }

  private final ContextInternal context;
  private final EtcdConnection connection;
  private final int maxBatchBytes;
  private final long attemptTimeoutMs;
  /** Waiting to be sent, oldest first; a request whose deadline passes leaves at once (hence a linked set). */
  private final LinkedHashSet<Request> queue = new LinkedHashSet<>();
  /** Requests a transaction did not write because of other keys: they go first in the next one. */
  private final ArrayDeque<Request> again = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param context          the registry's context
   * @param connection       the etcd connection
   * @param attemptTimeoutMs how long one transaction may take once sent: a stalled one (a proposal dropped in a
   *                         leader election) fails then, so that the caller can try again before its deadline
   */
  public PutIfAbsentBatcher(ContextInternal context, EtcdConnection connection, long attemptTimeoutMs) {
    this.context = context;
    this.connection = connection;
    this.maxBatchBytes = connection.options().getMaxRequestBytes() / 2;
    this.attemptTimeoutMs = attemptTimeoutMs;
  }

  /**
   * @param key      the key
   * @param value    its value
   * @param lease    the lease to bind it to
   * @param deadline when the caller stops waiting: the request fails with {@code TIMEOUT} then, queued or sent (a
   *                 sent one may still be applied: the registry deletes keys of its lease that it does not hold)
   * @param what     a description for error messages
   * @return what etcd holds for the key afterwards
   */
  public Future<Outcome> putIfAbsent(ByteSequence key, byte[] value, long lease, Deadline deadline, String what) {
    Request request = new Request(key, value, lease, what, context.promise());
    queue.add(request);
    request.deadlineTimer = context.setTimer(deadline.remainingMs(), id -> expire(request, deadline));
    sendWhatFits();
    return request.outcome.future();
  }

  /** @return how many requests wait to be sent */
  public int queued() {
    return queue.size() + again.size();
  }

  private void expire(Request request, Deadline deadline) {
    queue.remove(request);
    again.remove(request);
    request.outcome.tryFail(new EtcdDiscoveryException(Reason.TIMEOUT, "Cannot " + request.what + ": etcd at "
      + connection.options().getEndpoints() + " did not confirm the write within " + deadline.timeoutMs() + " ms", null, true));
  }

  private void settle(Request request, Outcome outcome, Throwable error) {
    context.owner().cancelTimer(request.deadlineTimer);
    if (error == null) {
      request.outcome.tryComplete(outcome);
    } else {
      request.outcome.tryFail(error);
    }
  }

  private void sendWhatFits() {
    while (inFlight < MAX_IN_FLIGHT && queued() > 0) {
      send(nextBatch());
    }
  }

  private Request next() {
    if (!again.isEmpty()) {
      return again.peek();
    }
    return queue.iterator().next();
  }

  private void take(Request request) {
    if (!again.isEmpty() && again.peek() == request) {
      again.poll();
    } else {
      queue.remove(request);
    }
  }

  private List<Request> nextBatch() {
    List<Request> batch = new ArrayList<>();
    int bytes = 0;
    while (queued() > 0 && batch.size() < MAX_KEYS && (batch.isEmpty() || bytes + next().size() <= maxBatchBytes)) {
      Request request = next();
      take(request);
      bytes += request.size();
      batch.add(request);
    }
    return batch;
  }

  private void send(List<Request> batch) {
    inFlight++;
    String what = batch.size() == 1 ? batch.get(0).what : "register " + batch.size() + " records";
    connection.call(what, attemptTimeoutMs, () -> {
      Cmp[] absent = new Cmp[batch.size()];
      Op[] puts = new Op[batch.size()];
      Op[] reads = new Op[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        Request request = batch.get(i);
        absent[i] = new Cmp(request.key, Cmp.Op.EQUAL, CmpTarget.version(0));
        puts[i] = Op.put(request.key, ByteSequence.from(request.value),
          PutOption.builder().withLeaseId(request.lease).build());
        reads[i] = Op.get(request.key, GetOption.DEFAULT);
      }
      return connection.kv().txn().If(absent).Then(puts).Else(reads).commit();
    }).onComplete((response, error) -> {
      inFlight--;
      if (error != null) {
        batch.forEach(request -> settle(request, null, error));
      } else {
        settle(batch, response);
      }
      sendWhatFits();
    });
  }

  /** Completes the requests a transaction settled, and queues again those it did not write because of others. */
  private void settle(List<Request> batch, TxnResponse response) {
    if (response.isSucceeded()) {
      long revision = response.getHeader().getRevision();
      batch.forEach(request -> settle(request, new Outcome(revision, null), null));
      return;
    }
    List<Request> notWritten = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      Request request = batch.get(i);
      List<KeyValue> found = response.getGetResponses().get(i).getKvs();
      if (!found.isEmpty()) {
        settle(request, new Outcome(found.get(0).getModRevision(), found.get(0)), null);
      } else if (!request.outcome.future().isComplete()) {
        notWritten.add(request);
      }
    }
    for (int i = notWritten.size() - 1; i >= 0; i--) {
      again.addFirst(notWritten.get(i));
    }
  }
}
