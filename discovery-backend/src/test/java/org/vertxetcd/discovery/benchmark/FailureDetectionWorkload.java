package org.vertxetcd.discovery.benchmark;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.Watcher;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.support.NodeProcess;
import org.vertxetcd.launcher.EtcdExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Workload 4: how fast the others learn that a node is gone: SIGKILL (the lease must expire) and graceful shutdown
 * (the lease is revoked). Timed from the kill, or from the moment the node starts closing, to the LEAVE in another
 * process. The same SIGKILL with Vert.x's ZooKeeper backend (ephemeral records, which leave when the session
 * expires), timed to the deletion of the record's znode as a ZooKeeper watch reports it.
 */
final class FailureDetectionWorkload {

  static final int TTL = 3;

  private final List<String> endpoints;
  private final String zookeeper;

  FailureDetectionWorkload(List<String> endpoints, String zookeeper) {
    this.endpoints = endpoints;
    this.zookeeper = zookeeper;
  }

  void run(BenchmarkSize size, Results results) throws Exception {
    JsonObject config = new JsonObject().put("backend-name", "etcd").put("endpoints", new JsonArray(endpoints))
      .put("prefix", EtcdExtension.newPrefix()).put("ttl", TTL);
    Map<String, Long> leaves = new ConcurrentHashMap<>();
    Map<String, RegistryEvent> joins = new ConcurrentHashMap<>();
    Vertx observer = Vertx.vertx();
    try {
      await(EtcdRegistry.create(observer, config).subscribe(event -> {
        if (event.type() == RegistryEventType.LEAVE) {
          leaves.put(event.registration(), System.nanoTime());
        } else {
          joins.put(event.registration(), event);
        }
      }));
      List<Double> killed = new ArrayList<>();
      for (int i = 0; i < size.kills(); i++) {
        try (NodeProcess node = NodeProcess.start("doomed-" + i, config)) {
          String registration = node.publish("doomed", 1).get(0);
          await().atMost(Duration.ofSeconds(10)).until(() -> joins.containsKey(registration));
          long kill = System.nanoTime();
          node.kill();
          await().atMost(Duration.ofSeconds(TTL + 10)).until(() -> leaves.containsKey(registration));
          killed.add(LookupWorkload.ms(leaves.get(registration) - kill));
        }
      }
      Stats kills = new Stats(killed);
      results.add(new Results.Row("failure detection, SIGKILL (TTL " + TTL + " s)", "max ms to LEAVE ("
        + kills.count() + " kills)", kills.max(), Double.NaN, "", Double.NaN, "<= TTL + 1 s",
        kills.max() <= (TTL + 1) * 1000.0));
      Stats zookeeperKills = zookeeperKills(size);
      results.add(new Results.Row("failure detection, SIGKILL (TTL " + TTL + " s; ZooKeeper: session timeout "
        + ZooKeeperServer.SESSION_TIMEOUT_MILLIS + " ms, tickTime " + ZooKeeperServer.TICK_MILLIS + " ms)",
        "max ms until the record leaves (" + kills.count() + " kills each)", kills.max(), zookeeperKills.max(),
        "ZooKeeper backend, ephemeral znode deleted", kills.max() / zookeeperKills.max(), "reported", true));

      List<Double> graceful = new ArrayList<>();
      try (NodeProcess node = NodeProcess.start("graceful", config)) {
        node.call(new JsonObject().put("cmd", "graceful-cycles").put("count", size.gracefulShutdowns()));
        await().atMost(Duration.ofSeconds(10)).until(() -> leaves.size() >= size.kills() + size.gracefulShutdowns());
        for (JsonObject closing : node.lines("closing")) {
          int cycle = closing.getInteger("cycle");
          String registration = joins.values().stream()
            .filter(join -> join.name().equals("graceful") && join.record().getMetadata().getInteger("cycle") == cycle)
            .findFirst().orElseThrow().registration();
          graceful.add(LookupWorkload.ms(leaves.get(registration) - closing.getLong("at")));
        }
      }
      Stats shutdowns = new Stats(graceful);
      results.add(new Results.Row("failure detection, graceful shutdown", "p99 ms to LEAVE (" + shutdowns.count()
        + " shutdowns)", shutdowns.p99(), Double.NaN, "", Double.NaN, "p99 <= 100 ms", shutdowns.p99() <= 100));
    } finally {
      await(observer.close());
    }
  }

  /** SIGKILLs children publishing through the ZooKeeper backend; times each from the kill to its znode's deletion. */
  private Stats zookeeperKills(BenchmarkSize size) throws Exception {
    String basePath = "/doomed";
    List<Double> killed = new ArrayList<>();
    try (CuratorFramework curator = CuratorFrameworkFactory.newClient(zookeeper, new RetryOneTime(100))) {
      curator.start();
      for (int i = 0; i < size.kills(); i++) {
        try (ChildProcess node = ChildProcess.start("zookeeper-doomed-" + i, ZooKeeperNode.class,
          ZooKeeperServer.shortSessionJvmOptions(), ZooKeeperServer.backendConfig(zookeeper, basePath).encode())) {
          String path = basePath + "/" + node.awaitLine("ready", Duration.ofSeconds(60)).getString("registration");
          CompletableFuture<Long> deleted = new CompletableFuture<>();
          if (curator.checkExists().usingWatcher((CuratorWatcher) event -> {
            if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
              deleted.complete(System.nanoTime());
            }
          }).forPath(path) == null) {
            throw new IllegalStateException("the ZooKeeper backend did not create " + path);
          }
          long kill = System.nanoTime();
          node.kill();
          killed.add(LookupWorkload.ms(deleted.get(ZooKeeperServer.SESSION_TIMEOUT_MILLIS + 10_000L,
            TimeUnit.MILLISECONDS) - kill));
        }
      }
    }
    return new Stats(killed);
  }
}
