package org.vertxetcd.discovery.tests;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.LookupProbe;
import org.vertxetcd.discovery.support.TestNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Lookups answer from the node's view: they never wait for etcd, nor for the view to catch up with a burst of
 * changes. So they stay fast on every node while 25,000 records leave (their lease revoked from outside) and come
 * back (registered again by their node, with put-if-absent batches).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LookupLatencyTest {

  /** What every lookup must take at most, on every node, at every moment (the bound the issue asks for). */
  private static final Duration LOOKUP_BOUND = Duration.ofMillis(100);
  private static final int RECORDS = 25_000;
  /**
   * Published in waves: the records are the set-up, not what is tested (waves of 5,000 were refused now and then with
   * TIMEOUT on etcd 3.5, and once let the lease expire while the registry's event loop was held up).
   */
  private static final int WAVE = 1_000;
  /** How long the work on 25,000 records (publishing, re-registering, following on the other node) may take. */
  private static final Duration WORK = Duration.ofSeconds(60);

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1).withConfig(new JsonObject().put("ttl", 10));

  @Test
  void lookupsStayWithin100MsOnEveryNodeWhile25000RecordsLeaveAndComeBack() {
    TestNode owner = etcd.node("owner");
    TestNode other = etcd.node("other");
    Set<String> registrations = publish(owner);
    await().atMost(WORK).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      assertSameRecords(registrations, registrationsIn(etcd.prefix()), "etcd");
      assertSameRecords(registrations, viewOf(other), "the other node's view");
    });

    List<LookupProbe<TestNode.ViewAnswer>> probes = List.of(probe(owner), probe(other));
    long lease = owner.health().leaseId();
    long revokedAt = System.nanoTime();
    etcd.etcdctl("lease", "revoke", Long.toHexString(lease));
    try {
      // Every record left once and joined again, on both nodes, as etcd holds them. The counts come first: they
      // cost nothing, while listing 25,000 keys twice a second would compete with the lookups under test.
      await().atMost(WORK).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        assertEquals(RECORDS, other.count(RegistryEventType.LEAVE), "LEAVEs on the other node");
        assertEquals(2 * RECORDS, other.count(RegistryEventType.JOIN), "JOINs on the other node, before and after");
        assertSameRecords(registrations, registrationsIn(etcd.prefix()), "etcd");
        assertSameRecords(registrations, viewOf(other), "the other node's view");
        assertSameRecords(registrations, viewOf(owner), "the owner's view");
      });
      System.out.printf("FIGURE %,d records whose lease was revoked: registered again, as both nodes see it, "
        + "after %d ms%n", RECORDS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - revokedAt));
      assertNotEquals(lease, owner.health().leaseId(), "the records are under a new lease");
    } finally {
      probes.forEach(LookupProbe::stop);
      probes.forEach(probe -> System.out.printf("FIGURE lookups of %,d records while they left and came back: %s %s%n",
        RECORDS, probe.result(), probe.result().examples()));
    }
    probes.forEach(probe -> probe.result().assertNoViolation());
  }

  /** Compares two large sets of registrations, naming a few of the differences rather than printing them all. */
  private static void assertSameRecords(Set<String> expected, Set<String> actual, String holder) {
    Set<String> missing = new HashSet<>(expected);
    missing.removeAll(actual);
    Set<String> extra = new HashSet<>(actual);
    extra.removeAll(expected);
    assertTrue(missing.isEmpty() && extra.isEmpty(), () -> holder + " holds " + actual.size() + " of the "
      + expected.size() + " records; missing " + missing.size() + " (e.g. " + missing.stream().limit(3).toList()
      + "), extra " + extra.size() + " (e.g. " + extra.stream().limit(3).toList() + ")");
  }

  /** @return the registrations etcd holds under the prefix, read with etcdctl (not through a node) */
  private static Set<String> registrationsIn(String prefix) {
    return etcd.etcdctl("get", "--prefix", "--keys-only", prefix + "/").lines().filter(line -> !line.isBlank())
      .map(key -> key.substring(key.lastIndexOf('/') + 1)).collect(Collectors.toSet());
  }

  private static Set<String> publish(TestNode owner) {
    Set<String> registrations = new HashSet<>();
    for (int published = 0; published < RECORDS; published += WAVE) {
      List<Future<Record>> wave = new ArrayList<>(WAVE);
      for (int i = 0; i < WAVE; i++) {
        wave.add(owner.publish("svc"));
      }
      await(Future.all(wave));
      wave.forEach(record -> registrations.add(record.result().getRegistration()));
    }
    return registrations;
  }

  private static LookupProbe<TestNode.ViewAnswer> probe(TestNode node) {
    return etcd.closeAfterTest(node.lookupProbe(LOOKUP_BOUND));
  }

  /** @return the registrations in the node's view, read the way the probes read it (a snapshot costs more) */
  private static Set<String> viewOf(TestNode node) {
    return await(node.discovery().getRecords(record -> true, true)).stream().map(Record::getRegistration)
      .collect(Collectors.toSet());
  }
}
