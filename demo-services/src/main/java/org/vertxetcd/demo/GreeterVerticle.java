package org.vertxetcd.demo;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.types.HttpEndpoint;
import org.vertxetcd.discovery.EtcdRegistry;

import java.time.Instant;

/**
 * An HTTP service answering {@code GET /hello?name=you} that registers itself in etcd as an HTTP endpoint, with the
 * host and port it really listens on, and unregisters when it stops. It also serves {@code /health} and
 * {@code /metrics} ({@link OperatorRoutes}).
 * <p>
 * Stopping drains it when the backend has a {@code drainTimeout}: its record turns OUT_OF_SERVICE (clients stop
 * selecting it) while it keeps answering the requests already on their way, and it leaves once the drain timeout has
 * passed. Undeploying stops a verticle before Vert.x closes its HTTP server, so the server is still open meanwhile.
 * <p>
 * Configuration: {@code discovery} (the backend configuration), {@code name} (service name, default greeter),
 * {@code host} (the host other services reach it at), {@code bind} (the interface to listen on, default the host),
 * {@code port} (0 picks a free one), {@code weight} (metadata {@code weight}: its share of the traffic, optional).
 */
public class GreeterVerticle extends VerticleBase {

  private static final long PUBLISH_RETRY_MS = 2_000;

  private ServiceDiscovery discovery;
  private EtcdRegistry registry;
  private Record record;
  private String instance;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    String host = config.getString("host", "127.0.0.1");
    discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config.getJsonObject("discovery")));
    // The same Vert.x instance and configuration as the backend's: a handle on the same registry, for its health.
    registry = EtcdRegistry.create(vertx, config.getJsonObject("discovery"));
    Router router = Router.router(vertx);
    router.get("/hello").handler(this::hello);
    OperatorRoutes.mount(router, vertx, registry, config);
    return vertx.createHttpServer()
      .requestHandler(router)
      .listen(config.getInteger("port", 0), config.getString("bind", host))
      .onSuccess(server -> {
        instance = config.getString("name", "greeter") + "@" + host + ":" + server.actualPort();
        publish(config.getString("name", "greeter"), host, server);
      });
  }

  private void hello(RoutingContext ctx) {
    ctx.response().putHeader("content-type", "application/json")
      .end(new JsonObject().put("greeting", "Hello, " + ctx.request().getParam("name", "world") + "!")
        .put("instance", instance).encode());
  }

  /** Registers this greeter; while etcd is not reachable yet (a cluster still starting), tries again. */
  private void publish(String name, String host, HttpServer server) {
    JsonObject metadata = new JsonObject().put("instance", instance).put("registeredAt", Instant.now().toString());
    Integer weight = config().getInteger("weight");
    if (weight != null) {
      metadata.put("weight", weight);
    }
    discovery.publish(HttpEndpoint.createRecord(name, host, server.actualPort(), "/").setMetadata(metadata))
      .onSuccess(published -> {
        record = published;
        // One write: a line other processes wait for must not be split by concurrent output.
        System.out.println(String.format("greeter %s listening on %s (registration %s)", instance,
          published.getLocation().getString("endpoint"), published.getRegistration()));
      })
      .onFailure(error -> {
        System.err.printf("greeter %s could not register (%s); trying again in %d ms%n", instance,
          error.getMessage(), PUBLISH_RETRY_MS);
        vertx.setTimer(PUBLISH_RETRY_MS, id -> publish(name, host, server));
      });
  }

  @Override
  public Future<?> stop() {
    return drain().compose(drained -> unpublish()).onComplete(done -> discovery.close())
      .eventually(() -> registry.close());
  }

  /** Turns this greeter OUT_OF_SERVICE and waits the drain timeout, serving meanwhile; at once without a timeout. */
  private Future<Void> drain() {
    long drainTimeout = registry.options().getDrainTimeout();
    if (record == null || drainTimeout == 0) {
      return Future.succeededFuture();
    }
    // One write: greeters started by the demo share its output.
    System.out.println(String.format("greeter %s draining: OUT_OF_SERVICE, still serving for %d ms", instance,
      drainTimeout));
    return registry.drain();
  }

  private Future<Void> unpublish() {
    return record == null ? Future.succeededFuture()
      : discovery.unpublish(record.getRegistration()).recover(error -> {
        System.err.printf("greeter %s could not unregister (%s): it leaves when its lease expires%n", instance,
          error.getMessage());
        return Future.succeededFuture();
      });
  }

  /** @return this instance's name, {@code greeter@host:port} */
  public String instance() {
    return instance;
  }
}
