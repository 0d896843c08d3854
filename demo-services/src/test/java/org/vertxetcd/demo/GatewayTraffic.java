package org.vertxetcd.demo;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/**
 * A client sending {@code GET /api/hello} to the gateway at a steady rate, over plain HTTP (no address resolver on
 * this side), from a Vert.x context of its own, and keeping the outcome of every request.
 */
final class GatewayTraffic implements AutoCloseable {

  /** How long one request may take before it counts as failed. */
  private static final long REQUEST_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final HttpClient client;
  private final int gatewayPort;
  private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile long timer = -1;
  private long startedAt;
  private long stoppedAt;

  /** One request: when it was sent, whether it got a 200, and which greeter served it. */
  record Outcome(long sentAtNanos, boolean ok, String servedBy, String problem) {
  }

  private GatewayTraffic(Vertx vertx, int gatewayPort) {
    this.vertx = vertx;
    this.gatewayPort = gatewayPort;
    this.client = vertx.createHttpClient();
  }

  /**
   * @param vertx          the Vert.x instance to send from
   * @param gatewayPort    the gateway's port on loopback
   * @param requestsPerSecond the rate
   * @return the traffic, running
   */
  static GatewayTraffic start(Vertx vertx, int gatewayPort, int requestsPerSecond) {
    GatewayTraffic traffic = new GatewayTraffic(vertx, gatewayPort);
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      traffic.startedAt = System.nanoTime();
      traffic.timer = vertx.setPeriodic(1_000 / requestsPerSecond, id -> traffic.send());
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> traffic.timer >= 0);
    return traffic;
  }

  private void send() {
    long sentAt = System.nanoTime();
    inFlight.incrementAndGet();
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(gatewayPort)
        .setURI("/api/hello?name=traffic").setTimeout(REQUEST_TIMEOUT_MS))
      .compose(request -> request.send())
      // The body is read in the same turn as the response arrives, hence one chain.
      .compose(response -> response.body().map(body -> response.statusCode() == 200
        ? new Outcome(sentAt, true, response.getHeader("x-served-by"), null)
        : new Outcome(sentAt, false, null, "HTTP " + response.statusCode() + " " + body)))
      .otherwise(error -> new Outcome(sentAt, false, null, String.valueOf(error)))
      .onSuccess(outcome -> {
        outcomes.add(outcome);
        inFlight.decrementAndGet();
      });
  }

  /** Stops sending and waits for the answers of the requests still on their way. */
  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
      stoppedAt = System.nanoTime();
      await().atMost(Duration.ofMillis(REQUEST_TIMEOUT_MS * 2)).until(() -> inFlight.get() == 0);
    }
  }

  /** @return every outcome so far */
  List<Outcome> outcomes() {
    return List.copyOf(outcomes);
  }

  /** @return the failed requests so far */
  List<Outcome> failures() {
    return outcomes.stream().filter(outcome -> !outcome.ok()).toList();
  }

  /** @return the requests sent per second, measured between start and stop */
  double measuredRate() {
    return outcomes.size() / (TimeUnit.NANOSECONDS.toMillis(stoppedAt - startedAt) / 1000.0);
  }

  @Override
  public void close() {
    try {
      stop();
    } finally {
      client.close();
    }
  }
}
