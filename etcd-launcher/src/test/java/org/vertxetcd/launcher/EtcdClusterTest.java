package org.vertxetcd.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdClusterTest {

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(3);

  @Test
  void aThreeMemberClusterServesFromEveryMember() {
    EtcdCluster cluster = etcd.cluster();
    assertEquals(3, cluster.endpoints().size());
    cluster.etcdctl("put", "/launcher/a", "1");
    for (EtcdMember member : cluster.members()) {
      assertTrue(cluster.etcdctlAt(List.of(member.clientUrl()), "get", "/launcher/a").contains("1"), member.name());
    }
  }

  @Test
  void killingTheLeaderElectsAnotherAndItsDataSurvivesARestart() throws Exception {
    EtcdCluster cluster = etcd.cluster();
    int leader = cluster.leaderIndex();
    assertTrue(leader >= 0);
    EtcdMember killed = cluster.member(leader);
    killed.kill();
    assertFalse(killed.isRunning());

    int next = await().atMost(Duration.ofSeconds(15)).until(cluster::leaderIndex, index -> index >= 0);
    assertNotEquals(leader, next);
    cluster.etcdctl("put", "/launcher/written-while-down", "yes");

    killed.start();
    cluster.awaitHealthy(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertTrue(cluster
      .etcdctlAt(List.of(killed.clientUrl()), "get", "--consistency=s", "/launcher/written-while-down")
      .contains("yes"), "the restarted member catches up"));
  }

  @Test
  void aPausedMemberStopsAnsweringUntilResumed() throws Exception {
    EtcdCluster cluster = etcd.cluster();
    EtcdMember member = cluster.member(0);
    member.pause();
    try {
      assertThrows(IllegalStateException.class,
        () -> cluster.etcdctlAt(List.of(member.clientUrl()), "--command-timeout=1s", "get", "/x"));
      assertTrue(member.isRunning(), "a paused process is alive");
    } finally {
      member.resume();
    }
    cluster.awaitHealthy(Duration.ofSeconds(30));
  }

  @Test
  void waitsForHealthAndCommandsKeepTheirTimeoutsWhileAMemberDoesNotAnswer() throws Exception {
    EtcdCluster cluster = etcd.cluster();
    EtcdMember member = cluster.member(2);
    member.pause();
    try {
      // A paused member accepts connections and never answers: each etcdctl probe would wait its 5 s command timeout.
      long start = System.nanoTime();
      assertThrows(IOException.class, () -> cluster.awaitHealthy(Duration.ofSeconds(1)));
      assertTrue(elapsedSince(start).compareTo(Duration.ofSeconds(3)) < 0, "awaitHealthy(1 s) gave up after "
        + elapsedSince(start));

      start = System.nanoTime();
      assertThrows(IllegalStateException.class, () -> cluster.etcdctlAt(List.of(member.clientUrl()),
        Duration.ofSeconds(1), "--command-timeout=30s", "get", "/x"));
      assertTrue(elapsedSince(start).compareTo(Duration.ofSeconds(3)) < 0, "etcdctlAt(1 s) gave up after "
        + elapsedSince(start));
    } finally {
      member.resume();
    }
    cluster.awaitHealthy(Duration.ofSeconds(30));
  }

  @Test
  void aStoppedMemberRestartsOnItsData() throws Exception {
    EtcdCluster cluster = etcd.cluster();
    cluster.etcdctl("put", "/launcher/kept", "v");
    EtcdMember member = cluster.member(1);
    member.restart();
    cluster.awaitHealthy(Duration.ofSeconds(30));
    assertTrue(cluster.etcdctlAt(List.of(member.clientUrl()), "get", "/launcher/kept").contains("v"));
  }

  @Test
  void aMissingBinaryIsReportedWithHowToInstallIt() {
    IllegalStateException error = assertThrows(IllegalStateException.class,
      () -> EtcdCluster.builder().binary("/nonexistent/etcd").build());
    assertTrue(error.getMessage().contains("apt-get install -y etcd-server etcd-client"), error.getMessage());
  }

  @Test
  void etcdDoesNotOutliveAKilledJvm() throws Exception {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
      ClusterHolder.class.getName(), "1").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.startsWith("pids "));
      assertTrue(line != null, "the holder JVM started etcd");
      List<Long> pids = Arrays.stream(line.substring(5).split(",")).map(Long::parseLong).collect(Collectors.toList());
      assertTrue(pids.stream().allMatch(pid -> ProcessHandle.of(pid).isPresent()));

      new ProcessBuilder("kill", "-KILL", Long.toString(holder.pid())).start().waitFor();

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertTrue(
        pids.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)),
        "etcd processes must die with the JVM that started them"));
    } finally {
      holder.destroyForcibly();
    }
  }

  private static Duration elapsedSince(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
