package org.vertxetcd.discovery.tests;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.endpoint.LoadBalancer;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdAddressResolver;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.InstanceStatistics;
import org.vertxetcd.discovery.ReadinessBinding;
import org.vertxetcd.discovery.ReadinessOptions;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.ServiceAddress;
import org.vertxetcd.discovery.support.BackendConfig;
import org.vertxetcd.discovery.support.EventRecorder;
import org.vertxetcd.discovery.support.HttpInstances;
import org.vertxetcd.launcher.EtcdExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.HttpInstances.counts;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Traffic that follows health: zones, weights and slow start in the address resolver, outlier ejection through its
 * load balancer, readiness-gated records and drain, with real HTTP servers registered in a real etcd.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RoutingTest {

  private static final ServiceAddress GREETER = ServiceAddress.of("greeter");
  private static final int CONNECT_TIMEOUT_MS = 2_000;

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private final String prefix = EtcdExtension.newPrefix();
  private final List<Vertx> nodes = new ArrayList<>();

  @AfterEach
  void tearDown() {
    nodes.forEach(node -> await(node.close()));
  }

  /** A node: Vert.x, a ServiceDiscovery and the registry they share. */
  private final class Node {
    private final Vertx vertx = Vertx.vertx();
    private final JsonObject config;
    private final ServiceDiscovery discovery;
    private final EtcdRegistry registry;
    private final HttpInstances instances;
    private final Context context = vertx.getOrCreateContext();

    Node(JsonObject config) {
      nodes.add(vertx);
      this.config = config;
      discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions().setBackendConfiguration(config));
      registry = EtcdRegistry.create(vertx, config);
      instances = new HttpInstances(vertx, discovery);
      await(registry.snapshot());
    }

    HttpClient client(EtcdAddressResolver resolver, LoadBalancer balancer) {
      // A crashed instance's address may accept a connection and never answer: a connection fails at this bound.
      return vertx.httpClientBuilder().with(new HttpClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS))
        .withAddressResolver(resolver).withLoadBalancer(balancer).build();
    }

    HttpClient client(LoadBalancer balancer) {
      EtcdAddressResolver resolver = EtcdAddressResolver.create(config);
      return client(resolver, resolver.loadBalancer(balancer));
    }

    List<String> send(HttpClient http, int requests) {
      return HttpInstances.send(context, http, GREETER, requests);
    }

    void awaitInstances(int count) {
      await().atMost(Duration.ofSeconds(10)).until(() -> await(registry.lookup("greeter")).size() == count);
    }
  }

  @Test
  void aWeightOfThreeGetsThreeTimesTheShareOfAWeightOfOne() {
    Node servers = new Node(config());
    servers.instances.start("greeter", "heavy", new JsonObject().put("weight", 3));
    servers.instances.start("greeter", "light", new JsonObject());
    Node client = new Node(config());
    client.awaitInstances(2);

    assertEquals(Map.of("heavy", 300L, "light", 100L), counts(client.send(client.client(LoadBalancer.ROUND_ROBIN),
      400)), "round robin gives each copy its turn");
    Map<String, Long> random = counts(client.send(client.client(LoadBalancer.RANDOM), 400));
    double ratio = random.get("heavy") / (double) random.get("light");
    assertTrue(ratio > 2 && ratio < 4.5, "random picks the heavy instance about three times as often: " + random);
  }

  @Test
  void aNodePrefersItsZoneWhileEnoughOfItsInstancesAreUp() {
    Node servers = new Node(config().put("zone", "eu"));
    Record eu1 = servers.instances.start("greeter", "eu-1", new JsonObject());
    servers.instances.start("greeter", "us-1", new JsonObject().put("zone", "us"));
    assertEquals("eu", eu1.getMetadata().getString("zone"), "records carry their node's zone");
    Node client = new Node(config().put("zone", "eu"));
    Node elsewhere = new Node(config());
    client.awaitInstances(2);

    assertEquals(Set.of("eu-1"), counts(client.send(client.client(LoadBalancer.ROUND_ROBIN), 10)).keySet());
    assertEquals(Set.of("eu-1", "us-1"), counts(elsewhere.send(elsewhere.client(LoadBalancer.ROUND_ROBIN), 10))
      .keySet(), "a node without a zone uses every instance");

    // Below minZoneInstances (1) UP in its zone, the node uses every zone.
    await(servers.discovery.update(eu1.setStatus(Status.OUT_OF_SERVICE)));
    client.awaitInstances(1);
    assertEquals(Set.of("us-1"), counts(client.send(client.client(LoadBalancer.ROUND_ROBIN), 10)).keySet());
  }

  @Test
  void aNewInstanceRampsUpOverTheSlowStart() {
    long slowStartMillis = 4_000;
    Node servers = new Node(config());
    servers.instances.start("greeter", "old-1", new JsonObject());
    servers.instances.start("greeter", "old-2", new JsonObject());
    Node client = new Node(config().put("slowStartMillis", slowStartMillis));
    client.awaitInstances(2);
    HttpClient http = client.client(LoadBalancer.ROUND_ROBIN);
    client.send(http, 2);

    servers.instances.start("greeter", "new", new JsonObject());
    client.awaitInstances(3);
    Map<String, Long> early = counts(client.send(http, 210));
    assertTrue(early.getOrDefault("new", 0L) <= 210 / 10, "a tenth of its share at first: " + early);
    await().pollDelay(Duration.ofMillis(slowStartMillis)).atMost(Duration.ofMillis(slowStartMillis + 1_000))
      .until(() -> true);
    assertEquals(Map.of("old-1", 100L, "old-2", 100L, "new", 100L), counts(client.send(http, 300)),
      "its whole share once the slow start is over");
  }

  @Test
  void anInstanceThatKeepsFailingIsEjectedUntilTheRegistryReportsItAgain() {
    Node servers = new Node(config());
    servers.instances.start("greeter", "a", new JsonObject());
    servers.instances.start("greeter", "b", new JsonObject());
    servers.instances.start("greeter", "c", new JsonObject());
    Node client = new Node(config().put("outlierConsecutiveFailures", 3).put("outlierEjectionMillis", 60_000));
    EventRecorder routing = EventRecorder.listen(client.vertx, EtcdBackendOptions.DEFAULT_ROUTING_ADDRESS);
    client.awaitInstances(3);
    EtcdAddressResolver resolver = EtcdAddressResolver.create(client.config);
    HttpClient http = client.client(resolver, resolver.loadBalancer(LoadBalancer.ROUND_ROBIN));

    // Crashed, but its lease lives on: the registry still lists it until the TTL.
    servers.instances.crash("b");
    Map<String, Long> answers = counts(client.send(http, 60));
    assertEquals(3L, answers.get("failed"), "requests to it fail until it is ejected, as many as the threshold");
    assertEquals(Set.of("EJECTED"), Set.copyOf(routing.messages().stream().map(m -> m.getString("change")).toList()));
    assertEquals(servers.instances.record("b").getRegistration(), routing.messages().get(0).getString("registration"));
    assertEquals(Map.of("a", 20L, "c", 20L), counts(client.send(http, 40)), "no request reaches it meanwhile");
    Map<String, InstanceStatistics> statistics = resolver.statistics().stream()
      .collect(Collectors.toMap(InstanceStatistics::registration, seen -> seen));
    InstanceStatistics crashed = statistics.get(servers.instances.record("b").getRegistration());
    assertEquals(3, crashed.failures());
    assertTrue(crashed.ejected());
    InstanceStatistics live = statistics.get(servers.instances.record("a").getRegistration());
    assertEquals(answers.get("a") + 20, live.requests(), "every request it answered");
    assertTrue(live.latencyP50Millis() > 0 && live.latencyP99Millis() >= live.latencyP50Millis());

    // It comes back on another port: the registry reporting it again (an UPDATE) ends its ejection at once.
    servers.instances.restart("b");
    await().atMost(Duration.ofSeconds(10)).until(() -> counts(client.send(http, 3)).containsKey("b"));
    assertEquals("RETURNED", routing.messages().get(1).getString("change"));
  }

  @Test
  void noMoreThanMaxEjectedPercentOfAServiceIsEjected() {
    Node servers = new Node(config());
    servers.instances.start("greeter", "a", new JsonObject());
    servers.instances.start("greeter", "b", new JsonObject());
    Node client = new Node(config().put("outlierConsecutiveFailures", 1).put("maxEjectedPercent", 50));
    EventRecorder routing = EventRecorder.listen(client.vertx, EtcdBackendOptions.DEFAULT_ROUTING_ADDRESS);
    client.awaitInstances(2);
    HttpClient http = client.client(LoadBalancer.ROUND_ROBIN);
    servers.instances.crash("a");
    servers.instances.crash("b");

    client.send(http, 20);
    assertEquals(1, routing.messages().size(), "one of two is half of the service: the other stays");
  }

  @Test
  void aFailingReadinessCheckTakesTheRecordsOutOfServiceUntilItPasses() {
    Node servers = new Node(config());
    AtomicBoolean ready = new AtomicBoolean(true);
    ReadinessBinding binding = servers.registry.bindReadiness(() -> Future.succeededFuture(ready.get()),
      new ReadinessOptions().setIntervalMillis(100).setFailureThreshold(2).setSuccessThreshold(2));
    servers.instances.start("greeter", "a", new JsonObject());
    Node client = new Node(config());
    EventRecorder events = EventRecorder.listen(client.vertx, EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS);
    client.awaitInstances(1);

    ready.set(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> await(client.registry.lookup("greeter")).isEmpty());
    RegistryEvent down = events.events(RegistryEventType.UPDATE).get(0);
    assertEquals(Status.OUT_OF_SERVICE, down.record().getStatus(), "other nodes get the status change");
    Record published = servers.instances.start("greeter", "b", new JsonObject());
    assertEquals(Status.OUT_OF_SERVICE, published.getStatus(), "written out of service while not ready");

    ready.set(true);
    client.awaitInstances(2);
    await(binding.cancel());
  }

  @Test
  void drainingTurnsTheRecordsOutOfServiceForTheDrainTimeoutBeforeTheyLeave() {
    long drainTimeout = 1_500;
    Node servers = new Node(config().put("drainTimeout", drainTimeout));
    servers.instances.start("greeter", "a", new JsonObject());
    Node client = new Node(config());
    EventRecorder events = EventRecorder.listen(client.vertx, EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS);
    client.awaitInstances(1);

    long closing = System.nanoTime();
    Future<Void> closed = servers.vertx.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> await(client.registry.lookup("greeter")).isEmpty());
    assertEquals(Status.OUT_OF_SERVICE, events.events(RegistryEventType.UPDATE).get(0).record().getStatus());
    assertTrue(events.events(RegistryEventType.LEAVE).isEmpty(), "still registered while it drains");
    await().atMost(Duration.ofMillis(drainTimeout + 5_000)).until(() ->
      !events.events(RegistryEventType.LEAVE).isEmpty());
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing) >= drainTimeout,
      "the lease is revoked after the drain timeout");
    await(closed);
    nodes.remove(servers.vertx);
  }

  private JsonObject config() {
    return BackendConfig.forCluster(etcd, prefix).put("requestTimeout", 3_000);
  }
}
