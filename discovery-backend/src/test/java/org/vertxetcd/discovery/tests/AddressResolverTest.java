package org.vertxetcd.discovery.tests;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.endpoint.InteractionMetrics;
import io.vertx.core.net.endpoint.LoadBalancer;
import io.vertx.core.net.endpoint.ServerEndpoint;
import io.vertx.core.net.endpoint.ServerInteraction;
import io.vertx.core.net.endpoint.ServerSelector;
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
import java.util.Comparator;
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
    await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(event ->
      event.type() == RegistryEventType.LEAVE));
    assertEquals(Map.of("a", 10L, "c", 10L), counts(send(client, ServiceAddress.of("greeter"), 20)));

    startInstances("greeter", "us", "d");
    await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(event ->
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

  @Test
  void consistentHashingKeepsARoutingKeyOnTheInstanceItsRegistrationIdHashesTo() {
    startInstances("greeter", "eu", "a", "b", "c");
    HttpClient client = client(LoadBalancer.CONSISTENT_HASHING);
    List<String> keys = IntStream.range(0, 20).mapToObj(user -> "user-" + user).collect(Collectors.toList());
    Map<String, String> owners = ownersOf(client, keys);
    assertEquals(expectedOwners(keys), owners, "each key on the instance Vert.x's ring puts it, keyed by registration");

    // A join changes the ring by the newcomer's points only: keys keep the instance the new ring gives them.
    startInstances("greeter", "eu", "d");
    assertEquals(expectedOwners(keys), ownersOf(client, keys));
  }

  /** Sends each key's requests, checking that all of a key's requests reach one instance. */
  private static Map<String, String> ownersOf(HttpClient client, List<String> keys) {
    Map<String, String> owners = new HashMap<>();
    for (String key : keys) {
      Set<String> reached = counts(sendWithKey(client, key, 3)).keySet();
      assertEquals(1, reached.size(), key + " stays on one instance: " + reached);
      owners.put(key, reached.iterator().next());
    }
    return owners;
  }

  /**
   * Where Vert.x's consistent hashing puts each key when the server keys are the registration ids, listed in the
   * resolver's order (by registration id): Vert.x's ring hash collides often, and then the order decides the owner.
   */
  private Map<String, String> expectedOwners(List<String> keys) {
    List<Record> instances = await(clientRegistry.lookup("greeter")).stream()
      .sorted(Comparator.comparing(Record::getRegistration)).collect(Collectors.toList());
    List<ServerEndpoint> servers = instances.stream().map(record -> serverKeyed(record.getRegistration()))
      .collect(Collectors.toList());
    ServerSelector ring = LoadBalancer.CONSISTENT_HASHING.selector(servers);
    return keys.stream().collect(Collectors.toMap(key -> key, key -> instances.get(ring.select(key)).getMetadata()
      .getString("instance")));
  }

  /** A server as the balancer sees it: only its key matters to consistent hashing. */
  private static ServerEndpoint serverKeyed(String key) {
    return new ServerEndpoint() {
      @Override
      public String key() {
        return key;
      }

      @Override
      public SocketAddress address() {
        throw new UnsupportedOperationException();
      }

      @Override
      public ServerInteraction newInteraction() {
        throw new UnsupportedOperationException();
      }

      @Override
      public InteractionMetrics<?> metrics() {
        throw new UnsupportedOperationException();
      }

      @Override
      public Object unwrap() {
        throw new UnsupportedOperationException();
      }
    };
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
    await().atMost(Duration.ofSeconds(5)).until(() -> await(clientRegistry.lookup(service)).size() == count);
  }

  private static List<String> send(HttpClient client, ServiceAddress address, int requests) {
    return sendAll(client, IntStream.range(0, requests).mapToObj(i -> new RequestOptions().setServer(address)));
  }

  private static List<String> sendWithKey(HttpClient client, String routingKey, int requests) {
    return sendAll(client, IntStream.range(0, requests).mapToObj(i -> new RequestOptions()
      .setServer(ServiceAddress.of("greeter")).setRoutingKey(routingKey)));
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
