package org.vertxetcd.demo;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryHealth;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The demo's front door: {@code GET /api/hello?name=you} is balanced over the live greeters, trying the next one
 * when one fails mid-request; {@code /} is a live dashboard of the registry, pushed by server-sent events from
 * {@code GET /api/events}; {@code GET /api/registry} and {@code GET /api/health} give the same as JSON.
 * <p>
 * It follows the registry through one subscription: a snapshot, then every change after it.
 * Configuration: {@code discovery} (the backend configuration), {@code port} (default 8080), {@code service} (the
 * service to balance over, default greeter).
 */
public class GatewayVerticle extends VerticleBase {

  private static final int ATTEMPT_TIMEOUT_MS = 2_000;

  private EtcdRegistry registry;
  private InstanceBalancer balancer;
  private final RegistryFeed feed = new RegistryFeed();
  private HttpClient client;
  private int port;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    EtcdBackendOptions options = new EtcdBackendOptions(config.getJsonObject("discovery"));
    balancer = new InstanceBalancer(config.getString("service", "greeter"));
    registry = EtcdRegistry.create(vertx, options);
    client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(ATTEMPT_TIMEOUT_MS));
    vertx.eventBus().<JsonObject>localConsumer(options.getStateAddress(), message -> feed.onState(message.body()));
    vertx.setPeriodic(15_000, id -> feed.keepAlive());

    Router router = Router.router(vertx);
    router.get("/api/hello").handler(this::hello);
    router.get("/api/registry").handler(ctx -> ctx.json(feed.view().put("health", registry.health().toJson())));
    router.get("/api/health").handler(this::health);
    router.get("/api/events").handler(ctx -> feed.attach(ctx.response(), registry.health()));
    router.route().handler(StaticHandler.create("webroot"));

    return registry.subscribe(this::onChange)
      .onSuccess(subscription -> {
        balancer.reset(subscription.snapshot().records());
        feed.reset(subscription.snapshot());
      })
      .compose(subscription -> vertx.createHttpServer().requestHandler(router)
        .listen(config.getInteger("port", 8080)))
      .onSuccess(server -> port = server.actualPort());
  }

  private void onChange(RegistryEvent event) {
    balancer.onEvent(event);
    feed.onEvent(event);
  }

  private void hello(RoutingContext ctx) {
    String name = ctx.request().getParam("name", "world");
    tryInstances(balancer.rotation(), 0, "/hello?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8),
      new JsonArray(), ctx);
  }

  /** Tries each instance in turn until one answers; instances that left meanwhile are skipped. */
  private void tryInstances(List<Record> rotation, int index, String uri, JsonArray failures, RoutingContext ctx) {
    if (index >= rotation.size()) {
      ctx.response().setStatusCode(503).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", "no live greeter answered").put("failures", failures).encode());
      return;
    }
    Record instance = rotation.get(index);
    if (!balancer.isLive(instance.getRegistration())) {
      tryInstances(rotation, index + 1, uri, failures, ctx);
      return;
    }
    JsonObject location = instance.getLocation();
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(location.getString("host"))
        .setPort(location.getInteger("port")).setURI(uri).setTimeout(ATTEMPT_TIMEOUT_MS))
      .compose(request -> request.send())
      .compose(response -> response.statusCode() == 200 ? response.body()
        : Future.<Buffer>failedFuture("HTTP " + response.statusCode()))
      .onSuccess(body -> ctx.response().putHeader("content-type", "application/json")
        .putHeader("x-served-by", instance.getMetadata().getString("instance", instance.getRegistration()))
        .end(body))
      .onFailure(error -> {
        failures.add(new JsonObject().put("instance", location.getString("endpoint")).put("error", error.getMessage()));
        tryInstances(rotation, index + 1, uri, failures, ctx);
      });
  }

  private void health(RoutingContext ctx) {
    RegistryHealth health = registry.health();
    ctx.response().setStatusCode(health.healthy() ? 200 : 503).putHeader("content-type", "application/json")
      .end(health.toJson().put("instances", balancer.size()).encode());
  }

  @Override
  public Future<?> stop() {
    return registry.close();
  }

  /** @return the port the gateway listens on */
  public int port() {
    return port;
  }
}
