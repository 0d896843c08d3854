package org.vertxetcd.discovery.tests;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.spi.ServiceDiscoveryBackend;
import io.vertx.servicediscovery.spi.ServiceDiscoveryBackendTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.runner.JUnitCore;
import org.junit.runner.Result;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.support.ChangeLog;
import org.vertxetcd.discovery.support.EtcdHistory;
import org.vertxetcd.discovery.support.Invariants;
import org.vertxetcd.discovery.support.TestNode;
import org.vertxetcd.discovery.support.Workload;
import org.vertxetcd.launcher.EtcdExtension;
import org.vertxetcd.launcher.GrpcProxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * The registry through etcd's gRPC proxy ({@code etcd grpc-proxy start}), which coalesces the watches and
 * keep-alives of the clients behind it: nodes connected to the proxy only (never to a member) pass Vert.x's backend
 * conformance suite, see each other's changes, heal a lease revoked at the members, publish the difference after the
 * proxy was down while the registry changed and etcd compacted, and miss no event across a proxy restart.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GrpcProxyTest {

  private static final int TTL = 3;

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(3, builder -> builder.raftTimings(50, 500));

  private static GrpcProxy proxy;
  private static EtcdHistory history;

  private final String prefix = EtcdExtension.newPrefix();
  private final List<TestNode> nodes = new ArrayList<>();

  @BeforeAll
  static void startProxy() throws Exception {
    proxy = etcd.cluster().startGrpcProxy();
    history = new EtcdHistory(etcd.endpoints());
  }

  @AfterAll
  static void stopProxy() {
    history.close();
    proxy.close();
  }

  @AfterEach
  void closeNodesAndRestoreTheProxy() throws Exception {
    nodes.forEach(TestNode::close);
    proxy.start();
  }

  /** Vert.x's conformance suite (JUnit 4), each of its backends connected to the proxy only. */
  public static class ProxiedConformance extends ServiceDiscoveryBackendTest {

    /** Creates a backend whose only endpoint is the proxy, on a prefix of its own. */
    @Override
    protected ServiceDiscoveryBackend createBackend() {
      EtcdBackendService backend = new EtcdBackendService();
      backend.init(vertx, new EtcdBackendOptions().setEndpoints(List.of(proxy.url()))
        .setPrefix(EtcdExtension.newPrefix()));
      return backend;
    }
  }

  @Test
  void vertxConformanceSuitePassesThroughTheProxy() {
    Result result = new JUnitCore().run(ProxiedConformance.class);

    assertTrue(result.getRunCount() > 0, "the suite ran");
    assertTrue(result.wasSuccessful(), () -> result.getFailures().stream()
      .map(failure -> failure.getTestHeader() + ": " + failure.getTrace()).collect(Collectors.joining("\n")));
  }

  @Test
  void changesReachAnotherNodeThroughTheProxy() throws Exception {
    TestNode writer = proxiedNode("writer");
    TestNode reader = proxiedNode("reader");

    List<String> published = publish(writer, 3);
    await(writer.update(published.get(0), 1));
    await(writer.unpublish(published.get(1)));

    await().atMost(Duration.ofSeconds(10)).until(() -> reader.events().size() == 5);
    assertEquals(List.of(RegistryEventType.JOIN, RegistryEventType.JOIN, RegistryEventType.JOIN,
      RegistryEventType.UPDATE, RegistryEventType.LEAVE),
      reader.events().stream().map(EtcdHistory.Change::type).toList());
    Invariants.check(history, prefix, nodes);
  }

  @Test
  void aLeaseRevokedAtTheMembersHeals() throws Exception {
    TestNode owner = proxiedNode("owner");
    TestNode observer = proxiedNode("observer");
    Set<String> registrations = Set.copyOf(publish(owner, 3));
    await().atMost(Duration.ofSeconds(10)).until(() -> registrationsOf(observer, RegistryEventType.JOIN).size() == 3);
    long revoked = owner.health().leaseId();

    etcd.etcdctl("lease", "revoke", Long.toHexString(revoked));

    await().atMost(Duration.ofSeconds(15)).until(() -> owner.stateChanges().contains("LEASE_RESTORED")
      && observer.events().size() == 9);
    assertEquals(registrations, registrationsOf(observer, RegistryEventType.LEAVE), "every record left");
    assertTrue(owner.health().leaseId() != revoked, "a new lease");
    Invariants.check(history, prefix, nodes);
    assertEquals(registrations, Set.copyOf(history.registrationsOfLease(prefix, owner.health().leaseId())),
      "the same records, registered again under the new lease");
  }

  @Test
  void afterTheProxyWasDownThroughWritesAndACompactionTheDifferenceIsPublished() throws Exception {
    TestNode writer = directNode("writer");
    TestNode watcher = proxiedNode("watcher");
    List<String> kept = new ArrayList<>(publish(writer, 4));
    await().atMost(Duration.ofSeconds(10)).until(() -> registrationsOf(watcher, RegistryEventType.JOIN).size() == 4);

    proxy.stop();
    await().atMost(Duration.ofSeconds(15)).until(() -> watcher.health().view() == RegistryHealth.ViewState.STALE);
    int eventsBefore = watcher.events().size();
    String removed = kept.remove(0);
    await(writer.unpublish(removed));
    await(writer.update(kept.get(0), 42));
    Set<String> added = Set.copyOf(publish(writer, 2));
    String shortLived = await(writer.publish("svc")).getRegistration();
    await(writer.unpublish(shortLived));
    history.compact(history.currentRevision());
    proxy.start();

    await().atMost(Duration.ofSeconds(20)).until(() -> registrationsOf(watcher, RegistryEventType.JOIN)
      .containsAll(added));
    Invariants.check(history, prefix, nodes, false);
    List<EtcdHistory.Change> difference = watcher.events().subList(eventsBefore, watcher.events().size());
    assertEquals(Set.of(removed), ChangeLog.registrations(difference, RegistryEventType.LEAVE));
    assertEquals(Set.of(kept.get(0)), ChangeLog.registrations(difference, RegistryEventType.UPDATE));
    assertEquals(added, ChangeLog.registrations(difference, RegistryEventType.JOIN),
      "the difference, not the history: a record born and gone meanwhile is not reported");
  }

  @Test
  void nodesResumeAfterAProxyRestartWithoutMissingAnEvent() throws Exception {
    TestNode proxiedWriter = proxiedNode("proxied-writer");
    TestNode directWriter = directNode("direct-writer");
    TestNode watcher = proxiedNode("watcher");
    Workload proxiedWrites = Workload.start(proxiedWriter, 2);
    Workload directWrites = Workload.start(directWriter, 2);
    await().atMost(Duration.ofSeconds(10)).until(() -> proxiedWrites.succeeded() > 20);

    proxy.stop();
    int directBefore = directWrites.succeeded();
    await().atMost(Duration.ofSeconds(10)).until(() -> directWrites.succeeded() > directBefore + 20);
    proxy.start();
    int proxiedAfterRestart = proxiedWrites.succeeded();
    await().atMost(Duration.ofSeconds(20)).until(() -> proxiedWrites.succeeded() > proxiedAfterRestart + 20);
    proxiedWrites.stop();
    directWrites.stop();

    assertTrue(watcher.events().size() > 0, "the watcher followed the writes");
    Invariants.check(history, prefix, nodes);
  }

  private TestNode proxiedNode(String name) {
    return node(name, List.of(proxy.url()));
  }

  private TestNode directNode(String name) {
    return node(name, etcd.endpoints());
  }

  private TestNode node(String name, List<String> endpoints) {
    TestNode node = TestNode.start(name, new JsonObject().put("backend-name", "etcd")
      .put("endpoints", new JsonArray(endpoints)).put("prefix", prefix).put("ttl", TTL).put("requestTimeout", 2_000));
    nodes.add(node);
    return node;
  }

  private static List<String> publish(TestNode node, int count) {
    return IntStream.range(0, count).mapToObj(i -> await(node.publish("svc")).getRegistration()).toList();
  }

  private static Set<String> registrationsOf(TestNode node, RegistryEventType type) {
    return ChangeLog.registrations(node.events(), type);
  }
}
