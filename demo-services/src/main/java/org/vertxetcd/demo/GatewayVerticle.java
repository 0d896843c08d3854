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
import io.vertx.core.net.endpoint.LoadBalancer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.vertxetcd.discovery.EtcdAddressResolver;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.ServiceAddress;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * The demo's front door: {@code GET /api/hello?name=you} goes to the logical address of the greeter service, which
 * the etcd address resolver turns into the live greeters, round robin; with {@code retry} on, a request that fails
 * mid-way is tried again on the next instance. The balancer is wrapped by the resolver's, so instances whose requests
 * keep failing are ejected for a while (the backend's {@code outlierConsecutiveFailures} and related keys).
 * <p>
 * {@code /} is the registry console ({@link RegistryConsole}), pushed by server-sent events from
 * {@code GET /api/events}; {@code GET /api/registry} gives the same as JSON, {@code GET /api/history} the recent
 * history, {@code GET /api/health} the registry's health with the number of live instances and of browsers pushed
 * to (and dropped for not reading). Actions under {@code /api/admin/} need an admin token ({@link AdminActions}). It
 * also serves {@code /health} and {@code /metrics} ({@link OperatorRoutes}).
 * <p>
 * Configuration: {@code discovery} (the backend configuration), {@code port} (default 8080), {@code service} (the
 * service to balance over, default greeter), {@code retry} (default true), {@code adminTokens}
 * ({@code name=secret[,...]}, none by default: read-only).
 */
public class GatewayVerticle extends VerticleBase {

  private static final int ATTEMPT_TIMEOUT_MS = 2_000;
  /** The charting library, from its WebJar on the class path. */
  private static final String WEBJARS = "META-INF/resources/webjars";
  private static final String STALENESS_METER = "vertx.etcd.discovery.view.staleness";

  private EtcdRegistry registry;
  private ServiceDiscovery discovery;
  private RegistryConsole console;
  private ServiceAddress service;
  private EtcdAddressResolver resolver;
  private HttpClient client;
  private boolean retry;
  private int port;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    EtcdBackendOptions options = new EtcdBackendOptions(config.getJsonObject("discovery"));
    AdminTokens tokens = AdminTokens.parse(config.getString("adminTokens", ""));
    service = ServiceAddress.of(config.getString("service", "greeter"));
    registry = EtcdRegistry.create(vertx, options);
    // The same Vert.x instance and configuration: the same registry, for the console's actions.
    discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config.getJsonObject("discovery")));
    retry = config.getBoolean("retry", true);
    resolver = EtcdAddressResolver.create(options);
    client = vertx.httpClientBuilder()
      .with(new HttpClientOptions().setConnectTimeout(ATTEMPT_TIMEOUT_MS))
      .withAddressResolver(resolver)
      .withLoadBalancer(resolver.loadBalancer(LoadBalancer.ROUND_ROBIN))
      .build();
    console = new RegistryConsole(vertx, registry, resolver, staleness(config, options), tokens.enabled());

    Router router = Router.router(vertx);
    router.get("/api/hello").handler(this::hello);
    router.get("/api/registry").handler(ctx -> ctx.json(console.snapshot()));
    router.get("/api/history").handler(ctx -> ctx.json(console.history().toJson()));
    router.get("/api/health").handler(this::health);
    router.get("/api/events").handler(ctx -> console.feed().attach(ctx.response()));
    new AdminActions(tokens, discovery, console).mount(router);
    OperatorRoutes.mount(router, vertx, registry, config);
    router.route("/webjars/*").handler(StaticHandler.create(WEBJARS));
    router.route().handler(StaticHandler.create("webroot"));

    return console.start()
      .compose(started -> vertx.createHttpServer().requestHandler(router).listen(config.getInteger("port", 8080)))
      .onSuccess(server -> port = server.actualPort());
  }

  /** The registry's staleness meter, when this Vert.x instance runs Micrometer metrics ({@code null} otherwise). */
  private static Supplier<Double> staleness(JsonObject config, EtcdBackendOptions options) {
    MeterRegistry meters = BackendRegistries.getNow(config.getString(DemoVertx.METRICS_REGISTRY,
      MicrometerMetricsOptions.DEFAULT_REGISTRY_NAME));
    if (meters == null) {
      return null;
    }
    return () -> {
      Gauge gauge = meters.find(STALENESS_METER).tag("prefix", options.normalizedPrefix()).gauge();
      return gauge == null ? null : gauge.value();
    };
  }
  private void hello(RoutingContext ctx) {
    String uri = "/hello?name=" + URLEncoder.encode(ctx.request().getParam("name", "world"), StandardCharsets.UTF_8);
    if (!retry) {
      attempt(uri, 1, new JsonArray(), ctx);
      return;
    }
    // As many attempts as there are instances: round robin gives each retry to the next one.
    registry.lookup(service.name())
      .onSuccess(instances -> attempt(uri, Math.max(1, instances.size()), new JsonArray(), ctx))
      .onFailure(ctx::fail);
  }

  private void attempt(String uri, int attemptsLeft, JsonArray failures, RoutingContext ctx) {
    client.request(new RequestOptions().setServer(service).setMethod(HttpMethod.GET).setURI(uri)
        .setIdleTimeout(ATTEMPT_TIMEOUT_MS))
      .compose(request -> request.send())
      .compose(response -> response.statusCode() == 200 ? response.body()
        : Future.<Buffer>failedFuture("HTTP " + response.statusCode()))
      .onSuccess(body -> ctx.response().putHeader("content-type", "application/json")
        .putHeader("x-served-by", body.toJsonObject().getString("instance", ""))
        .end(body))
      .onFailure(error -> {
        failures.add(new JsonObject().put("error", String.valueOf(error.getMessage())));
        if (attemptsLeft > 1) {
          attempt(uri, attemptsLeft - 1, failures, ctx);
        } else {
          ctx.response().setStatusCode(503).putHeader("content-type", "application/json")
            .end(new JsonObject().put("error", "no live " + service.name() + " answered").put("failures", failures)
              .encode());
        }
      });
  }

  private void health(RoutingContext ctx) {
    RegistryHealth health = registry.health();
    registry.lookup(service.name()).onComplete((instances, error) -> ctx.response()
      .setStatusCode(health.healthy() && error == null ? 200 : 503).putHeader("content-type", "application/json")
      .end(RegistryFeed.describe(health).put("instances", error == null ? instances.size() : 0)
        .put("browsers", console.feed().browsers()).encode()));
  }

  @Override
  public Future<?> stop() {
    return client.close().onComplete(done -> discovery.close()).eventually(() -> registry.close());
  }

  /** @return the port the gateway listens on */
  public int port() {
    return port;
  }
}
