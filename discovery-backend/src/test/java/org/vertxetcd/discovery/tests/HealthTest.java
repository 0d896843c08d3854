package org.vertxetcd.discovery.tests;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.servicediscovery.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.EventRecorder;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;
import static org.vertxetcd.discovery.support.TestSupport.backend;

/**
 * The registry's state as a health check reads it, and the state changes published on the {@code stateAddress}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthTest {

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1);

  @Test
  void aSyncedNodeIsHealthyAndItsLeaseAppearsWithItsFirstRecord(Vertx vertx) {
    EtcdRegistry registry = EtcdRegistry.create(vertx, etcd.config());
    EtcdBackendService backend = backend(vertx, registry.options().toJson());
    await(registry.snapshot());
    await().atMost(etcd.delivery()).until(() -> registry.health().view() == RegistryHealth.ViewState.FRESH);
    RegistryHealth before = registry.health();
    assertTrue(before.healthy(), before.toString());
    assertEquals(RegistryHealth.LeaseState.NONE, before.lease(), "nothing registered, no lease needed");

    await(backend.store(new Record().setName("svc")));

    RegistryHealth after = registry.health();
    assertTrue(after.healthy());
    assertEquals(RegistryHealth.LeaseState.ALIVE, after.lease());
    assertNotEquals(0, after.leaseId());
    assertEquals(1, after.ownRecords());
    JsonObject json = after.toJson();
    assertEquals(List.of("healthy", "view", "lease", "leaseId", "revision", "records", "ownRecords", "imports",
      "problems", "lastError"), List.copyOf(json.fieldNames()));
    assertEquals(Long.toHexString(after.leaseId()), json.getString("leaseId"));
    assertNull(json.getString("lastError"));
  }

  @Test
  void aNodeThatCannotReachEtcdIsUnhealthyAndSaysWhy(Vertx vertx) {
    EtcdRegistry registry = EtcdRegistry.create(vertx, new JsonObject().put("endpoints", "http://127.0.0.1:1")
      .put("prefix", etcd.prefix()));
    await().atMost(Duration.ofSeconds(10)).until(() -> registry.health().lastError() != null);
    RegistryHealth health = registry.health();
    assertFalse(health.healthy());
    assertEquals(RegistryHealth.ViewState.SYNCING, health.view());
    await(registry.close());
  }

  @Test
  void stateChangesArePublishedWithTheirReasonAndTheNewState(Vertx vertx) {
    JsonObject config = etcd.config().put("stateAddress", "my.state");
    EventRecorder states = EventRecorder.listen(vertx, "my.state");
    EtcdBackendService backend = backend(vertx, config);
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);
    await(backend.store(new Record().setName("svc")));

    etcd.etcdctl("lease", "revoke", Long.toHexString(registry.health().leaseId()));

    await().atMost(Duration.ofSeconds(10)).until(() -> states.messages().stream()
      .anyMatch(message -> "LEASE_RESTORED".equals(message.getString("change"))));
    JsonObject lost = states.messages().stream().filter(message -> "LEASE_LOST".equals(message.getString("change")))
      .findFirst().orElseThrow();
    assertTrue(lost.getString("reason").contains("lease not found"), lost.encode());
    assertEquals("LOST", lost.getJsonObject("health").getString("lease"));
    assertFalse(lost.getJsonObject("health").getBoolean("healthy"));
    assertEquals(1, await(backend.getRecords()).size(), "the record is registered again");
    assertTrue(registry.health().healthy());
  }
}
