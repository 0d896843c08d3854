package org.vertxetcd.discovery.benchmark;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.vertx.servicediscovery.Record;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Fills a registry with raw jetcd, as fast as etcd takes it: transactions of 128 puts (etcd's most operations per
 * transaction), many in flight. The keys and values are the ones the backend writes, without a lease.
 */
final class RawLoader {

  private static final int PUTS_PER_TXN = 128;
  private static final int TXNS_IN_FLIGHT = 16;

  private RawLoader() {
  }

  /**
   * Sends from this thread, never from a Vert.x context: a jetcd call made on a Vert.x event loop may tie the
   * client's connection to that event loop, and the client then hangs once that Vert.x instance is closed.
   *
   * @param client  a client of the cluster
   * @param prefix  the registry's prefix
   * @param count   how many records
   * @param records the record of each index (a service name and location)
   * @return the seconds it took
   * @throws Exception when a transaction fails, or all do not complete within 10 minutes
   */
  static double load(Client client, String prefix, int count, IntFunction<Record> records) throws Exception {
    long start = System.nanoTime();
    Semaphore inFlight = new Semaphore(TXNS_IN_FLIGHT);
    List<CompletableFuture<TxnResponse>> txns = new ArrayList<>();
    for (int first = 0; first < count; first += PUTS_PER_TXN) {
      List<Op> puts = new ArrayList<>(PUTS_PER_TXN);
      for (int index = first; index < Math.min(count, first + PUTS_PER_TXN); index++) {
        puts.add(put(prefix, records.apply(index)));
      }
      inFlight.acquire();
      txns.add(client.getKVClient().txn().Then(puts.toArray(Op[]::new)).commit()
        .whenComplete((response, error) -> inFlight.release()));
    }
    CompletableFuture.allOf(txns.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
    return (System.nanoTime() - start) / 1e9;
  }

  private static Op put(String prefix, Record record) {
    String registration = UUID.randomUUID().toString();
    ByteSequence key = ByteSequence.from(prefix + "/" + record.getName() + "/" + registration, StandardCharsets.UTF_8);
    return Op.put(key, ByteSequence.from(record.setRegistration(registration).toJson().toBuffer().getBytes()),
      PutOption.DEFAULT);
  }

  /**
   * Deletes a registry's keys, so the next workloads run against an etcd as small as before.
   *
   * @param client a client of the cluster
   * @param prefix the registry's prefix
   * @throws Exception when etcd does not delete them within a minute
   */
  static void delete(Client client, String prefix) throws Exception {
    client.getKVClient().delete(ByteSequence.from(prefix + "/", StandardCharsets.UTF_8),
      DeleteOption.builder().isPrefix(true).build()).get(1, TimeUnit.MINUTES);
  }
}
