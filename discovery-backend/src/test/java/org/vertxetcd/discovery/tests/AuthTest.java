package org.vertxetcd.discovery.tests;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.servicediscovery.Record;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;
import org.vertxetcd.discovery.support.DiscoveryExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;
import static org.vertxetcd.discovery.support.TestSupport.backend;
import static org.vertxetcd.discovery.support.TestSupport.awaitFailure;

/**
 * The backend against a real etcd with authentication enabled and one role per tenant, each granting read and write
 * on its own prefix only; auth tokens expire after 2 s.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AuthTest {

  private static final String ROOT = "--user=root:root-secret";
  private static final long TIMEOUT = 2_000;

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1, builder -> builder.extraArguments("http",
    "--auth-token-ttl=2"));

  @BeforeAll
  static void createTenantsAndEnableAuth() {
    etcd.etcdctl("user", "add", "root:root-secret");
    etcd.etcdctl("user", "grant-role", "root", "root");
    for (String tenant : List.of("a", "b")) {
      etcd.etcdctl("role", "add", "tenant-" + tenant);
      etcd.etcdctl("role", "grant-permission", "tenant-" + tenant, "--prefix=true", "readwrite",
        "/tenants/" + tenant + "/");
      etcd.etcdctl("user", "add", "user-" + tenant + ":secret-" + tenant);
      etcd.etcdctl("user", "grant-role", "user-" + tenant, "tenant-" + tenant);
    }
    etcd.etcdctl("auth", "enable");
  }

  @Test
  void worksWithUserAndPasswordAcrossTokenExpiry(Vertx vertx) {
    JsonObject config = tenant("a", "secret-a", "/tenants/a").put("ttl", 9);
    EtcdBackendService backend = backend(vertx, config);
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);
    Record record = await(backend.store(new Record().setName("svc")));
    assertEquals("svc", await(backend.getRecord(record.getRegistration())).getName());

    // Tokens live 2 s unused; keep-alives go every 3 s: each finds its token expired, and so do the writes below.
    await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).until(() -> registry.health().healthy());
    record.getMetadata().put("after", "token expiry");
    await(backend.update(record));
    Record again = await(backend.store(new Record().setName("svc")));
    // The snapshot waits for the watch to deliver this node's writes: the watch outlived its token too.
    assertEquals(2, await(registry.snapshot()).records().size());
    assertTrue(etcd.etcdctl("get", "--prefix", "/tenants/a/", "--keys-only", ROOT)
      .contains(again.getRegistration()), "the record is in etcd, under tenant a's prefix");
  }

  @Test
  void wrongCredentialsFailClearlyAndAtOnce(Vertx vertx) {
    EtcdBackendService backend = backend(vertx, tenant("a", "not-the-password", "/tenants/a"));
    EtcdDiscoveryException lookup = awaitFailure(backend.getRecords());
    EtcdDiscoveryException store = awaitFailure(backend.store(new Record().setName("svc")));
    assertEquals(Reason.AUTHENTICATION_FAILED, lookup.reason(), lookup.getMessage());
    assertTrue(lookup.getMessage().contains("user name or password"), lookup.getMessage());
    assertFalse(lookup.getMessage().contains("not-the-password"), "the password never appears in messages");
    // Not retried until the request timeout: a wrong password is not transient.
    assertEquals(Reason.AUTHENTICATION_FAILED, store.reason(), store.getMessage());
    assertFalse(store.getMessage().contains("not-the-password"));
  }

  @Test
  void aTenantCannotReadOrWriteAnotherTenantsPrefix(Vertx vertx) {
    EtcdBackendService bob = backend(vertx, tenant("b", "secret-b", "/tenants/b"));
    Record bobs = await(bob.store(new Record().setName("billing")));

    EtcdBackendService alice = backend(etcd.vertx(), tenant("a", "secret-a", "/tenants/b"));
    EtcdDiscoveryException read = awaitFailure(alice.getRecords());
    assertEquals(Reason.PERMISSION_DENIED, read.reason(), read.getMessage());
    assertTrue(read.getMessage().contains("permission"), read.getMessage());
    EtcdDiscoveryException write = awaitFailure(alice.store(new Record().setName("intruder")));
    assertEquals(Reason.PERMISSION_DENIED, write.reason(), write.getMessage());
    assertEquals(Reason.PERMISSION_DENIED, awaitFailure(alice.remove(bobs.getRegistration())).reason());
    List<String> keys = etcd.etcdctl("get", "--prefix", "/tenants/b/", "--keys-only", ROOT).lines()
      .filter(line -> !line.isBlank()).collect(Collectors.toList());
    assertEquals(List.of("/tenants/b/billing/" + bobs.getRegistration()), keys, "tenant b's records are untouched");
    assertEquals(1, await(bob.getRecords()).size());
  }

  @Test
  void anImportEtcdRefusesMakesTheNodeUnhealthyAndLookupsFailAtOnce(Vertx vertx) {
    JsonObject config = tenant("a", "secret-a", "/tenants/a")
      .put("imports", new JsonArray().add(new JsonObject().put("prefix", "/tenants/b/services")));
    EtcdBackendService backend = backend(vertx, config);
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);

    long start = System.nanoTime();
    EtcdDiscoveryException lookup = awaitFailure(backend.getRecords());
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(Reason.PERMISSION_DENIED, lookup.reason(), lookup.getMessage());
    assertTrue(lookup.getMessage().contains("/tenants/b/services/"), "names the import: " + lookup.getMessage());
    assertTrue(tookMs < TIMEOUT, "fails at once, not at the request timeout: " + tookMs + " ms");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      RegistryHealth health = registry.health();
      assertFalse(health.healthy());
      RegistryHealth.ImportHealth imported = health.imports().get(0);
      assertEquals("/tenants/b/services/", imported.prefix());
      assertTrue(imported.lastError().contains("permission"), imported.lastError());
      assertTrue(health.problems().keySet().stream().anyMatch(source -> source.contains("/tenants/b/services/")),
        "the refusal is a problem waiting cannot fix: " + health.problems());
    });
  }

  @Test
  void thePasswordNeverAppearsInTheDisplayForm() {
    EtcdBackendOptions options = new EtcdBackendOptions(tenant("a", "secret-a", "/tenants/a"));
    assertFalse(options.toString().contains("secret-a"));
    assertFalse(options.toDisplayJson().encode().contains("secret-a"));
    assertEquals("********", options.toDisplayJson().getString("password"));
    assertEquals(options, new EtcdBackendOptions(options.toJson()), "the JSON form still round-trips");
  }

  private static JsonObject tenant(String tenant, String password, String prefix) {
    return etcd.config().put("prefix", prefix).put("user", "user-" + tenant).put("password", password)
      .put("requestTimeout", TIMEOUT);
  }

}
