package org.vertxetcd.discovery.benchmark;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.endpoint.LoadBalancer;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.EtcdAddressResolver;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.ServiceAddress;
import org.vertxetcd.discovery.support.HttpInstances;
import org.vertxetcd.launcher.EtcdExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Workload (issue "Traffic that follows health"): three greeter servers in JVMs of their own ({@link GreeterProcess},
 * {@code drainTimeout} 2 s, TTL 3 s) and clients sending 100 requests/s each through an {@link EtcdAddressResolver}
 * and its round-robin load balancer, without retries, from a Vert.x context. A rolling restart of every server
 * (SIGTERM, a new one started, its JOIN awaited, the next), then a SIGKILL of one of three: the requests that failed,
 * with outlier ejection on ({@code outlierConsecutiveFailures} 5) and off (0), both clients running side by side.
 */
final class RoutingWorkload {

  static final String SERVICE = "greeter";
  private static final int TTL = 3;
  private static final long DRAIN_MILLIS = 2_000;
  private static final long REQUEST_EVERY_MILLIS = 10;
  private static final int SERVERS = 3;

  private final List<String> endpoints;
  private final List<ChildProcess> servers = new ArrayList<>();
  private int started;

  RoutingWorkload(List<String> endpoints) {
    this.endpoints = endpoints;
  }

  /** Requests sent at a steady rate from one context of a client, counted as they complete. */
  private static final class RequestLoop {
    private final Context context;
    private final HttpClient client;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private long timer;

    RequestLoop(Context context, HttpClient client) {
      this.context = context;
      this.client = client;
      context.runOnContext(v -> timer = context.owner().setPeriodic(REQUEST_EVERY_MILLIS, id -> send()));
    }

    private void send() {
      sent.incrementAndGet();
      inFlight.incrementAndGet();
      HttpInstances.answer(client, new RequestOptions().setServer(ServiceAddress.of(SERVICE))).onComplete(answer -> {
        inFlight.decrementAndGet();
        if (answer.failed()) {
          failed.incrementAndGet();
        }
      });
    }

    /** Stops sending and waits for the requests in flight. */
    RequestLoop stop() {
      context.runOnContext(v -> context.owner().cancelTimer(timer));
      await().atMost(Duration.ofSeconds(30)).until(() -> inFlight.get() == 0);
      return this;
    }
  }

  /** A client node: its own resolver and balancer over the registry of its configuration. */
  private record Client(String name, EtcdRegistry registry, HttpClient http, Context context) {

    RequestLoop startRequests() {
      return new RequestLoop(context, http);
    }

    boolean sees(String registration) {
      return await(registry.lookup(SERVICE)).stream().map(Record::getRegistration).anyMatch(registration::equals);
    }
  }

  void run(BenchmarkSize size, Results results) throws Exception {
    JsonObject config = new JsonObject().put("backend-name", "etcd").put("endpoints", new JsonArray(endpoints))
      .put("prefix", EtcdExtension.newPrefix()).put("ttl", TTL);
    Vertx vertx = Vertx.vertx();
    try {
      List<String> registrations = new ArrayList<>();
      for (int i = 0; i < SERVERS; i++) {
        registrations.add(startServer(config));
      }
      Client ejecting = client(vertx, "ejection on", config.copy().put("outlierConsecutiveFailures", 5));
      Client plain = client(vertx, "ejection off", config.copy().put("outlierConsecutiveFailures", 0));
      for (Client client : List.of(ejecting, plain)) {
        await().atMost(Duration.ofSeconds(30)).until(() -> registrations.stream().allMatch(client::sees));
      }
      rollingRestart(config, List.of(ejecting, plain), results);
      killOne(List.of(ejecting, plain), results);
    } finally {
      servers.forEach(ChildProcess::close);
      await(vertx.close());
    }
  }

  private Client client(Vertx vertx, String name, JsonObject config) {
    EtcdAddressResolver resolver = EtcdAddressResolver.create(config);
    HttpClient http = vertx.httpClientBuilder().with(new HttpClientOptions().setConnectTimeout(2_000))
      .withAddressResolver(resolver).withLoadBalancer(resolver.loadBalancer(LoadBalancer.ROUND_ROBIN)).build();
    return new Client(name, EtcdRegistry.create(vertx, config), http, vertx.getOrCreateContext());
  }

  /** @return the new server's registration */
  private String startServer(JsonObject config) throws IOException {
    String name = "greeter-" + started++;
    ChildProcess server = ChildProcess.start(name, GreeterProcess.class,
      List.of("-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1"),
      config.copy().put("drainTimeout", DRAIN_MILLIS).encode(), name);
    servers.add(server);
    return server.awaitLine("ready", Duration.ofSeconds(60)).getString("registration");
  }

  private void rollingRestart(JsonObject config, List<Client> clients, Results results) throws IOException {
    List<RequestLoop> loops = clients.stream().map(Client::startRequests).toList();
    for (int i = 0; i < SERVERS; i++) {
      ChildProcess old = servers.get(i);
      old.terminate();
      String registration = startServer(config);
      await().atMost(Duration.ofSeconds(30)).until(() -> clients.stream().allMatch(client -> client.sees(registration)));
    }
    servers.subList(0, SERVERS).forEach(old -> old.awaitExit(Duration.ofSeconds(30)));
    servers.subList(0, SERVERS).clear();
    for (int i = 0; i < clients.size(); i++) {
      RequestLoop loop = loops.get(i).stop();
      results.add(new Results.Row("routing, rolling restart of " + SERVERS + " servers (SIGTERM, drainTimeout "
        + DRAIN_MILLIS / 1000 + " s), 100 requests/s, no retries", "failed requests of "
        + String.format("%,d", loop.sent.get()) + " (" + clients.get(i).name + ")", loop.failed.get(), Double.NaN, "",
        Double.NaN, "0", loop.failed.get() == 0));
    }
  }

  private void killOne(List<Client> clients, Results results) {
    ChildProcess victim = servers.get(0);
    String registration = victim.lines("ready").get(0).getString("registration");
    List<RequestLoop> loops = clients.stream().map(Client::startRequests).toList();
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
    victim.kill();
    await().atMost(Duration.ofSeconds(TTL + 10)).until(() -> clients.stream().noneMatch(client ->
      client.sees(registration)));
    int ejecting = loops.get(0).stop().failed.get();
    int plain = loops.get(1).stop().failed.get();
    results.add(new Results.Row("routing, SIGKILL of 1 of " + SERVERS + " servers (TTL " + TTL + " s), 100 requests/s,"
      + " no retries", "failed requests until its LEAVE, ejection on (outlierConsecutiveFailures 5)", ejecting, plain,
      "ejection off (0)", ejecting / (double) Math.max(1, plain), "fewer than with ejection off", ejecting < plain));
  }
}
