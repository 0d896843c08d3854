package org.vertxetcd.discovery.tests;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.ClusterStatus;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.support.BackendConfig;
import org.vertxetcd.launcher.EtcdExtension;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * What an operator's console asks of the registry: the cluster's members and leader, a record's lease and its time
 * left, against a real 3-member cluster.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OperatorApiTest {

  private static final int TTL = 5;

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(3);

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  @Test
  void theClusterStatusNamesEveryMemberAndTheLeader() {
    EtcdRegistry registry = EtcdRegistry.create(vertx, config());
    ClusterStatus status = await(registry.clusterStatus());
    assertEquals(etcd.cluster().members().stream().map(member -> member.name()).collect(Collectors.toSet()),
      status.members().stream().map(ClusterStatus.Member::name).collect(Collectors.toSet()));
    assertEquals(1, status.members().stream().filter(ClusterStatus.Member::leader).count(), "one leader");
    assertEquals(etcd.cluster().member(etcd.cluster().leaderIndex()).name(), status.leader().name());
    assertTrue(status.members().stream().allMatch(member -> member.dbSizeBytes() > 0 && member.error() == null));
    assertEquals(Set.of(), Set.copyOf(status.alarms()));

    etcd.cluster().member((etcd.cluster().leaderIndex() + 1) % 3).kill();
    ClusterStatus degraded = await(registry.clusterStatus());
    assertEquals(1, degraded.members().stream().filter(member -> member.error() != null).count(),
      "a member down says why: " + degraded.toJson());
  }

  @Test
  void aRecordsLeaseAndItsTimeLeft() {
    JsonObject config = config();
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config));
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);
    Record record = await(discovery.publish(new Record().setName("svc")));
    long lease = registry.leaseOf(record.getRegistration());
    assertEquals(registry.health().leaseId(), lease, "the record is bound to the node's lease");
    long left = await(registry.leaseTimeToLive(lease));
    assertTrue(left > 0 && left <= TTL, left + " s left of a " + TTL + " s lease");

    etcd.etcdctl("lease", "revoke", Long.toHexString(lease));
    assertEquals(-1L, await(registry.leaseTimeToLive(lease)), "a revoked lease has no time left");
    await().atMost(Duration.ofSeconds(10)).until(() -> registry.leaseOf(record.getRegistration()) != lease
      && registry.leaseOf(record.getRegistration()) != 0);
  }

  private static JsonObject config() {
    return BackendConfig.forCluster(etcd, EtcdExtension.newPrefix()).put("ttl", TTL);
  }
}
