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
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.launcher.EtcdExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * The demo end to end against real etcd: greeters in processes of their own, the gateway balancing over them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayEndToEndTest {

  private static final int TTL = 2;
  private static final Pattern LISTENING = Pattern.compile("greeter (\\S+) listening on");

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private final List<DemoProcess> greeters = new ArrayList<>();
  private final List<ArrivedEvent> gatewayEvents = new CopyOnWriteArrayList<>();
  private String[] discoveryArgs;
  private Vertx vertx;
  private HttpClient client;
  private int gatewayPort;

  @BeforeEach
  void startGateway() {
    String prefix = EtcdExtension.newPrefix();
    discoveryArgs = new String[] {"--endpoints", String.join(",", etcd.endpoints()), "--prefix", prefix, "--ttl",
      Integer.toString(TTL)};
    vertx = Vertx.vertx();
    vertx.eventBus().<JsonObject>consumer(EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS,
      message -> gatewayEvents.add(new ArrivedEvent(new RegistryEvent(message.body()), System.nanoTime())));
    GatewayVerticle gateway = new GatewayVerticle();
    await(vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(new JsonObject()
      .put("discovery", DemoConfig.parse(List.of(discoveryArgs), Map.of()).backendConfig())
      .put("port", 0))));
    gatewayPort = gateway.port();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stopEverything() {
    greeters.forEach(DemoProcess::close);
    await(vertx.close());
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

    String newcomer = startGreeter("greeter-new");
    await().atMost(Duration.ofSeconds(10)).until(() -> joined().contains(newcomer));
    await().atMost(Duration.ofSeconds(10)).until(() -> newcomer.equals(hello().servedBy));
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
      // The body must be read in the same event-loop turn as the response arrives, hence one chain.
      return await(client.request(HttpMethod.GET, gatewayPort, "127.0.0.1", "/api/hello?name=test")
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> new Outcome(sentAt, response.statusCode() == 200,
          response.getHeader("x-served-by"), body.toString()))));
    } catch (AssertionError e) {
      return new Outcome(sentAt, false, null, e.getMessage());
    }
  }

  private record Outcome(long sentAt, boolean ok, String servedBy, String body) {
  }
}
