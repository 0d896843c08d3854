package org.vertxetcd.discovery.tests;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;
import org.vertxetcd.discovery.support.ChangeLog;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.EtcdHistory;
import org.vertxetcd.discovery.support.Invariants;
import org.vertxetcd.discovery.support.LookupProbe;
import org.vertxetcd.discovery.support.MemberMetrics;
import org.vertxetcd.discovery.support.ScriptedEtcd;
import org.vertxetcd.discovery.support.NodeProcess;
import org.vertxetcd.discovery.support.TestNode;
import org.vertxetcd.discovery.support.Workload;
import org.vertxetcd.launcher.EtcdCluster;
import org.vertxetcd.launcher.EtcdMember;
import org.vertxetcd.launcher.FaultProxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;
import static org.vertxetcd.discovery.support.TestSupport.awaitFailure;

/**
 * Each etcd fault the registry must heal from, against a real 3-member cluster whose members can also be cut off
 * from their peers. Every test on the cluster ends by checking the invariants (see {@link Invariants}) and leaves the
 * cluster whole for the next one; a protocol corner case no real cluster shows reliably runs against a scripted
 * member ({@link ScriptedEtcd}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FaultInjectionTest {

  static final int TTL = 3;
  private static final long REQUEST_TIMEOUT = 2_000;
  private static final Duration POLL = Duration.ofMillis(10);
  /** How long jetcd 0.8.6 waits before it resumes a watch by itself after an error. */
  private static final Duration JETCD_RESUME_DELAY = Duration.ofMillis(500);

  /** The election timeout of the cluster, in milliseconds. */
  private static final int ELECTION_MS = 500;
  /**
   * How long nodes whose watch runs through a member cut off from its peers may take to notice: the member loses its
   * leader within an election timeout or two, etcd then ends its require-leader streams after three more (its
   * monitor counts them once per election timeout, so up to four), and the node learns of it at once: eight.
   */
  private static final Duration ISOLATION_NOTICED = Duration.ofMillis(8L * ELECTION_MS);

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(3, builder -> builder.partitionable()
      .raftTimings(50, ELECTION_MS))
    .withConfig(new JsonObject().put("ttl", TTL).put("requestTimeout", REQUEST_TIMEOUT));

  private static EtcdHistory history;

  private final List<FaultProxy> proxies = new ArrayList<>();
  private String prefix;

  @BeforeAll
  static void openHistory() {
    history = new EtcdHistory(etcd.endpoints());
  }

  @AfterAll
  static void closeHistory() {
    history.close();
  }

  @BeforeEach
  void setUp() {
    prefix = etcd.prefix();
  }

  /** Every member running again; the nodes and proxies of the test are closed after this, by the extension. */
  @AfterEach
  void restoreTheCluster() throws Exception {
    for (EtcdMember member : etcd.cluster().members()) {
      if (member.isIsolated()) {
        member.reconnect();
      }
      member.resume();
      member.start();
    }
    etcd.cluster().awaitHealthy(Duration.ofSeconds(30));
  }

  @Test
  void killingTheLeaderWhileRecordsAreWrittenAndWatched() throws Exception {
    TestNode writer = etcd.node("writer");
    TestNode watcher = etcd.node("watcher");
    Workload workload = Workload.start(writer, 4);
    await().atMost(Duration.ofSeconds(10)).until(() -> workload.succeeded() > 30);

    EtcdCluster cluster = etcd.cluster();
    int leader = cluster.leaderIndex();
    cluster.member(leader).kill();
    long killed = System.nanoTime();
    int writesAtKill = workload.succeeded();
    await().atMost(Duration.ofSeconds(20)).pollInterval(POLL).until(() -> workload.succeeded() > writesAtKill);
    figure("leader killed: writes succeed again after", killed);
    await().atMost(Duration.ofSeconds(20)).until(() -> workload.succeeded() > writesAtKill + 30);

    cluster.member(leader).start();
    cluster.awaitHealthy(Duration.ofSeconds(30));
    System.out.println("leader kill: " + workload.stop());
    Invariants.check(history, prefix, List.of(writer, watcher));
  }

  @Test
  void pausingTwoOfThreeMembersForLongerThanTheTtl() throws Exception {
    TestNode writer = etcd.node("writer");
    TestNode watcher = etcd.node("watcher");
    publish(writer, 5);
    List<Record> before = await(writer.discovery().getRecords(record -> true, true));

    EtcdCluster cluster = etcd.cluster();
    cluster.member(1).pause();
    cluster.member(2).pause();
    // Without quorum, nothing is written and no lease is confirmed: wait until a whole TTL passed unconfirmed.
    await().atMost(Duration.ofSeconds(30)).until(() ->
      writer.health().lease() == RegistryHealth.LeaseState.UNCONFIRMED);
    assertEquals(before.size(), await(writer.discovery().getRecords(record -> true, true)).size(),
      "lookups answer from the last good view");
    assertEquals(Reason.TIMEOUT, awaitFailure(writer.publish("svc")).reason(), "writes fail after the timeout");

    cluster.member(1).resume();
    cluster.member(2).resume();
    long resumed = System.nanoTime();
    await().atMost(Duration.ofSeconds(30)).pollInterval(POLL).until(() -> writer.health().healthy()
      && watcher.health().healthy());
    figure("two of three members paused beyond the TTL: nodes healthy again after resume", resumed);
    Invariants.check(history, prefix, List.of(writer, watcher));
    assertTrue(writer.stateChanges().contains("LEASE_UNCONFIRMED"), writer.stateChanges().toString());
  }

  @Test
  void killingTheWholeClusterForLongerThanTheTtlAndRestartingItOnItsData() throws Exception {
    TestNode writer = etcd.node("writer");
    TestNode watcher = etcd.node("watcher");
    // The view to keep while etcd is down is the complete one: the watcher must have seen every record first.
    publishSeenBy(writer, 5, watcher);
    int recordsBefore = await(watcher.discovery().getRecords(record -> true, true)).size();

    EtcdCluster cluster = etcd.cluster();
    cluster.members().forEach(EtcdMember::kill);
    await().atMost(Duration.ofSeconds(30)).until(() ->
      writer.health().lease() == RegistryHealth.LeaseState.UNCONFIRMED
        && writer.health().view() == RegistryHealth.ViewState.STALE);
    assertEquals(recordsBefore, await(watcher.discovery().getRecords(record -> true, true)).size(),
      "lookups answer from the last good view while etcd is down");
    EtcdDiscoveryException write = awaitFailure(writer.publish("svc"));
    assertTrue(write.reason() == Reason.TIMEOUT || write.reason() == Reason.ETCD_ERROR, write.getMessage());

    for (EtcdMember member : cluster.members()) {
      member.start();
    }
    cluster.awaitHealthy(Duration.ofSeconds(30));
    long restarted = System.nanoTime();
    await().atMost(Duration.ofSeconds(30)).pollInterval(POLL).until(() -> writer.health().healthy()
      && watcher.health().healthy());
    figure("whole cluster restarted on its data: nodes healthy again after the cluster", restarted);
    Invariants.check(history, prefix, List.of(writer, watcher));
  }

  @Test
  void cuttingOneClientOffForLongerThanTheTtlThenHealing() throws Exception {
    TestNode isolated = node("isolated", proxiedEndpoints());
    TestNode observer = etcd.node("observer");
    Set<String> registrations = publishSeenBy(isolated, 3, observer);

    proxies.forEach(FaultProxy::cut);
    long cut = System.nanoTime();
    await().atMost(Duration.ofSeconds(TTL + 5)).pollInterval(POLL).until(() ->
      left(observer).containsAll(registrations));
    figure("client cut off: others see its records leave after (TTL " + TTL + " s)", cut);
    assertEquals(3, await(isolated.discovery().getRecords(record -> true, true)).size(),
      "the isolated node still answers from its last good view");
    proxies.forEach(FaultProxy::heal);
    long healed = System.nanoTime();

    await().atMost(Duration.ofSeconds(20)).pollInterval(POLL).until(() -> joinCount(observer, registrations) == 6);
    figure("client reconnected: others see its records join again after the heal", healed);
    Invariants.check(history, prefix, List.of(isolated, observer));
    assertTrue(isolated.stateChanges().containsAll(List.of("LEASE_LOST", "LEASE_RESTORED")),
      isolated.stateChanges().toString());
  }

  @Test
  void revokingANodesLeaseFromOutside() throws Exception {
    TestNode owner = etcd.node("owner");
    TestNode observer = etcd.node("observer");
    Set<String> registrations = publishSeenBy(owner, 3, observer);

    etcd.etcdctl("lease", "revoke", Long.toHexString(owner.health().leaseId()));
    long revoked = System.nanoTime();

    await().atMost(Duration.ofSeconds(10)).pollInterval(POLL).until(() -> joinCount(observer, registrations) == 6
      && owner.stateChanges().contains("LEASE_RESTORED"));
    figure("lease revoked from outside: records registered again (as seen by others) after", revoked);
    assertEquals(registrations, left(observer));
    Invariants.check(history, prefix, List.of(owner, observer));
    assertEquals(registrations, Set.copyOf(history.registrationsOfLease(prefix, owner.health().leaseId())),
      "the same registration ids under the new lease");
  }

  @Test
  void compactingPastADisconnectedWatchersRevision() throws Exception {
    TestNode writer = etcd.node("writer");
    TestNode watcher = node("watcher", proxiedEndpoints());
    List<String> kept = new ArrayList<>(publishSeenBy(writer, 4, watcher));

    proxies.forEach(FaultProxy::cutAndReset);
    await().atMost(Duration.ofSeconds(15)).until(() -> watcher.health().view() == RegistryHealth.ViewState.STALE);
    int eventsBefore = watcher.events().size();
    String removed = kept.remove(0);
    await(writer.unpublish(removed));
    await(writer.update(kept.get(0), 42));
    Set<String> added = publish(writer, 2);
    String shortLived = await(writer.publish("svc")).getRegistration();
    await(writer.unpublish(shortLived));
    history.compact(history.currentRevision());

    proxies.forEach(FaultProxy::heal);
    long healed = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).pollInterval(POLL).until(() -> joined(watcher).containsAll(added));
    figure("watcher behind a compaction: the difference is published after reconnecting", healed);
    Invariants.check(history, prefix, List.of(writer, watcher), false);
    List<EtcdHistory.Change> diff = watcher.events().subList(eventsBefore, watcher.events().size());
    assertEquals(Set.of(removed), ChangeLog.registrations(diff, RegistryEventType.LEAVE));
    assertEquals(Set.of(kept.get(0)), ChangeLog.registrations(diff, RegistryEventType.UPDATE));
    assertEquals(added, ChangeLog.registrations(diff, RegistryEventType.JOIN),
      "the difference, not the history: a record born and gone while disconnected is not reported");
  }

  /**
   * A watch created from a past revision whose member dies right after "created": jetcd resumes by itself from the
   * header revision of "created", which skips every event in between. A scripted member makes it happen every run:
   * the registry lists at revision 10, its watch is created when etcd is at 100 with 30 records written under the
   * prefix since, and the stream drops. The watch must be created again from the last revision applied + 1.
   */
  @Test
  void aWatchDroppedRightAfterCreatedResumesFromTheLastAppliedRevision() throws Exception {
    ScriptedEtcd.Builder script = ScriptedEtcd.builder().listedAt(10).dropAfterCreated(1);
    Set<String> before = Set.of("before-1", "before-2");
    before.forEach(registration -> script.listed(keyOf(registration), valueOf(registration)));
    List<String> missed = IntStream.range(0, 30).mapToObj(i -> "missed-" + i).collect(Collectors.toList());
    missed.forEach(registration -> script.later(keyOf(registration), valueOf(registration)));
    ScriptedEtcd member = etcd.closeAfterTest(script.currentRevision(100).start());
    TestNode watcher = node("watcher", List.of(member.endpoint()));

    await().atMost(etcd.delivery()).pollInterval(POLL).untilAsserted(() -> assertTrue(
      joined(watcher).containsAll(missed), () -> "the events after the list arrive; the watch creates asked for "
        + member.watchStartRevisions()));
    figure("watch dropped right after 'created': the missed events arrive after", member.droppedAtNanos());
    // jetcd's own resume comes 500 ms after the error: long enough to see any create it would add.
    await().during(JETCD_RESUME_DELAY.multipliedBy(2)).atMost(JETCD_RESUME_DELAY.multipliedBy(4))
      .until(() -> member.watchStartRevisions().equals(List.of(11L, 11L)));
    List<EtcdHistory.Change> events = watcher.events();
    assertEquals(missed, events.stream().map(EtcdHistory.Change::registration).collect(Collectors.toList()),
      "one JOIN per missed record, in revision order");
    assertEquals(LongStream.rangeClosed(11, 40).boxed().collect(Collectors.toList()),
      events.stream().map(EtcdHistory.Change::revision).collect(Collectors.toList()));
    Set<String> view = await(watcher.registry().snapshot()).records().stream().map(Record::getRegistration)
      .collect(Collectors.toSet());
    assertEquals(Stream.concat(before.stream(), missed.stream()).collect(Collectors.toSet()), view);
  }

  private String keyOf(String registration) {
    return prefix + "/svc/" + registration;
  }

  private static String valueOf(String registration) {
    return new Record().setName("svc").setRegistration(registration).setStatus(Status.UP).toJson().encode();
  }

  /**
   * A member cut off from its peers while clients still reach it: it has no leader, so etcd ends the require-leader
   * watches it serves; the nodes whose watch ran there notice within a few seconds, watch again on another member
   * from the last revision they applied and miss nothing, and meanwhile every lookup answers from the view. Every node
   * has all three endpoints: jetcd balances calls and streams over them round robin.
   */
  @Test
  void isolatingAMemberFromItsPeersWhileClientsStillReachIt() throws Exception {
    TestNode writer = etcd.node("writer");
    List<TestNode> nodes = List.of(writer, etcd.node("watcher-1"), etcd.node("watcher-2"));
    Workload workload = Workload.start(writer, 2);
    await().atMost(Duration.ofSeconds(10)).until(() -> workload.succeeded() > 20);
    // The member serving the most watch streams carries at least one node's watch (each node has one).
    EtcdCluster cluster = etcd.cluster();
    EtcdMember isolated = cluster.members().get(0);
    long watchesThere = -1;
    for (EtcdMember member : cluster.members()) {
      long streams = MemberMetrics.of(member).watchStreams();
      if (streams > watchesThere) {
        isolated = member;
        watchesThere = streams;
      }
    }
    Map<TestNode, Long> staleBefore = nodes.stream()
      .collect(Collectors.toMap(node -> node, FaultInjectionTest::stales));
    List<LookupProbe<TestNode.ViewAnswer>> probes = nodes.stream()
      .map(node -> etcd.closeAfterTest(node.lookupProbe(etcd.lookupBound()))).toList();

    isolated.isolate();
    long isolatedAt = System.nanoTime();
    long watchesToMove = watchesThere;
    await().atMost(ISOLATION_NOTICED).pollInterval(POLL).until(() -> nodes.stream()
      .filter(node -> stales(node) > staleBefore.get(node)).count() >= watchesToMove);
    figure("member isolated from its peers: the nodes watching through it (" + watchesToMove + " of "
      + nodes.size() + ") noticed after", isolatedAt);
    await().atMost(ISOLATION_NOTICED.plus(etcd.delivery())).pollInterval(POLL).until(() -> nodes.stream()
      .allMatch(node -> node.health().view() == RegistryHealth.ViewState.FRESH));
    figure("member isolated from its peers: their watches follow etcd again, through another member, after",
      isolatedAt);
    probes.forEach(probe -> probe.stop().assertNoViolation());

    isolated.reconnect();
    cluster.awaitHealthy(Duration.ofSeconds(30));
    System.out.println("member isolated: " + workload.stop());
    Invariants.check(history, prefix, nodes);
  }

  /** @return how many times the node's view went stale so far */
  private static long stales(TestNode node) {
    return node.stateChanges().stream().filter("VIEW_STALE"::equals).count();
  }

  @Test
  void pausingAClientProcessForLongerThanTheTtl() throws Exception {
    TestNode observer = etcd.node("observer");
    NodeProcess paused = etcd.process("paused");
    Set<String> registrations = Set.copyOf(paused.publish("svc", 3));
    awaitJoined(observer, registrations);

    paused.pause();
    long pausedAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(TTL + 2)).pollInterval(POLL).until(() ->
      left(observer).containsAll(registrations));
    figure("client process paused: others see its records leave after (TTL " + TTL + " s)", pausedAt);
    paused.resume();
    long resumed = System.nanoTime();

    await().atMost(Duration.ofSeconds(20)).pollInterval(POLL).until(() -> joinCount(observer, registrations) == 6);
    figure("client process resumed: others see its records join again after", resumed);
    Invariants.check(history, prefix, List.of(observer));
    JsonArray records = (JsonArray) paused.call(new JsonObject().put("cmd", "records"));
    assertEquals(registrations, records.stream().map(json -> ((JsonObject) json).getString("registration"))
      .collect(Collectors.toSet()), "the resumed process registered the same records again");
  }

  private static TestNode node(String name, List<String> endpoints) {
    return etcd.node(name, etcd.config(endpoints));
  }

  private List<String> proxiedEndpoints() throws Exception {
    List<String> endpoints = new ArrayList<>();
    for (EtcdMember member : etcd.cluster().members()) {
      endpoints.add(proxy(member).url());
    }
    return endpoints;
  }

  private FaultProxy proxy(EtcdMember member) throws Exception {
    FaultProxy proxy = etcd.proxy(member);
    proxies.add(proxy);
    return proxy;
  }

  private static Set<String> publish(TestNode node, int count) {
    List<Future<Record>> published = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      published.add(node.publish("svc"));
    }
    await(Future.all(published));
    return published.stream().map(future -> future.result().getRegistration()).collect(Collectors.toSet());
  }

  /** Publishes records and waits until another node's watch delivered them. */
  private static Set<String> publishSeenBy(TestNode writer, int count, TestNode observer) {
    Set<String> registrations = publish(writer, count);
    awaitJoined(observer, registrations);
    return registrations;
  }

  private static void awaitJoined(TestNode observer, Set<String> registrations) {
    await().atMost(etcd.delivery()).until(() -> joined(observer).containsAll(registrations));
  }

  private static long joinCount(TestNode node, Set<String> registrations) {
    return node.events().stream().filter(event -> event.type() == RegistryEventType.JOIN)
      .filter(event -> registrations.contains(event.registration())).count();
  }

  /** Prints a measured duration; the README's failure table quotes these lines. */
  private static void figure(String what, long startNanos) {
    System.out.printf("FIGURE %s: %d ms%n", what, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
  }

  private static Set<String> joined(TestNode node) {
    return ChangeLog.registrations(node.events(), RegistryEventType.JOIN);
  }

  private static Set<String> left(TestNode node) {
    return ChangeLog.registrations(node.events(), RegistryEventType.LEAVE);
  }
}
