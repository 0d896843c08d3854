package org.vertxetcd.discovery.benchmark;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.types.HttpEndpoint;
import org.vertxetcd.discovery.EtcdRegistry;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * A greeter-like HTTP server in a JVM of its own (run by the routing workload through {@link ChildProcess}): answers
 * its name, registered through the backend as an instance of {@value RoutingWorkload#SERVICE}. On SIGTERM it drains
 * (its record turns OUT_OF_SERVICE, it keeps serving for {@code drainTimeout}), then closes Vert.x (the lease is
 * revoked); SIGKILL is a crash. Reports {@code {"kind":"ready","registration":...}}.
 */
public final class GreeterProcess {

  private GreeterProcess() {
  }

  /**
   * @param args the backend configuration (JSON, with {@code drainTimeout}) and the instance's name
   */
  public static void main(String[] args) {
    ChildProcess.runMain(() -> serve(new JsonObject(args[0]), args[1]));
  }

  private static void serve(JsonObject config, String name) throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer server = await(vertx.createHttpServer().requestHandler(request -> request.response().end(name))
      .listen(0, "127.0.0.1"));
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config));
    Record record = await(discovery.publish(HttpEndpoint.createRecord(RoutingWorkload.SERVICE, "127.0.0.1",
      server.actualPort(), "/", new JsonObject().put("instance", name))));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      await(registry.drain());
      await(vertx.close());
    }, "drain-then-close"));
    ChildProcess.report(new JsonObject().put("kind", "ready").put("registration", record.getRegistration()));
    ChildProcess.serveCommands(command -> {
      throw new IllegalArgumentException("a greeter takes no command: " + command.encode());
    });
  }
}
