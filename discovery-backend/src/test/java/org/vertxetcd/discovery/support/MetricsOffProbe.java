package org.vertxetcd.discovery.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.vertxetcd.discovery.EtcdRegistry;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Runs in a JVM of its own, Vert.x without metrics: publishes, looks up and closes through the etcd backend, and
 * prints {@code ok}. Run with a class path without Micrometer, it shows nothing of it is needed.
 */
public final class MetricsOffProbe {

  private MetricsOffProbe() {
  }

  /**
   * @param args the backend configuration, as JSON
   */
  public static void main(String[] args) {
    JsonObject config = new JsonObject(args[0]);
    Vertx vertx = Vertx.vertx();
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config));
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);
    Record record = await(discovery.publish(new Record().setName("probe")));
    int found = await(registry.lookup("probe")).size();
    await(discovery.unpublish(record.getRegistration()));
    await(vertx.close());
    System.out.println(found == 1 ? "ok" : "lookup found " + found);
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }
}
