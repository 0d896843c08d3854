package org.vertxetcd.discovery.tests;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.EtcdHistory;
import org.vertxetcd.discovery.support.Invariants;
import org.vertxetcd.discovery.support.LookupProbe;
import org.vertxetcd.discovery.support.TestNode;
import org.vertxetcd.discovery.support.Workload;
import org.vertxetcd.launcher.EtcdCluster;
import org.vertxetcd.launcher.EtcdMember;
import org.vertxetcd.launcher.FaultProxy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Random etcd faults while two nodes write and a third watches, then the invariants. The default suite runs it for 40
 * seconds; {@code mvn verify -Pchaos} runs it for ten minutes ({@code -Dchaos.seconds=N} for any other length). The
 * seed is printed; {@code -Dchaos.seed=S} replays a run's choice of faults.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ChaosTest {

  private static final int TTL = 3;
  private static final long SECONDS = Long.getLong("chaos.seconds", 40);
  private static final long SEED = Long.getLong("chaos.seed", System.nanoTime());

  private static final long REQUEST_TIMEOUT = 2_000;

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(3, builder -> builder.partitionable()
      .raftTimings(50, 500))
    .withConfig(new JsonObject().put("ttl", TTL).put("requestTimeout", REQUEST_TIMEOUT));

  private final List<TestNode> nodes = new ArrayList<>();
  private final List<FaultProxy> proxies = new ArrayList<>();

  /** A fault: breaks something, then (after a while) repairs it. */
  private interface Fault {
    String name();

    void inject(Random random) throws Exception;

    void heal() throws Exception;
  }

  @Test
  void randomFaultsThenInvariants() throws Exception {
    System.out.printf("chaos: %d s, seed %d%n", SECONDS, SEED);
    Random random = new Random(SEED);
    EtcdCluster cluster = etcd.cluster();
    String prefix = etcd.prefix();
    List<String> proxied = new ArrayList<>();
    for (EtcdMember member : cluster.members()) {
      FaultProxy proxy = etcd.proxy(member);
      proxies.add(proxy);
      proxied.add(proxy.url());
    }
    TestNode direct = node("direct-writer", cluster.endpoints());
    TestNode isolated = node("proxied-writer", proxied);
    TestNode watcher = node("watcher", cluster.endpoints());
    List<Workload> workloads = List.of(Workload.start(direct, 2), Workload.start(isolated, 2));
    List<Fault> faults = faults(cluster, direct, isolated);

    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
    while (System.nanoTime() < end) {
      Fault fault = faults.get(random.nextInt(faults.size()));
      Duration hold = Duration.ofMillis(500 + random.nextInt((TTL + 2) * 1000));
      System.out.printf("chaos: %s %s for %d ms%n", Instant.now(), fault.name(), hold.toMillis());
      List<LookupProbe<TestNode.ViewAnswer>> probes = nodes.stream()
        .map(node -> node.lookupProbe(etcd.lookupBound())).toList();
      try {
        fault.inject(random);
        // While the fault lasts, every lookup on every node answers from its view, well before a call that waits
        // for etcd would time out.
        await().during(hold).atMost(hold.plusSeconds(10)).untilAsserted(() ->
          probes.forEach(probe -> probe.result().assertNoViolation()));
        fault.heal();
        cluster.awaitHealthy(Duration.ofSeconds(30));
      } finally {
        probes.forEach(LookupProbe::close);
      }
      probes.forEach(probe -> probe.result().assertNoViolation());
      System.out.println("chaos: " + probes.stream().map(LookupProbe::result).toList());
    }
    workloads.forEach(workload -> System.out.println("chaos: " + workload.stop()));
    try (EtcdHistory history = new EtcdHistory(cluster.endpoints())) {
      Invariants.check(history, prefix, nodes);
    }
  }

  private List<Fault> faults(EtcdCluster cluster, TestNode direct, TestNode isolated) {
    List<EtcdMember> stopped = new ArrayList<>();
    List<EtcdMember> paused = new ArrayList<>();
    Runnable restart = () -> stopped.forEach(member -> {
      try {
        member.start();
      } catch (Exception e) {
        throw new IllegalStateException("Cannot restart " + member, e);
      }
    });
    return List.of(
      fault("kill the leader", random -> {
        int leader = cluster.leaderIndex();
        EtcdMember member = cluster.member(leader >= 0 ? leader : 0);
        member.kill();
        stopped.add(member);
      }, () -> {
        restart.run();
        stopped.clear();
      }),
      fault("kill a member", random -> {
        EtcdMember member = cluster.member(random.nextInt(3));
        member.kill();
        stopped.add(member);
      }, () -> {
        restart.run();
        stopped.clear();
      }),
      fault("pause two members", random -> {
        int spared = random.nextInt(3);
        cluster.members().stream().filter(member -> member.index() != spared).forEach(member -> {
          member.pause();
          paused.add(member);
        });
      }, () -> {
        paused.forEach(EtcdMember::resume);
        paused.clear();
      }),
      fault("kill the whole cluster", random -> {
        cluster.members().forEach(EtcdMember::kill);
        stopped.addAll(cluster.members());
      }, () -> {
        restart.run();
        stopped.clear();
      }),
      fault("isolate a member from its peers", random -> cluster.member(random.nextInt(3)).isolate(),
        () -> cluster.members().forEach(EtcdMember::reconnect)),
      fault("cut the proxied writer off", random -> proxies.forEach(FaultProxy::cut),
        () -> proxies.forEach(FaultProxy::heal)),
      fault("revoke a writer's lease", random -> {
        long lease = (random.nextBoolean() ? direct : isolated).health().leaseId();
        if (lease != 0) {
          revoke(lease);
        }
      }, () -> { }));
  }

  /** A lease that expired during an earlier fault, before its node noticed, is already what this fault makes it. */
  private static void revoke(long lease) {
    try {
      etcd.etcdctl("lease", "revoke", Long.toHexString(lease));
    } catch (IllegalStateException e) {
      if (!e.getMessage().contains("requested lease not found")) {
        throw e;
      }
      System.out.printf("chaos: lease %x was already gone%n", lease);
    }
  }

  private static Fault fault(String name, ThrowingConsumer<Random> inject, ThrowingRunnable heal) {
    return new Fault() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void inject(Random random) throws Exception {
        inject.accept(random);
      }

      @Override
      public void heal() throws Exception {
        heal.run();
      }
    };
  }

  private interface ThrowingConsumer<T> {
    void accept(T value) throws Exception;
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private TestNode node(String name, List<String> endpoints) {
    TestNode node = etcd.node(name, etcd.config(endpoints));
    nodes.add(node);
    return node;
  }
}
