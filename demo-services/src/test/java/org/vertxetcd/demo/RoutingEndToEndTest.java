package org.vertxetcd.demo;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.launcher.EtcdExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Traffic that follows health, end to end: greeters in processes of their own, the demo's gateway with its retry
 * off (so every failed attempt is a failed request), a client sending 100 requests per second through it. A rolling
 * restart loses no request, thanks to the greeters' drain; a crashed greeter costs at most
 * {@code outlierConsecutiveFailures} requests before its LEAVE, thanks to outlier ejection, and many more without it.
 * The measured numbers are printed as {@code FIGURE} lines (README, Routing).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RoutingEndToEndTest {

  private static final int TTL = 2;
  private static final int DRAIN_MS = 1_500;
  private static final int REQUESTS_PER_SECOND = 100;
  private static final int OUTLIER_CONSECUTIVE_FAILURES = EtcdBackendOptions.DEFAULT_OUTLIER_CONSECUTIVE_FAILURES;

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private Vertx vertx;
  private HttpClient direct;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
    direct = vertx.createHttpClient();
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
    await(vertx.close());
  }

  @Test
  void aRollingRestartOfEveryGreeterLosesNoRequest() throws Exception {
    Node node = startNode(OUTLIER_CONSECUTIVE_FAILURES);
    List<String> original = startThree(node);
    GatewayTraffic traffic = traffic(node);
    Set<String> newcomers = new HashSet<>();
    long startedAt = System.nanoTime();
    for (String old : original) {
      node.greeters.process(old).process().destroy();
      await().atMost(Duration.ofSeconds(5)).until(() -> node.events.updatedTo(old, "OUT_OF_SERVICE"));
      assertEquals(200, helloStatus(Greeters.portOf(old)), "a draining greeter still answers");
      String newcomer = node.greeters.start("greeter-new-" + newcomers.size());
      newcomers.add(newcomer);
      await().atMost(Duration.ofSeconds(10)).until(() -> node.events.joined().contains(newcomer));
      assertTrue(node.greeters.process(old).process().waitFor(20, TimeUnit.SECONDS), old + " exits after its drain");
      await().atMost(Duration.ofSeconds(5)).until(() -> node.events.left().contains(old));
      long drained = node.events.first(RegistryEventType.LEAVE, old).atNanos()
        - firstUpdateTo(node, old).atNanos();
      assertTrue(drained >= TimeUnit.MILLISECONDS.toNanos(DRAIN_MS - 100), "OUT_OF_SERVICE for the drain timeout "
        + "before it left, was " + TimeUnit.NANOSECONDS.toMillis(drained) + " ms");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> traffic.outcomes().stream()
      .filter(outcome -> outcome.sentAtNanos() > node.events.first(RegistryEventType.LEAVE, original.get(2)).atNanos())
      .count() >= 50);
    traffic.stop();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);

    List<GatewayTraffic.Outcome> failed = traffic.failures();
    System.out.printf("FIGURE rolling restart: %d of %d requests failed while 3 greeters were restarted one by one "
        + "in %d ms (%.0f requests/s through the gateway, retry off, drainTimeout %d ms, TTL %d s)%n", failed.size(),
      traffic.outcomes().size(), tookMs, traffic.measuredRate(), DRAIN_MS, TTL);
    assertEquals(List.of(), failed, "no request fails during a rolling restart");
    Set<String> served = traffic.outcomes().stream().map(GatewayTraffic.Outcome::servedBy).collect(Collectors.toSet());
    assertTrue(served.containsAll(newcomers), "the new greeters served: " + served);
  }

  @Test
  void outlierEjectionBoundsTheFailuresOfACrashedGreeterBeforeItsLeave() throws Exception {
    Crash withEjection = crashOneOfThree(OUTLIER_CONSECUTIVE_FAILURES);
    Crash withoutEjection = crashOneOfThree(0);
    withEjection.print("with ejection (outlierConsecutiveFailures " + OUTLIER_CONSECUTIVE_FAILURES + ")");
    withoutEjection.print("without ejection (outlierConsecutiveFailures 0)");
    // Requests on their way when it died fail whatever the balancer does; after a failure the instance gets one
    // request at a time, so the others fail one by one until it is ejected.
    assertTrue(withEjection.failedBeforeLeave <= Math.max(OUTLIER_CONSECUTIVE_FAILURES, withEjection.onTheirWay),
      withEjection.toString());
    assertTrue(withoutEjection.failedBeforeLeave > 3 * OUTLIER_CONSECUTIVE_FAILURES,
      "without ejection the crashed greeter keeps its share until its LEAVE: " + withoutEjection);
    assertEquals(0, withEjection.failedAfterLeave + withoutEjection.failedAfterLeave, "nothing fails after the LEAVE");
  }

  /**
   * What one crash under traffic cost: the requests that failed among those sent before the LEAVE, of them those on
   * their way when the greeter died (their connection reset or closed), those sent from the kill to the LEAVE, and
   * the failures after it.
   */
  private record Crash(long failedBeforeLeave, long onTheirWay, long sentBeforeLeave, long failedAfterLeave,
                       long leaveAfterMs, double rate, List<String> failures) {
    void print(String ejection) {
      System.out.printf("FIGURE kill -9 %s: %d requests failed before the LEAVE, %d of them on their way when the "
          + "greeter died; %d were sent between the kill and the LEAVE (%d ms) (%.0f requests/s through the gateway, "
          + "3 greeters, retry off, TTL %d s)%n", ejection, failedBeforeLeave, onTheirWay, sentBeforeLeave,
        leaveAfterMs, rate, TTL);
    }

    @Override
    public String toString() {
      return failedBeforeLeave + " failed before the LEAVE, " + onTheirWay + " of them on their way; the first: "
        + failures.subList(0, Math.min(10, failures.size()));
    }
  }

  /** A request the greeter had taken when it died: its connection was reset or closed, not refused. */
  private static boolean onItsWay(GatewayTraffic.Outcome outcome) {
    return outcome.problem().contains("Connection reset") || outcome.problem().contains("Connection was closed");
  }

  private Crash crashOneOfThree(int outlierConsecutiveFailures) throws Exception {
    Node node = startNode(outlierConsecutiveFailures);
    List<String> instances = startThree(node);
    GatewayTraffic traffic = traffic(node);
    await().atMost(Duration.ofSeconds(5)).until(() -> traffic.outcomes().size() >= REQUESTS_PER_SECOND / 2);
    String victim = instances.get(0);
    long killedAt = System.nanoTime();
    node.greeters.process(victim).kill();
    await().atMost(Duration.ofSeconds(TTL * 3)).until(() -> node.events.left().contains(victim));
    long leaveAt = node.events.first(RegistryEventType.LEAVE, victim).atNanos();
    await().atMost(Duration.ofSeconds(5)).until(() -> traffic.outcomes().stream()
      .filter(outcome -> outcome.sentAtNanos() > leaveAt).count() >= REQUESTS_PER_SECOND / 2);
    traffic.stop();
    List<GatewayTraffic.Outcome> beforeLeave = traffic.outcomes().stream()
      .filter(outcome -> outcome.sentAtNanos() < leaveAt).toList();
    List<GatewayTraffic.Outcome> failedBeforeLeave = beforeLeave.stream().filter(outcome -> !outcome.ok()).toList();
    Crash crash = new Crash(failedBeforeLeave.size(), failedBeforeLeave.stream().filter(RoutingEndToEndTest::onItsWay)
      .count(), beforeLeave.stream().filter(outcome -> outcome.sentAtNanos() > killedAt).count(),
      traffic.failures().size() - failedBeforeLeave.size(),
      TimeUnit.NANOSECONDS.toMillis(leaveAt - killedAt), traffic.measuredRate(), traffic.failures().stream()
        .map(outcome -> TimeUnit.NANOSECONDS.toMillis(outcome.sentAtNanos() - killedAt) + " ms after the kill: "
          + outcome.problem()).toList());
    node.close();
    toClose.remove(node);
    return crash;
  }

  private RegistryEvents.Arrived firstUpdateTo(Node node, String instance) {
    await().until(() -> node.events.updatedTo(instance, "OUT_OF_SERVICE"));
    return node.events.first(RegistryEventType.UPDATE, instance);
  }

  /** A gateway (retry off) deployed on a Vert.x of its own, greeters sharing its registry, and its events. */
  private final class Node implements AutoCloseable {
    private final Vertx gatewayVertx;
    private final RegistryEvents events;
    private final Greeters greeters;
    private final int port;

    private Node(int outlierConsecutiveFailures) {
      String[] discovery = {"--endpoints", String.join(",", etcd.endpoints()), "--prefix", EtcdExtension.newPrefix(),
        "--ttl", Integer.toString(TTL), "--drain-timeout", Integer.toString(DRAIN_MS),
        "--outlier-consecutive-failures", Integer.toString(outlierConsecutiveFailures)};
      greeters = new Greeters(discovery);
      gatewayVertx = Vertx.vertx();
      events = RegistryEvents.follow(gatewayVertx);
      GatewayVerticle gateway = new GatewayVerticle();
      JsonObject config = DemoConfig.parse(Stream.concat(Stream.of(discovery), Stream.of("--retry", "false",
        "--port", "0")).toList(), Map.of()).gatewayConfig();
      await(gatewayVertx.deployVerticle(gateway, new DeploymentOptions().setConfig(config)));
      port = gateway.port();
    }

    @Override
    public void close() {
      try {
        greeters.close();
      } finally {
        await(gatewayVertx.close());
      }
    }
  }

  private Node startNode(int outlierConsecutiveFailures) {
    Node node = new Node(outlierConsecutiveFailures);
    toClose.add(node);
    return node;
  }

  private static List<String> startThree(Node node) throws Exception {
    List<String> instances = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      instances.add(node.greeters.start("greeter-" + i));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> node.events.joined().containsAll(instances));
    return instances;
  }

  private GatewayTraffic traffic(Node node) {
    GatewayTraffic traffic = GatewayTraffic.start(vertx, node.port, REQUESTS_PER_SECOND);
    // Before the node: stopped first, so no request meets a gateway already gone.
    toClose.add(0, traffic);
    return traffic;
  }

  private int helloStatus(int port) {
    return await(direct.request(HttpMethod.GET, port, "127.0.0.1", "/hello?name=direct")
      .compose(request -> request.send())
      .compose(response -> response.body().map(body -> response.statusCode())));
  }
}
