package org.vertxetcd.demo;

import io.vertx.core.MultiMap;
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
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.launcher.EtcdExtension;
import org.vertxetcd.launcher.FaultProxy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * The demo end to end against real etcd: greeters in processes of their own, the gateway balancing over them, both
 * with the Vert.x instance, health checks and metrics a demo process has. The gateway and the greeters reach etcd
 * through a proxy that can cut them off.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayEndToEndTest {

  private static final int TTL = 2;
  private static final Pattern LISTENING = Pattern.compile("greeter (\\S+) listening on");
  private static final Pattern SAMPLE = Pattern.compile("^(\\w+)(?:\\{(.*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private final List<DemoProcess> greeters = new ArrayList<>();
  private final List<ArrivedEvent> gatewayEvents = new CopyOnWriteArrayList<>();
  private FaultProxy etcdProxy;
  private String prefix;
  private String[] discoveryArgs;
  private Vertx vertx;
  private HttpClient client;
  private int gatewayPort;

  @BeforeEach
  void startGateway() throws IOException {
    etcdProxy = new FaultProxy(etcd.cluster().member(0).clientPort());
    prefix = EtcdExtension.newPrefix();
    discoveryArgs = new String[] {"--endpoints", etcdProxy.url(), "--prefix", prefix, "--ttl", Integer.toString(TTL)};
    DemoVertx demo = DemoVertx.create();
    vertx = demo.vertx();
    vertx.eventBus().<JsonObject>consumer(EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS,
      message -> gatewayEvents.add(new ArrivedEvent(new RegistryEvent(message.body()), System.nanoTime())));
    GatewayVerticle gateway = new GatewayVerticle();
    await(demo.deploy(gateway, new JsonObject().put("discovery", backendConfig()).put("port", 0)));
    gatewayPort = gateway.port();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stopEverything() {
    greeters.forEach(DemoProcess::close);
    try {
      await(vertx.close());
    } finally {
      etcdProxy.close();
    }
  }

  @Test
  void requestsReachEveryGreeterAKilledOneLeavesTheRotationAndANewOneJoinsIt() throws Exception {
    Set<String> instances = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      instances.add(startGreeter("greeter-" + i));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> joined().containsAll(instances));
    Set<String> served = new HashSet<>();
    for (int i = 0; i < 12; i++) {
      served.add(hello().servedBy);
    }
    assertEquals(instances, served, "round robin reaches every greeter");

    DemoProcess victim = greeters.get(0);
    String victimInstance = instances.stream().filter(instance -> victim.lines().stream()
      .anyMatch(line -> line.contains(instance))).findFirst().orElseThrow();
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    long killedAt = System.nanoTime();
    victim.kill();
    await().atMost(Duration.ofSeconds(TTL + 1)).pollInterval(Duration.ofMillis(10)).until(() -> {
      outcomes.add(hello());
      return left().contains(victimInstance);
    });
    long leaveAt = leaveTime(victimInstance);
    System.out.printf("killed greeter left the rotation %d ms after the kill (TTL %d s); %d requests meanwhile, "
      + "%d failed%n", TimeUnit.NANOSECONDS.toMillis(leaveAt - killedAt), TTL, outcomes.size(),
      outcomes.stream().filter(outcome -> !outcome.ok).count());
    for (int i = 0; i < 20; i++) {
      outcomes.add(hello());
    }
    List<Outcome> afterLeave = outcomes.stream().filter(outcome -> outcome.sentAt > leaveAt).toList();
    assertTrue(afterLeave.size() >= 20);
    assertTrue(afterLeave.stream().allMatch(outcome -> outcome.ok), "no failed request after the LEAVE");
    assertTrue(afterLeave.stream().noneMatch(outcome -> victimInstance.equals(outcome.servedBy)),
      "the killed greeter gets nothing after its LEAVE");

    String newcomer = startGreeter("greeter-new");
    await().atMost(Duration.ofSeconds(10)).until(() -> joined().contains(newcomer));
    await().atMost(Duration.ofSeconds(10)).until(() -> newcomer.equals(hello().servedBy));
  }

  @Test
  void healthAndMetricsTellWhatHappenedAndSayWhenEtcdIsGone() throws Exception {
    String first = startGreeter("greeter-0");
    String second = startGreeter("greeter-1");
    await().atMost(Duration.ofSeconds(10)).until(() -> joined().containsAll(Set.of(first, second)));
    hello();

    Map<String, Double> gateway = scrape(gatewayPort);
    assertEquals(2.0, gateway.get(sample("vertx_etcd_discovery_events_total", "type", "JOIN")),
      "the gateway counted the greeters that joined after it started");
    assertEquals(0.0, gateway.get(sample("vertx_etcd_discovery_events_total", "type", "LEAVE")));
    assertEquals(2.0, gateway.get(sample("vertx_etcd_discovery_records", "scope", "view")));
    assertEquals(0.0, gateway.get(sample("vertx_etcd_discovery_records", "scope", "own")));
    assertEquals(1.0, gateway.get(sample("vertx_etcd_discovery_healthy")));
    assertTrue(gateway.keySet().stream().anyMatch(name -> name.startsWith("vertx_http_client_requests_total")),
      "Vert.x's own meters are scraped too: " + gateway.keySet());

    int greeterPort = portOf(first);
    Map<String, Double> greeter = scrape(greeterPort);
    assertEquals(1.0, greeter.get(sample("vertx_etcd_discovery_records", "scope", "own")), "its own record");
    assertEquals(1.0, greeter.get(sample("vertx_etcd_discovery_healthy")));
    assertEquals(1.0, greeter.get(sample("vertx_etcd_discovery_write_seconds_bucket", "op", "store", "outcome",
      "success", "le", "+Inf")), "one store, in a timer with histogram buckets");

    for (int port : List.of(gatewayPort, greeterPort)) {
      HttpReply health = get(port, "/health");
      assertEquals(200, health.status, health.body);
      assertEquals("UP", new JsonObject(health.body).getString("outcome"), health.body);
      assertEquals(200, get(port, "/health/etcd-discovery-ready").status);
    }

    etcdProxy.cutAndReset();
    for (int port : List.of(gatewayPort, greeterPort)) {
      HttpReply down = await().atMost(Duration.ofSeconds(15)).until(() -> get(port, "/health"),
        reply -> reply.status == 503);
      JsonObject strict = new JsonObject(down.body).getJsonArray("checks").getJsonObject(0);
      assertEquals("DOWN", strict.getString("status"), down.body);
      assertTrue(strict.getJsonObject("data").getString("reason").contains("the view is stale"), down.body);
      HttpReply ready = get(port, "/health/etcd-discovery-ready");
      assertEquals(200, ready.status, "still ready: lookups answer from the last view; " + ready.body);
      assertEquals(0.0, scrape(port).get(sample("vertx_etcd_discovery_healthy")));
    }

    etcdProxy.heal();
    for (int port : List.of(gatewayPort, greeterPort)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> get(port, "/health").status == 200);
    }
  }

  private JsonObject backendConfig() {
    return DemoConfig.parse(List.of(discoveryArgs), Map.of()).backendConfig();
  }

  /** @return every sample of a Prometheus scrape, by name and labels as {@link #sample} writes them */
  private Map<String, Double> scrape(int port) {
    HttpReply reply = get(port, "/metrics");
    assertEquals(200, reply.status, reply.body);
    Map<String, Double> samples = new HashMap<>();
    reply.body.lines().filter(line -> !line.startsWith("#") && !line.isBlank()).forEach(line -> {
      Matcher sample = SAMPLE.matcher(line);
      assertTrue(sample.matches(), line);
      Map<String, String> labels = new TreeMap<>();
      Matcher label = LABEL.matcher(sample.group(2) == null ? "" : sample.group(2));
      while (label.find()) {
        labels.put(label.group(1), label.group(2));
      }
      samples.put(sample.group(1) + labels, Double.parseDouble(sample.group(3)));
    });
    return samples;
  }

  /** @return the key of a sample of this test's registry in {@link #scrape}: its name and sorted labels */
  private String sample(String name, String... labelsAndValues) {
    Map<String, String> labels = new TreeMap<>();
    labels.put("prefix", prefix);
    for (int i = 0; i < labelsAndValues.length; i += 2) {
      labels.put(labelsAndValues[i], labelsAndValues[i + 1]);
    }
    return name + labels;
  }

  private static int portOf(String instance) {
    return Integer.parseInt(instance.substring(instance.lastIndexOf(':') + 1));
  }

  private String startGreeter(String name) throws Exception {
    List<String> args = new ArrayList<>(List.of("greeter", "--port", "0"));
    args.addAll(List.of(discoveryArgs));
    DemoProcess greeter = DemoProcess.start(name, args.toArray(String[]::new));
    greeters.add(greeter);
    return greeter.awaitLine(LISTENING, Duration.ofSeconds(30));
  }

  private Set<String> joined() {
    return instancesOf(RegistryEventType.JOIN);
  }

  private Set<String> left() {
    return instancesOf(RegistryEventType.LEAVE);
  }

  private Set<String> instancesOf(RegistryEventType type) {
    Set<String> found = new HashSet<>();
    gatewayEvents.stream().filter(arrived -> arrived.event.type() == type)
      .forEach(arrived -> found.add(instanceOf(arrived.event)));
    return found;
  }

  private long leaveTime(String instance) {
    return gatewayEvents.stream().filter(arrived -> arrived.event.type() == RegistryEventType.LEAVE)
      .filter(arrived -> instance.equals(instanceOf(arrived.event))).findFirst().orElseThrow().at;
  }

  private static String instanceOf(RegistryEvent event) {
    return event.record().getMetadata().getString("instance");
  }

  /** An event as the gateway's node received it, with the time it arrived. */
  private record ArrivedEvent(RegistryEvent event, long at) {
  }

  private Outcome hello() {
    long sentAt = System.nanoTime();
    try {
      HttpReply reply = get(gatewayPort, "/api/hello?name=test");
      return new Outcome(sentAt, reply.status == 200, reply.headers.get("x-served-by"), reply.body);
    } catch (AssertionError e) {
      return new Outcome(sentAt, false, null, e.getMessage());
    }
  }

  private HttpReply get(int port, String path) {
    // The body must be read in the same event-loop turn as the response arrives, hence one chain.
    return await(client.request(HttpMethod.GET, port, "127.0.0.1", path)
      .compose(request -> request.send())
      .compose(response -> response.body().map(body -> new HttpReply(response.statusCode(), response.headers(),
        body.toString()))));
  }

  private record HttpReply(int status, MultiMap headers, String body) {
  }

  private record Outcome(long sentAt, boolean ok, String servedBy, String body) {
  }
}
