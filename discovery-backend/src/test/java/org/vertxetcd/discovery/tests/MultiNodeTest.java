package org.vertxetcd.discovery.tests;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.support.BackendConfig;
import org.vertxetcd.discovery.support.NodeProcess;
import org.vertxetcd.launcher.EtcdExtension;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Several nodes on one etcd: in one JVM (two Vert.x instances) and in separate processes.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MultiNodeTest {

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private String prefix;
  private Vertx vertxA;
  private Vertx vertxB;
  private EtcdBackendService nodeA;
  private EtcdBackendService nodeB;

  @BeforeEach
  void setUp() {
    prefix = EtcdExtension.newPrefix();
    vertxA = Vertx.vertx();
    vertxB = Vertx.vertx();
    nodeA = new EtcdBackendService();
    nodeA.init(vertxA, BackendConfig.forCluster(etcd, prefix).put("ttl", 10));
    nodeB = new EtcdBackendService();
    nodeB.init(vertxB, BackendConfig.forCluster(etcd, prefix).put("ttl", 10));
  }

  @AfterEach
  void tearDown() {
    await(vertxA.close());
    await(vertxB.close());
  }

  @Test
  void twoVertxInstancesSeeEachOthersRecords() {
    Record fromA = await(nodeA.store(new Record().setName("a").setMetadata(new JsonObject().put("by", "A"))));
    Record fromB = await(nodeB.store(new Record().setName("b")));

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertEquals("A", await(nodeB.getRecord(fromA.getRegistration())).getMetadata().getString("by"));
      assertEquals("b", await(nodeA.getRecord(fromB.getRegistration())).getName());
    });

    fromA.getMetadata().put("by", "A, updated");
    await(nodeA.update(fromA));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
      assertEquals("A, updated", await(nodeB.getRecord(fromA.getRegistration())).getMetadata().getString("by")));

    await(nodeB.remove(fromA.getRegistration()));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
      assertEquals(Set.of("b"), names(nodeA)));
  }

  @Test
  void theRecordsOfAClosedVertxLeaveTheOthersViewAtOnce() {
    for (int i = 0; i < 3; i++) {
      await(nodeA.store(new Record().setName("a")));
    }
    await(nodeB.store(new Record().setName("b")));
    await().atMost(Duration.ofSeconds(5)).until(() -> names(nodeB).contains("a"));

    await(vertxA.close());

    // The TTL is 10 s: leaving within 1 s means the lease was revoked, not left to expire.
    await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertEquals(Set.of("b"), names(nodeB)));
  }

  @Test
  void aKilledNodeProcessLeavesWithinTheTtl() throws Exception {
    int ttl = 3;
    try (NodeProcess node = NodeProcess.start("node-1", BackendConfig.forCluster(etcd, prefix).put("ttl", ttl))) {
      List<String> registrations = node.publish("svc", 2);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(Set.copyOf(registrations),
        await(nodeB.getRecords()).stream().map(Record::getRegistration).collect(Collectors.toSet())));

      node.kill();
      long killedAt = System.nanoTime();

      await().atMost(Duration.ofSeconds(ttl + 2)).until(() -> await(nodeB.getRecords()).isEmpty());
      long goneAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      System.out.printf("records of the killed node left after %d ms (TTL %d s)%n", goneAfterMs, ttl);
    }
  }

  private static Set<String> names(EtcdBackendService node) {
    return await(node.getRecords()).stream().map(Record::getName).collect(Collectors.toSet());
  }
}
