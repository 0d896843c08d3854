package org.vertxetcd.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A member cut off from its peers while its clients still reach it, against a real 3-member cluster. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdPartitionTest {

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(3, builder -> builder.partitionable().raftTimings(50, 500));

  @Test
  void anIsolatedLeaderLosesItsQuorumTheOthersWriteAndItCatchesUpWhenReconnected() throws Exception {
    EtcdCluster cluster = etcd.cluster();
    int leader = await().atMost(Duration.ofSeconds(10)).until(cluster::leaderIndex, index -> index >= 0);
    assertIsolatedMemberLagsAndCatchesUp(cluster, cluster.member(leader), "/partition/leader");
  }

  @Test
  void anIsolatedFollowerLosesItsLeaderAndCatchesUpWhenReconnected() throws Exception {
    EtcdCluster cluster = etcd.cluster();
    int leader = await().atMost(Duration.ofSeconds(10)).until(cluster::leaderIndex, index -> index >= 0);
    assertIsolatedMemberLagsAndCatchesUp(cluster, cluster.member((leader + 1) % 3), "/partition/follower");
  }

  @Test
  void thePeerProxiesStopWithTheCluster() throws Exception {
    EtcdCluster cluster = EtcdCluster.builder().members(1).partitionable().build();
    int proxyPort = URI.create(cluster.member(0).peerUrl()).getPort();
    assertNotEquals(URI.create(cluster.member(0).listenPeerUrl()).getPort(), proxyPort, "peers dial the proxy");
    assertTrue(cluster.peerNetwork().isListening(), "the proxies listen once the cluster is built");

    cluster.close();

    // Not told by the port: once closed, it may be any other socket's (even a connection's source port).
    assertFalse(cluster.peerNetwork().isListening(), "the proxies are closed with the cluster");
  }

  @Test
  void membersOfAClusterThatIsNotPartitionableCannotBeIsolated() throws Exception {
    try (EtcdCluster cluster = EtcdCluster.builder().members(1).build()) {
      IllegalStateException error = assertThrows(IllegalStateException.class, () -> cluster.member(0).isolate());
      assertTrue(error.getMessage().contains("partitionable()"), error.getMessage());
      assertFalse(cluster.member(0).isIsolated());
    }
  }

  private static void assertIsolatedMemberLagsAndCatchesUp(EtcdCluster cluster, EtcdMember isolated, String key)
    throws IOException {
    EtcdMember other = cluster.members().stream().filter(member -> member != isolated).findFirst().orElseThrow();
    isolated.isolate();
    try {
      assertTrue(isolated.isIsolated());
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        MemberStatus cutOff = isolated.status();
        MemberStatus majority = other.status();
        assertTrue(!cutOff.hasLeader() || cutOff.raftTerm() < majority.raftTerm(),
          "the isolated member knows no leader, or only a stale one: " + cutOff + ", majority " + majority);
      });
      assertThrows(IllegalStateException.class, () -> cluster.etcdctlAt(List.of(isolated.clientUrl()),
        "--command-timeout=1s", "put", key + "/through-isolated", "lost"), "a write through the isolated member");
      // The majority may still be electing a leader to replace an isolated one.
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> cluster.etcdctlAt(List.of(other.clientUrl()),
        Duration.ofSeconds(3), "put", key + "/meanwhile", "written"));
      assertTrue(isolated.isRunning(), "isolation leaves the process alone");
    } finally {
      isolated.reconnect();
    }
    assertFalse(isolated.isIsolated());
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertTrue(cluster.etcdctlAt(
      List.of(isolated.clientUrl()), Duration.ofSeconds(3), "get", key + "/meanwhile").contains("written"),
      "the reconnected member reads what the others wrote meanwhile"));
    cluster.awaitHealthy(Duration.ofSeconds(30));
  }
}
