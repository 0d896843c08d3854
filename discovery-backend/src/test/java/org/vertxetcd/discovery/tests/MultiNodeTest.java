package org.vertxetcd.discovery.tests;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.NodeProcess;

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

  private static final int TTL = 10;

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1).withConfig(new JsonObject().put("ttl", TTL));

  private Vertx vertxA;
  private EtcdBackendService nodeA;
  private EtcdBackendService nodeB;

  @BeforeEach
  void setUp() {
    vertxA = etcd.vertx();
    nodeA = etcd.backend(vertxA);
    nodeB = etcd.backend(etcd.vertx());
  }

  @Test
  void twoVertxInstancesSeeEachOthersRecords() {
    Record fromA = await(nodeA.store(new Record().setName("a").setMetadata(new JsonObject().put("by", "A"))));
    Record fromB = await(nodeB.store(new Record().setName("b")));

    await().atMost(etcd.delivery()).untilAsserted(() -> {
      assertEquals("A", await(nodeB.getRecord(fromA.getRegistration())).getMetadata().getString("by"));
      assertEquals("b", await(nodeA.getRecord(fromB.getRegistration())).getName());
    });

    fromA.getMetadata().put("by", "A, updated");
    await(nodeA.update(fromA));
    await().atMost(etcd.delivery()).untilAsserted(() ->
      assertEquals("A, updated", await(nodeB.getRecord(fromA.getRegistration())).getMetadata().getString("by")));

    await(nodeB.remove(fromA.getRegistration()));
    await().atMost(etcd.delivery()).untilAsserted(() ->
      assertEquals(Set.of("b"), names(nodeA)));
  }

  @Test
  void theRecordsOfAClosedVertxLeaveTheOthersViewAtOnce() {
    for (int i = 0; i < 3; i++) {
      await(nodeA.store(new Record().setName("a")));
    }
    await(nodeB.store(new Record().setName("b")));
    await().atMost(etcd.delivery()).until(() -> names(nodeB).contains("a"));

    await(vertxA.close());

    // A lease cannot expire before two thirds of its TTL after the last keep-alive: leaving within half the TTL
    // means the close revoked it.
    await().atMost(Duration.ofSeconds(TTL).dividedBy(2)).untilAsserted(() -> assertEquals(Set.of("b"), names(nodeB)));
  }

  @Test
  void aKilledNodeProcessLeavesWithinTheTtl() throws Exception {
    int ttl = 3;
    NodeProcess node = etcd.process("node-1", etcd.config().put("ttl", ttl));
    List<String> registrations = node.publish("svc", 2);
    await().atMost(etcd.delivery()).untilAsserted(() -> assertEquals(Set.copyOf(registrations),
      await(nodeB.getRecords()).stream().map(Record::getRegistration).collect(Collectors.toSet())));

    node.kill();
    long killedAt = System.nanoTime();

    // The lease expires at most a TTL after the last keep-alive before the kill; one keep-alive interval of slack.
    await().atMost(Duration.ofSeconds(ttl).plus(Duration.ofSeconds(ttl).dividedBy(3)))
      .until(() -> await(nodeB.getRecords()).isEmpty());
    long goneAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    System.out.printf("records of the killed node left after %d ms (TTL %d s)%n", goneAfterMs, ttl);
  }

  private static Set<String> names(EtcdBackendService node) {
    return await(node.getRecords()).stream().map(Record::getName).collect(Collectors.toSet());
  }
}
