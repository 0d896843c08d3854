package org.vertxetcd.discovery.benchmark;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.vertxetcd.launcher.EtcdExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Workload 2: records stored with many in flight through {@code ServiceDiscovery.publish}, against raw jetcd puts of
 * the same keys and values bound to a lease at the same concurrency (the limit), and against Vert.x's ZooKeeper
 * backend (ephemeral records), alternating rounds.
 */
final class RegistrationWorkload {

  static final int CONCURRENCY = 128;

  private final List<String> endpoints;
  private final String zookeeper;

  RegistrationWorkload(List<String> endpoints, String zookeeper) {
    this.endpoints = endpoints;
    this.zookeeper = zookeeper;
  }

  void run(BenchmarkSize size, Results results) throws Exception {
    List<Double> raw = new ArrayList<>();
    List<Double> rawTxn = new ArrayList<>();
    List<Double> ours = new ArrayList<>();
    List<Double> zk = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
      // Every round starts from a fresh lease (a fresh node for ours): etcd 3.4 writes bound to a lease slow down as
      // the lease holds more keys. A first round warms both paths up (JIT, connections) and is not counted.
      for (int round = 0; round <= size.registrationRounds(); round++) {
        double oursRate = publishes(vertx, etcdBackend(), size.registrations());
        double txnRate = rawPuts(vertx, client, size.registrations(), true);
        double zkRate = publishes(vertx, ZooKeeperServer.backendConfig(zookeeper, "/registration-" + round),
          size.registrations());
        if (round > 0) {
          ours.add(oursRate);
          rawTxn.add(txnRate);
          zk.add(zkRate);
        }
      }
      // Last, and smaller: plain puts bound to a lease are slow on etcd 3.4 and slow etcd's apply loop down for
      // everyone (lease renewals time out "waiting for the applied index").
      raw.add(rawPuts(vertx, client, plainPuts(size), false));
    } finally {
      await(vertx.close());
    }
    String workload = "registration, " + String.format("%,d", size.registrations()) + " records, " + CONCURRENCY
      + " in flight";
    String metric = "records/s (median of " + ours.size() + " rounds)";
    double txnRatio = new Stats(ours).median() / new Stats(rawTxn).median();
    results.add(new Results.Row(workload, metric, new Stats(ours).median(), new Stats(rawTxn).median(),
      "raw jetcd put-if-absent txns with lease", txnRatio, ">= 0.8x raw jetcd", txnRatio >= 0.8));
    double ratio = new Stats(ours).median() / raw.get(0);
    results.add(new Results.Row(workload, metric, new Stats(ours).median(), raw.get(0),
      "raw jetcd plain puts with lease (" + String.format("%,d", plainPuts(size)) + " keys, 1 round)", ratio,
      ">= 0.8x raw jetcd", ratio >= 0.8));
    double zkRatio = new Stats(ours).median() / new Stats(zk).median();
    results.add(new Results.Row(workload, metric, new Stats(ours).median(), new Stats(zk).median(),
      "ZooKeeper backend, ephemeral records", zkRatio, "reported", true));
  }

  private static int plainPuts(BenchmarkSize size) {
    return Math.max(100, size.registrations() / 5);
  }

  private JsonObject etcdBackend() {
    return new JsonObject().put("backend-name", "etcd").put("endpoints", endpoints)
      .put("prefix", EtcdExtension.newPrefix());
  }

  /**
   * Publishes through a fresh node (its own Vert.x instance, so with this backend its own registry and lease).
   * Vert.x's ZooKeeper backend never closes its ZooKeeper client: the harness closes it after the count.
   */
  private static double publishes(Vertx vertx, JsonObject backend, int count) {
    Vertx node = Vertx.vertx();
    ServiceDiscovery discovery = ServiceDiscovery.create(node, new ServiceDiscoveryOptions()
      .setBackendConfiguration(backend));
    try {
      await(discovery.getRecords(record -> true));
      long nanos = Measure.concurrently(vertx, count, CONCURRENCY, index -> discovery.publish(Measure.record(index)));
      return count / (nanos / 1e9);
    } finally {
      ZooKeeperServer.closeBackendClient(discovery);
      await(node.close());
    }
  }

  /**
   * Raw jetcd writes of the same keys and values: plain puts, or the put-if-absent transactions a registry needs (on
   * etcd 3.4 a plain put bound to a lease is much slower than a transaction doing the same).
   */
  private static double rawPuts(Vertx vertx, Client client, int count, boolean txn) throws Exception {
    long lease = client.getLeaseClient().grant(600).get(10, TimeUnit.SECONDS).getID();
    String prefix = EtcdExtension.newPrefix();
    PutOption withLease = PutOption.builder().withLeaseId(lease).build();
    long nanos = Measure.concurrently(vertx, count, CONCURRENCY, index -> {
      String registration = UUID.randomUUID().toString();
      ByteSequence key = ByteSequence.from(prefix + "/svc-" + index % Measure.SERVICE_NAMES + "/" + registration,
        StandardCharsets.UTF_8);
      ByteSequence value = ByteSequence.from(Measure.record(index).setRegistration(registration).toJson()
        .toBuffer().getBytes());
      if (txn) {
        return Future.fromCompletionStage(client.getKVClient().txn()
          .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))).Then(Op.put(key, value, withLease)).commit());
      }
      return Future.fromCompletionStage(client.getKVClient().put(key, value, withLease));
    });
    client.getLeaseClient().revoke(lease).get(60, TimeUnit.SECONDS);
    return count / (nanos / 1e9);
  }
}
