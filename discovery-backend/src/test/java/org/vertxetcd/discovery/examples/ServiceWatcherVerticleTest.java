package org.vertxetcd.discovery.examples;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.support.DiscoveryExtension;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vertxetcd.discovery.support.TestSupport.await;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceWatcherVerticleTest {

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1);

  @Test
  void theReadmeSubscriberFollowsOneServiceFromSnapshotThroughChanges(Vertx vertx) {
    JsonObject config = etcd.config();
    ServiceDiscovery discovery = etcd.discovery(vertx, config);
    Record before = await(discovery.publish(new Record().setName("greeter")));
    await(discovery.publish(new Record().setName("other")));

    ServiceWatcherVerticle watcher = new ServiceWatcherVerticle("greeter", new EtcdBackendOptions(config));
    await(vertx.deployVerticle(watcher));
    assertEquals(Set.of(before.getRegistration()), watcher.instances().keySet(), "starts from the snapshot");

    Record after = await(discovery.publish(new Record().setName("greeter")));
    await().atMost(etcd.delivery()).until(() -> watcher.instances().size() == 2);
    await(discovery.unpublish(before.getRegistration()));
    await().atMost(etcd.delivery()).until(() ->
      watcher.instances().keySet().equals(Set.of(after.getRegistration())));
  }
}
