package org.vertxetcd.discovery.tests;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.EtcdHistory;
import org.vertxetcd.discovery.support.EventRecorder;
import org.vertxetcd.discovery.support.NodeProcess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Events between separate JVM processes: joins, graceful and violent departures, and a burst of changes from several
 * writers.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ProcessEventsTest {

  private static final int TTL = 3;
  /**
   * The TTL of a node that shuts down gracefully: its records must leave long before its lease could expire (at
   * least two thirds of a TTL after the close, keep-alives going every third), so only a revoked lease explains it.
   */
  private static final int GRACEFUL_TTL = 10;

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1).withConfig(new JsonObject().put("ttl", TTL));

  private EventRecorder events;

  @BeforeEach
  void setUp() {
    Vertx subscriber = etcd.vertx();
    events = EventRecorder.listen(subscriber, EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS);
    await(EtcdRegistry.create(subscriber, etcd.config()).snapshot());
  }

  @Test
  void anotherProcessJoinsThenLeavesBeforeItsLeaseCouldExpireAfterAGracefulShutdown() throws Exception {
    NodeProcess node = etcd.process("node-a", etcd.config().put("ttl", GRACEFUL_TTL));
    Set<String> registrations = publishSeen(node, 3);

    long closing = System.nanoTime();
    node.requestClose();

    await().atMost(Duration.ofSeconds(GRACEFUL_TTL).dividedBy(2)).pollInterval(Duration.ofMillis(5))
      .until(() -> registrationsOf(RegistryEventType.LEAVE).equals(registrations));
    System.out.printf("LEAVEs after a graceful shutdown arrived %d ms after the close command%n",
      TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing));
    node.awaitExit();
    assertTrue(events.events().stream().noneMatch(RegistryEvent::local));
    events.assertInRevisionOrderWithoutDuplicates();
  }

  /** The lease expires at most a TTL after the last keep-alive before the kill; one keep-alive interval of slack. */
  @Test
  void aKilledProcessLeavesWhenItsLeaseExpires() throws Exception {
    NodeProcess node = start("node-b");
    Set<String> registrations = publishSeen(node, 2);

    long killedAt = System.nanoTime();
    node.kill();

    await().atMost(Duration.ofSeconds(TTL).plus(Duration.ofSeconds(TTL).dividedBy(3))).until(() ->
      registrationsOf(RegistryEventType.LEAVE).equals(registrations));
    System.out.printf("LEAVEs after SIGKILL arrived %d ms after the kill (TTL %d s)%n",
      TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), TTL);
  }

  @Test
  void aThousandRapidChangesFromSeveralWritersArriveCompleteOnceAndInOrder() throws Exception {
    List<NodeProcess> writers = List.of(start("writer-1"), start("writer-2"), start("writer-3"));
    int recordsPerWriter = 84;
    List<CompletableFuture<List<String>>> churns = writers.stream()
      .map(writer -> CompletableFuture.supplyAsync(() -> writer.churn("svc", recordsPerWriter, 16)))
      .collect(Collectors.toList());
    Set<String> registrations = new HashSet<>();
    for (CompletableFuture<List<String>> churn : churns) {
      registrations.addAll(churn.get(120, TimeUnit.SECONDS));
    }
    // JOIN, UPDATE, UPDATE and LEAVE of each record: 1,008 changes.
    int expected = writers.size() * recordsPerWriter * 4;

    await().atMost(etcd.delivery()).until(() -> events.events().size() >= expected);
    List<RegistryEvent> received = events.events();
    assertEquals(expected, received.size(), "every change exactly once");
    EventRecorder.assertInRevisionOrderWithoutDuplicates(EtcdHistory.Change.ofAll(received));
    Map<String, List<RegistryEventType>> history = new LinkedHashMap<>();
    received.forEach(event -> history.computeIfAbsent(event.registration(), r -> new ArrayList<>()).add(event.type()));
    assertEquals(registrations, history.keySet());
    List<RegistryEventType> lifecycle = List.of(RegistryEventType.JOIN, RegistryEventType.UPDATE,
      RegistryEventType.UPDATE, RegistryEventType.LEAVE);
    history.forEach((registration, types) -> assertEquals(lifecycle, types, registration));
  }

  private static NodeProcess start(String name) throws Exception {
    return etcd.process(name);
  }

  /** Publishes records on another process and waits until this node's watch delivered their JOINs. */
  private Set<String> publishSeen(NodeProcess node, int count) {
    Set<String> registrations = Set.copyOf(node.publish("greeter", count));
    await().atMost(etcd.delivery()).until(() -> registrationsOf(RegistryEventType.JOIN).equals(registrations));
    return registrations;
  }

  private Set<String> registrationsOf(RegistryEventType type) {
    return events.events(type).stream().map(RegistryEvent::registration).collect(Collectors.toSet());
  }
}
