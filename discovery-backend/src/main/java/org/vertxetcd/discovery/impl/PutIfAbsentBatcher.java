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
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayDeque;
import java.util.ArrayList;
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

  private record Request(ByteSequence key, byte[] value, long lease, long timeoutMs, String what,
                         Promise<Outcome> outcome) {
  }

  private final ContextInternal context;
  private final EtcdConnection connection;
  private final int maxBatchBytes;
  private final ArrayDeque<Request> queue = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param context    the registry's context
   * @param connection the etcd connection
   */
  public PutIfAbsentBatcher(ContextInternal context, EtcdConnection connection) {
    this.context = context;
    this.connection = connection;
    this.maxBatchBytes = connection.options().getMaxRequestBytes() / 2;
  }

  /**
   * @param key       the key
   * @param value     its value
   * @param lease     the lease to bind it to
   * @param timeoutMs how long the write may take once sent
   * @param what      a description for error messages
   * @return what etcd holds for the key afterwards
   */
  public Future<Outcome> putIfAbsent(ByteSequence key, byte[] value, long lease, long timeoutMs, String what) {
    Promise<Outcome> outcome = context.promise();
    queue.add(new Request(key, value, lease, timeoutMs, what, outcome));
    sendWhatFits();
    return outcome.future();
  }

  private void sendWhatFits() {
    while (inFlight < MAX_IN_FLIGHT && !queue.isEmpty()) {
      send(nextBatch());
    }
  }

  private List<Request> nextBatch() {
    List<Request> batch = new ArrayList<>();
    int bytes = 0;
    while (!queue.isEmpty() && batch.size() < MAX_KEYS
      && (batch.isEmpty() || bytes + size(queue.peek()) <= maxBatchBytes)) {
      Request request = queue.poll();
      bytes += size(request);
      batch.add(request);
    }
    return batch;
  }

  private static int size(Request request) {
    return request.key.size() + request.value.length;
  }

  private void send(List<Request> batch) {
    inFlight++;
    long timeoutMs = batch.stream().mapToLong(Request::timeoutMs).min().orElseThrow();
    String what = batch.size() == 1 ? batch.get(0).what : "register " + batch.size() + " records";
    connection.call(what, timeoutMs, () -> {
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
        batch.forEach(request -> request.outcome.fail(error));
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
      batch.forEach(request -> request.outcome.complete(new Outcome(revision, null)));
      return;
    }
    List<Request> notWritten = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      List<KeyValue> found = response.getGetResponses().get(i).getKvs();
      if (found.isEmpty()) {
        notWritten.add(batch.get(i));
      } else {
        batch.get(i).outcome.complete(new Outcome(found.get(0).getModRevision(), found.get(0)));
      }
    }
    for (int i = notWritten.size() - 1; i >= 0; i--) {
      queue.addFirst(notWritten.get(i));
    }
  }
}
