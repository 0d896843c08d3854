package org.vertxetcd.discovery.benchmark;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * A node of Vert.x's ZooKeeper backend in a JVM of its own (run by the failure-detection workload through
 * {@link ChildProcess}, with {@link ZooKeeperServer#shortSessionJvmOptions()}): publishes one record and reports
 * {@code {"kind":"ready","registration":...}}, then waits to be killed.
 */
public final class ZooKeeperNode {

  private ZooKeeperNode() {
  }

  /**
   * @param args the backend configuration, as JSON
   */
  public static void main(String[] args) {
    ChildProcess.runMain(() -> publishAndWait(new JsonObject(args[0])));
  }

  private static void publishAndWait(JsonObject config) throws Exception {
    ServiceDiscovery discovery = ServiceDiscovery.create(Vertx.vertx(), new ServiceDiscoveryOptions()
      .setBackendConfiguration(config));
    Record record = await(discovery.publish(new Record().setName("doomed").setType("test")));
    ChildProcess.report(new JsonObject().put("kind", "ready").put("registration", record.getRegistration()));
    ChildProcess.serveCommands(command -> {
      throw new IllegalArgumentException("a ZooKeeper node takes no command: " + command.encode());
    });
  }
}
