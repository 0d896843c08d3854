package org.vertxetcd.discovery.tests;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.launcher.EtcdMember;
import org.vertxetcd.discovery.support.ChildJvm;
import org.vertxetcd.discovery.support.DegradedLookupProbe;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.MemberMetrics;
import org.vertxetcd.launcher.FaultProxy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * What a node does while etcd cannot be reached: every waiting call is bounded by its deadline and forgotten once it
 * fails, the write queue is bounded, and nothing a failed write sent lingers in etcd.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DegradedModeTest {

  private static final int TTL = 2;
  private static final long REQUEST_TIMEOUT = 1_000;
  /** What the scheduling of thousands of deadline timers on one event loop may add to a deadline. */
  private static final long SCHEDULING_SLACK_MS = REQUEST_TIMEOUT / 4;

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1).withConfig(new JsonObject().put("ttl", TTL)
    .put("requestTimeout", REQUEST_TIMEOUT));

  @Test
  void failedLookupsLeaveNothingBehind() throws Exception {
    int calls = 200_000;
    Process probe = ChildJvm.builder(DegradedLookupProbe.class, List.of("-XX:+UseSerialGC", "-Xmx512m"),
      Integer.toString(calls), "300").start();
    etcd.closeAfterTest(probe::destroyForcibly);
    String line;
    try (BufferedReader output = new BufferedReader(new InputStreamReader(probe.getInputStream(),
      StandardCharsets.UTF_8))) {
      line = output.lines().filter(text -> text.startsWith("{")).findFirst().orElseThrow();
    }
    assertTrue(probe.waitFor(30, TimeUnit.SECONDS), "the probe exits");
    JsonObject result = new JsonObject(line);
    assertEquals(calls, result.getInteger("timeouts"), "every lookup fails with TIMEOUT: " + result);
    long grownBytes = result.getLong("after") - result.getLong("before");
    System.out.printf("FIGURE heap after %d failed lookups grew by %d bytes%n", calls, grownBytes);
    // Anything a failed call kept would be at least a promise and a timer each: tens of MB for 200,000 calls.
    assertTrue(grownBytes < 4 * 1024 * 1024, "heap grew by " + grownBytes + " bytes: " + result);
  }

  @Test
  void writesCompleteWithinTheirDeadlineHoweverDeepTheQueue(Vertx vertx) throws Exception {
    FaultProxy proxy = proxy();
    ServiceDiscovery discovery = discovery(vertx, proxy, 10_000);
    String prefix = prefixOf(discovery);
    Record kept = firstRecord(discovery);
    proxy.cut();

    // A first wave runs the code once: the second measures the deadlines, not the JIT compiler warming up.
    queueWrites(discovery, 5_000);
    Map<Reason, List<Long>> outcomes = queueWrites(discovery, 5_000);
    long slowest = outcomes.values().stream().flatMap(List::stream).mapToLong(Long::longValue).max().orElseThrow();
    System.out.printf("FIGURE slowest of 5,000 writes queued while cut off failed after %d ms (requestTimeout %d)%n",
      slowest, REQUEST_TIMEOUT);
    assertEquals(Set.of(Reason.TIMEOUT), outcomes.keySet(), "every write times out");
    assertTrue(slowest <= REQUEST_TIMEOUT + SCHEDULING_SLACK_MS, "slowest write took " + slowest + " ms");

    // Nothing half-written: whatever the cut held back and etcd applied after the heal leaves within a TTL.
    proxy.heal();
    await().atMost(Duration.ofSeconds(TTL * 3L + 5)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
      assertEquals(List.of(kept.getRegistration()), registrationsIn(prefix)));
  }

  @Test
  void writesBeyondMaxPendingWritesFailAtOnce(Vertx vertx) throws Exception {
    FaultProxy proxy = proxy();
    ServiceDiscovery discovery = discovery(vertx, proxy, 100);
    firstRecord(discovery);
    proxy.cut();

    ConcurrentLinkedQueue<Long> overloadedAfterMs = new ConcurrentLinkedQueue<>();
    List<Future<?>> writes = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      long start = System.nanoTime();
      writes.add(discovery.publish(new Record().setName("queued")).onFailure(error -> {
        if (reason(error) == Reason.OVERLOADED) {
          overloadedAfterMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
      }));
    }
    await(Future.join(writes).otherwiseEmpty(), Duration.ofSeconds(30));
    assertEquals(50, overloadedAfterMs.size(), "the writes beyond the 100 in progress are refused");
    long slowest = overloadedAfterMs.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertTrue(slowest < REQUEST_TIMEOUT / 2, "refused at once, not at the deadline: " + slowest + " ms");
  }

  /** @return how long each write took, by the reason it failed with */
  private static Map<Reason, List<Long>> queueWrites(ServiceDiscovery discovery, int count) {
    Map<Reason, List<Long>> outcomes = new ConcurrentHashMap<>();
    List<Future<?>> writes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      writes.add(discovery.publish(new Record().setName("queued-" + i % 10)).onComplete((done, error) ->
        outcomes.computeIfAbsent(error == null ? Reason.ETCD_ERROR : reason(error),
          reason -> Collections.synchronizedList(new ArrayList<>()))
          .add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))));
    }
    await(Future.join(writes).otherwiseEmpty(), Duration.ofSeconds(30));
    return outcomes;
  }

  /** The node's first write, once its client is up: it grants the lease the later writes use. */
  private static Record firstRecord(ServiceDiscovery discovery) {
    return await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
      .until(() -> await(discovery.publish(new Record().setName("kept"))), record -> true);
  }

  @Test
  void keepAlivesThatTimedOutLeaveNoStreamOpen(Vertx vertx) throws Exception {
    EtcdMember member = etcd.cluster().member(0);
    JsonObject config = etcd.config();
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config));
    etcd.closeAfterTest(discovery::close);
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);
    firstRecord(discovery);
    long openBefore = openKeepAliveStreams(member);

    // Keep-alives go every third of the TTL and each times out after a TTL: about 30 of them time out meanwhile.
    member.pause();
    try {
      await().pollDelay(Duration.ofSeconds(TTL * 10L)).atMost(Duration.ofSeconds(TTL * 10L + 5))
        .until(() -> registry.health().lease() == RegistryHealth.LeaseState.UNCONFIRMED);
    } finally {
      member.resume();
    }
    await().atMost(Duration.ofSeconds(TTL * 3L)).until(() -> registry.health().healthy());
    // Each keep-alive is one stream that etcd ends with its answer; the one of this moment may be in flight.
    await().atMost(Duration.ofSeconds(TTL * 2L)).untilAsserted(() ->
      assertTrue(openKeepAliveStreams(member) <= openBefore + 1, "LeaseKeepAlive streams open: before "
        + openBefore + ", now " + openKeepAliveStreams(member)));
  }

  /** {@code grpc_server_started_total} minus {@code grpc_server_handled_total} for LeaseKeepAlive, at the member. */
  private static long openKeepAliveStreams(EtcdMember member) throws Exception {
    return MemberMetrics.of(member).openKeepAliveStreams();
  }

  private static Reason reason(Throwable error) {
    return error instanceof EtcdDiscoveryException ? ((EtcdDiscoveryException) error).reason() : null;
  }

  private static FaultProxy proxy() throws Exception {
    return etcd.proxy(etcd.cluster().member(0));
  }

  private static ServiceDiscovery discovery(Vertx vertx, FaultProxy proxy, int maxPendingWrites) {
    JsonObject config = etcd.config(List.of(proxy.url())).put("maxPendingWrites", maxPendingWrites);
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config));
    etcd.closeAfterTest(discovery::close);
    return discovery;
  }

  private static String prefixOf(ServiceDiscovery discovery) {
    return discovery.options().getBackendConfiguration().getString("prefix");
  }

  private static List<String> registrationsIn(String prefix) {
    String keys = etcd.etcdctl("get", "--prefix", "--keys-only", prefix + "/");
    List<String> registrations = new ArrayList<>();
    for (String key : keys.split("\n")) {
      if (!key.isBlank()) {
        registrations.add(key.substring(key.lastIndexOf('/') + 1));
      }
    }
    return registrations;
  }
}
