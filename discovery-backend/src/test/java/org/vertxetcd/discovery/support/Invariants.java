package org.vertxetcd.discovery.support;

import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.RegistrySnapshot;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every fault test checks once the fault is over, after letting the nodes converge:
 * <ol>
 *   <li>each node's view equals what etcd holds under the prefix at the same revision;</li>
 *   <li>every live node's records are registered, under its current lease (and nothing else is);</li>
 *   <li>each node published every change exactly once, in revision order (compared with etcd's own history).</li>
 * </ol>
 */
public final class Invariants {

  private static final Duration CONVERGENCE = Duration.ofSeconds(60);

  private Invariants() {
  }

  /**
   * @param history the reference reader
   * @param prefix  the registry prefix
   * @param nodes   the live nodes
   */
  public static void check(EtcdHistory history, String prefix, List<TestNode> nodes) throws Exception {
    check(history, prefix, nodes, true);
  }

  /**
   * Like {@link #check(EtcdHistory, String, List)}; without history, only order and uniqueness of events are checked
   * (after a compaction etcd no longer holds the history to compare with).
   *
   * @param history        the reference reader
   * @param prefix         the registry prefix
   * @param nodes          the live nodes
   * @param compareHistory whether etcd still holds the whole history since the nodes started
   */
  public static void check(EtcdHistory history, String prefix, List<TestNode> nodes, boolean compareHistory)
    throws Exception {
    Map<TestNode, RegistrySnapshot> converged = new HashMap<>();
    await().atMost(CONVERGENCE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      for (TestNode node : nodes) {
        assertTrue(node.health().healthy(), node + " is healthy: " + node.health());
        assertRegistered(history, prefix, node);
        RegistrySnapshot snapshot = TestSupport.await(node.registry().snapshot());
        assertEquals(history.recordsAt(prefix, snapshot.revision()), byRegistration(snapshot.records()),
          node + "'s view equals etcd at revision " + snapshot.revision());
        converged.put(node, snapshot);
      }
    });
    for (TestNode node : nodes) {
      EventRecorder.assertInRevisionOrderWithoutDuplicates(node.events());
    }
    if (!compareHistory) {
      return;
    }
    // etcd's history, replayed once for all nodes: each published the part after its own start.
    long from = nodes.stream().mapToLong(TestNode::startRevision).min().orElseThrow();
    long to = converged.values().stream().mapToLong(RegistrySnapshot::revision).max().orElseThrow();
    List<EtcdHistory.Change> replayed = history.changesBetween(prefix, from, to);
    for (TestNode node : nodes) {
      long end = converged.get(node).revision();
      List<EtcdHistory.Change> expected = replayed.stream()
        .filter(change -> change.revision() > node.startRevision() && change.revision() <= end).toList();
      // Events reach the recorder through the event bus, a moment after the view applied them.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(expected,
        EtcdHistory.changesAfter(node.events(), node.startRevision()).stream()
          .filter(change -> change.revision() <= end).toList(),
        node + " published every change exactly once, in order"));
    }
  }

  private static void assertRegistered(EtcdHistory history, String prefix, TestNode node) throws Exception {
    long lease = node.health().leaseId();
    if (lease == 0) {
      assertTrue(node.live().isEmpty(), node + " holds records but no lease");
      return;
    }
    Set<String> registered = new HashSet<>(history.registrationsOfLease(prefix, lease));
    Set<String> missing = new HashSet<>(node.live());
    missing.removeAll(registered);
    assertTrue(missing.isEmpty(), node + "'s records are registered; missing " + missing);
    Set<String> extra = new HashSet<>(registered);
    extra.removeAll(node.live());
    extra.removeAll(node.uncertain());
    assertTrue(extra.isEmpty(), node + "'s lease holds only its records; extra " + extra);
  }

  private static Map<String, JsonObject> byRegistration(List<Record> records) {
    Map<String, JsonObject> map = new HashMap<>();
    records.forEach(record -> map.put(record.getRegistration(), record.toJson()));
    return map;
  }
}
