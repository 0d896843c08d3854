package org.vertxetcd.demo;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.types.HttpEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.launcher.EtcdExtension;
import org.vertxetcd.launcher.FaultProxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
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
import static org.junit.jupiter.api.Assertions.fail;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * The demo end to end against real etcd: greeters in processes of their own, the gateway balancing over them, both
 * with the Vert.x instance, health checks and metrics a demo process has. The gateway and the greeters reach etcd
 * through a proxy that can cut them off.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayEndToEndTest {

  private static final int TTL = 2;
  private static final Pattern SAMPLE = Pattern.compile("^(\\w+)(?:\\{(.*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private Greeters greeters;
  private RegistryEvents gatewayEvents;
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
    greeters = new Greeters(discoveryArgs);
    DemoVertx demo = DemoVertx.create();
    vertx = demo.vertx();
    gatewayEvents = RegistryEvents.follow(vertx);
    GatewayVerticle gateway = new GatewayVerticle();
    await(demo.deploy(gateway, new JsonObject().put("discovery", backendConfig()).put("port", 0)));
    gatewayPort = gateway.port();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stopEverything() {
    greeters.close();
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
      instances.add(greeters.start("greeter-" + i));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> gatewayEvents.joined().containsAll(instances));
    Set<String> served = new HashSet<>();
    for (int i = 0; i < 12; i++) {
      served.add(hello().servedBy);
    }
    assertEquals(instances, served, "round robin reaches every greeter");

    String victimInstance = instances.iterator().next();
    DemoProcess victim = greeters.process(victimInstance);
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    long killedAt = System.nanoTime();
    victim.kill();
    await().atMost(Duration.ofSeconds(TTL + 1)).pollInterval(Duration.ofMillis(10)).until(() -> {
      outcomes.add(hello());
      return gatewayEvents.left().contains(victimInstance);
    });
    long leaveAt = gatewayEvents.first(RegistryEventType.LEAVE, victimInstance).atNanos();
    System.out.printf("killed greeter left the rotation %d ms after the kill (TTL %d s); %d requests meanwhile, "
      + "%d failed%n", TimeUnit.NANOSECONDS.toMillis(leaveAt - killedAt), TTL, outcomes.size(),
      outcomes.stream().filter(outcome -> !outcome.ok).count());
    // Until the LEAVE arrives the killed greeter is still in the rotation: the gateway retries another one.
    List<Outcome> beforeLeave = outcomes.stream().filter(outcome -> outcome.sentAt < leaveAt).toList();
    assertTrue(beforeLeave.size() >= instances.size(), "round robin came to the killed greeter's turn before its "
      + "LEAVE: " + beforeLeave.size() + " requests");
    assertEquals(List.of(), beforeLeave.stream().filter(outcome -> !outcome.ok).toList(),
      "no request fails between the kill and the LEAVE");
    for (int i = 0; i < 20; i++) {
      outcomes.add(hello());
    }
    List<Outcome> afterLeave = outcomes.stream().filter(outcome -> outcome.sentAt > leaveAt).toList();
    assertTrue(afterLeave.size() >= 20);
    assertTrue(afterLeave.stream().allMatch(outcome -> outcome.ok), "no failed request after the LEAVE");
    assertTrue(afterLeave.stream().noneMatch(outcome -> victimInstance.equals(outcome.servedBy)),
      "the killed greeter gets nothing after its LEAVE");

    String newcomer = greeters.start("greeter-new");
    await().atMost(Duration.ofSeconds(10)).until(() -> gatewayEvents.joined().contains(newcomer));
    await().atMost(Duration.ofSeconds(10)).until(() -> newcomer.equals(hello().servedBy));
  }

  @Test
  void healthAndMetricsTellWhatHappenedAndSayWhenEtcdIsGone() throws Exception {
    String first = greeters.start("greeter-0");
    String second = greeters.start("greeter-1");
    await().atMost(Duration.ofSeconds(10)).until(() -> gatewayEvents.joined().containsAll(Set.of(first, second)));
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

    int greeterPort = Greeters.portOf(first);
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

  @Test
  void aDashboardThatStopsReadingIsDroppedInsteadOfBufferedWithoutBound() throws Exception {
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(backendConfig()));
    Record large = HttpEndpoint.createRecord("large", "127.0.0.1", 1, "/")
      .setMetadata(new JsonObject().put("padding", "x".repeat(256 * 1024)));
    try (Socket stalled = new Socket()) {
      // A small receive buffer, fixed before connecting: the kernel holds little of what the gateway sends.
      stalled.setReceiveBufferSize(8 * 1024);
      stalled.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gatewayPort));
      OutputStream out = stalled.getOutputStream();
      out.write("GET /api/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      await().atMost(Duration.ofSeconds(10)).until(() -> browsers().getInteger("connected") == 1);

      long pushed = 0;
      long largestChange = 0;
      Record published = await(discovery.publish(large));
      for (int i = 0; i < 120; i++) {
        published.getMetadata().put("version", i);
        long change = await(discovery.update(published)).toJson().encode().length();
        pushed += change;
        largestChange = Math.max(largestChange, change);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> browsers().getLong("dropped") == 1);
      assertEquals(0, browsers().getInteger("connected"));

      long received = readUntilClosed(stalled);
      // The gateway stopped writing once it held more than its backlog: what the client got is what the kernel
      // buffers took, plus at most the backlog and one more change (an event carries its record, and some framing).
      long bound = largestSendBuffer() + stalled.getReceiveBufferSize() + RegistryFeed.BACKLOG_BYTES
        + 2 * largestChange;
      System.out.printf("a stalled dashboard got %d of the %d bytes pushed (bound %d)%n", received, pushed, bound);
      assertTrue(received <= bound, received + " bytes delivered of " + pushed + " pushed, more than " + bound);
      assertTrue(pushed > 2 * bound, "enough pushed to tell: " + pushed);
    } finally {
      discovery.close();
    }
  }

  /** @return the most a TCP send buffer grows to ({@code tcp_wmem}'s maximum) */
  private static long largestSendBuffer() throws IOException {
    // Read as a stream: a file of /proc has no size, which Files.readString trusts.
    try (InputStream in = Files.newInputStream(Paths.get("/proc/sys/net/ipv4/tcp_wmem"))) {
      String[] sizes = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
      return Long.parseLong(sizes[sizes.length - 1]);
    }
  }

  /** Reads what the server sent until it closes the connection; fails when it does not. */
  private static long readUntilClosed(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    InputStream in = socket.getInputStream();
    byte[] chunk = new byte[64 * 1024];
    long total = 0;
    try {
      for (int read = in.read(chunk); read >= 0; read = in.read(chunk)) {
        total += read;
      }
    } catch (SocketTimeoutException e) {
      fail("The gateway kept the connection of a client that stopped reading open (" + total + " bytes read)");
    }
    return total;
  }

  private JsonObject browsers() {
    return new JsonObject(get(gatewayPort, "/api/health").body).getJsonObject("browsers");
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
