package org.vertxetcd.discovery.tests;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.endpoint.LoadBalancer;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.types.HttpEndpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vertxetcd.discovery.EtcdAddressResolver;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.ServiceAddress;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.TestNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;
import static org.vertxetcd.discovery.support.TestSupport.awaitAnyFailure;

/**
 * A Vert.x HTTP client resolving {@link ServiceAddress}es through {@link EtcdAddressResolver}, against real HTTP
 * servers registered in a real etcd by another node.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AddressResolverTest {

  private static final long ANSWER_PAUSE_MS = 20;
  private static final long REQUEST_IDLE_TIMEOUT_MS = 10_000;

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1);

  private final Map<String, Record> records = new HashMap<>();
  private JsonObject config;
  private TestNode serverNode;
  private Vertx clientNode;
  private EtcdRegistry clientRegistry;

  @BeforeEach
  void start() {
    config = etcd.config();
    serverNode = etcd.node("servers");
    clientNode = etcd.vertx();
    clientRegistry = EtcdRegistry.create(clientNode, config);
  }

  @Test
  void requestsToAServiceAddressReachItsLiveInstancesAndFollowJoinsAndLeaves() {
    startInstances("greeter", "eu", "a", "b", "c");
    startInstances("other", "eu", "x");
    HttpClient client = client(LoadBalancer.ROUND_ROBIN);
    List<RegistryEvent> events = new CopyOnWriteArrayList<>();
    await(clientRegistry.subscribe("greeter", events::add));

    assertEquals(Map.of("a", 10L, "b", 10L, "c", 10L), counts(send(client, ServiceAddress.of("greeter"), 30)),
      "round robin over the three instances");

    // "b" keeps serving, but once its LEAVE reached the client's node, no request goes to it.
    await(serverNode.discovery().unpublish(records.get("b").getRegistration()));
    await().atMost(etcd.delivery()).until(() -> events.stream().anyMatch(event ->
      event.type() == RegistryEventType.LEAVE));
    assertEquals(Map.of("a", 10L, "c", 10L), counts(send(client, ServiceAddress.of("greeter"), 20)));

    startInstances("greeter", "us", "d");
    await().atMost(etcd.delivery()).until(() -> events.stream().anyMatch(event ->
      event.type() == RegistryEventType.JOIN));
    assertEquals(Map.of("a", 10L, "c", 10L, "d", 10L), counts(send(client, ServiceAddress.of("greeter"), 30)));
    assertEquals(Set.of("d"), counts(send(client, ServiceAddress.of("greeter", new JsonObject().put("zone", "us")),
      5)).keySet(), "an address with a filter reaches the matching instances only");
  }

  @ParameterizedTest
  @ValueSource(strings = {"LEAST_REQUESTS", "POWER_OF_TWO_CHOICES", "RANDOM"})
  void everyLoadBalancerVertxShipsSpreadsOverTheLiveInstances(String balancer) throws Exception {
    startInstances("greeter", "eu", "a", "b", "c");
    HttpClient client = client((LoadBalancer) LoadBalancer.class.getField(balancer).get(null));
    // Concurrent requests to servers that answer after a pause: least-requests balancing needs requests in flight.
    assertEquals(Set.of("a", "b", "c"), counts(sendConcurrently(client, 60)).keySet());
    await(serverNode.discovery().unpublish(records.get("a").getRegistration()));
    awaitInstances("greeter", 2);
    assertEquals(Set.of("b", "c"), counts(sendConcurrently(client, 30)).keySet());
  }

  /**
   * Consistent hashing as a client sees it, compared with what it saw before, never with a ring computed here: a
   * join moves keys to the newcomer only, and its leave gives each key back to the instance it had.
   */
  @Test
  void consistentHashingMovesOnlyTheNewcomersKeysAndGivesThemBackWhenItLeaves() {
    startInstances("greeter", "eu", "a", "b", "c");
    HttpClient client = client(LoadBalancer.CONSISTENT_HASHING);
    // With a hundred keys, the newcomer (4 of 16 points on the ring) takes none with a chance of about 2 in 10,000.
    List<String> keys = IntStream.range(0, 100).mapToObj(user -> "user-" + user).collect(Collectors.toList());
    Map<String, String> before = ownersOf(client, keys);

    startInstances("greeter", "eu", "d");
    Map<String, String> withNewcomer = ownersOf(client, keys);
    List<String> moved = keys.stream().filter(key -> !withNewcomer.get(key).equals(before.get(key)))
      .collect(Collectors.toList());
    assertFalse(moved.isEmpty(), "the newcomer takes some keys");
    assertEquals(Set.of("d"), moved.stream().map(withNewcomer::get).collect(Collectors.toSet()),
      "a key either stays on its instance or moves to the newcomer: " + moved.stream()
        .map(key -> key + " " + before.get(key) + " -> " + withNewcomer.get(key)).collect(Collectors.toList()));

    await(serverNode.discovery().unpublish(records.get("d").getRegistration()));
    awaitInstances("greeter", 3);
    assertEquals(before, ownersOf(client, keys), "once the newcomer left, each key is back on its old instance");
  }

  /** Sends each key's requests, all at once, checking that all of a key's requests reach one instance. */
  private static Map<String, String> ownersOf(HttpClient client, List<String> keys) {
    Map<String, List<Future<String>>> answers = new HashMap<>();
    keys.forEach(key -> answers.put(key, IntStream.range(0, 2).mapToObj(i -> answer(client, new RequestOptions()
      .setServer(ServiceAddress.of("greeter")).setRoutingKey(key))).collect(Collectors.toList())));
    await(Future.all(answers.values().stream().flatMap(List::stream).collect(Collectors.toList())));
    Map<String, String> owners = new HashMap<>();
    answers.forEach((key, answered) -> {
      Set<String> reached = answered.stream().map(Future::result).collect(Collectors.toSet());
      assertEquals(1, reached.size(), key + " stays on one instance: " + reached);
      owners.put(key, reached.iterator().next());
    });
    return owners;
  }

  @Test
  void aServiceWithoutInstancesFailsTheRequestClearly() {
    HttpClient client = client(LoadBalancer.ROUND_ROBIN);
    Throwable error = awaitAnyFailure(client.request(new RequestOptions().setServer(ServiceAddress.of("nobody"))
      .setURI("/")));
    assertTrue(error.getMessage().contains("nobody"), error.getMessage());
  }

  private HttpClient client(LoadBalancer balancer) {
    return clientNode.httpClientBuilder()
      .withAddressResolver(EtcdAddressResolver.create(config))
      .withLoadBalancer(balancer)
      .build();
  }

  /**
   * Starts one HTTP server per instance name, answering its name, registers each as {@code service}, and waits
   * until the client's node has them in its view.
   */
  private void startInstances(String service, String zone, String... names) {
    int before = await(clientRegistry.lookup(service)).size();
    for (String name : names) {
      HttpServer server = await(serverNode.vertx().createHttpServer()
        .requestHandler(request -> serverNode.vertx().setTimer(ANSWER_PAUSE_MS, tick -> request.response().end(name)))
        .listen(0, "127.0.0.1"));
      records.put(name, await(serverNode.discovery().publish(HttpEndpoint.createRecord(service, "127.0.0.1",
        server.actualPort(), "/", new JsonObject().put("zone", zone).put("instance", name)))));
    }
    awaitInstances(service, before + names.length);
  }

  private void awaitInstances(String service, int count) {
    await().atMost(etcd.delivery()).until(() -> await(clientRegistry.lookup(service)).size() == count);
  }

  private static List<String> send(HttpClient client, ServiceAddress address, int requests) {
    return sendAll(client, IntStream.range(0, requests).mapToObj(i -> new RequestOptions().setServer(address)));
  }

  /** Sends one request after the other (so that round robin is exact), returning who answered each. */
  private static List<String> sendAll(HttpClient client, Stream<RequestOptions> requests) {
    List<String> answeredBy = new ArrayList<>();
    requests.forEach(options -> answeredBy.add(await(answer(client, options))));
    return answeredBy;
  }

  private static List<String> sendConcurrently(HttpClient client, int requests) {
    List<Future<String>> answers = IntStream.range(0, requests)
      .mapToObj(i -> answer(client, new RequestOptions().setServer(ServiceAddress.of("greeter"))))
      .collect(Collectors.toList());
    await(Future.all(answers));
    return answers.stream().map(Future::result).collect(Collectors.toList());
  }

  /** A stuck request fails within the idle timeout, naming itself, instead of hanging the test. */
  private static Future<String> answer(HttpClient client, RequestOptions options) {
    return client.request(options.setMethod(HttpMethod.GET).setURI("/").setIdleTimeout(REQUEST_IDLE_TIMEOUT_MS))
      .compose(request -> request.send())
      .compose(HttpClientResponse::body)
      .map(Object::toString);
  }

  private static Map<String, Long> counts(List<String> answeredBy) {
    return answeredBy.stream().collect(Collectors.groupingBy(name -> name, Collectors.counting()));
  }
}
