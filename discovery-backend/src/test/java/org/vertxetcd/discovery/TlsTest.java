package org.vertxetcd.discovery;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.servicediscovery.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;
import org.vertxetcd.discovery.support.BackendConfig;
import org.vertxetcd.discovery.support.TestCertificates;
import org.vertxetcd.launcher.EtcdCluster;
import org.vertxetcd.launcher.EtcdExtension;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;
import static org.vertxetcd.discovery.support.TestSupport.backend;
import static org.vertxetcd.discovery.support.TestSupport.awaitFailure;

/**
 * The backend against real etcd servers that speak TLS, one of them also requiring client certificates, with
 * certificates generated for the test.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsTest {

  private static final TestCertificates CERTIFICATES = TestCertificates.generate();
  private static final long TIMEOUT = 2_000;

  @RegisterExtension
  static EtcdExtension tls = EtcdExtension.members(1, builder -> builder
    .extraArguments("https", "--cert-file=" + CERTIFICATES.server(), "--key-file=" + CERTIFICATES.serverKey())
    .etcdctlArguments("--cacert=" + CERTIFICATES.ca()));

  @RegisterExtension
  static EtcdExtension mutualTls = EtcdExtension.members(1, builder -> builder
    .extraArguments("https", "--cert-file=" + CERTIFICATES.server(), "--key-file=" + CERTIFICATES.serverKey(),
      "--trusted-ca-file=" + CERTIFICATES.ca(), "--client-cert-auth")
    .etcdctlArguments("--cacert=" + CERTIFICATES.ca(), "--cert=" + CERTIFICATES.client(),
      "--key=" + CERTIFICATES.clientKey()));

  @Test
  void worksOverTls(Vertx vertx) {
    EtcdBackendService backend = backend(vertx, config(tls).put("caFile", CERTIFICATES.ca()));
    Record record = await(backend.store(new Record().setName("secure")));
    assertEquals("secure", await(backend.getRecord(record.getRegistration())).getName());
    assertTrue(tls.etcdctl("get", "--prefix", "/", "--keys-only").contains(record.getRegistration()));
  }

  @Test
  void worksOverMutualTls(Vertx vertx) {
    EtcdBackendService backend = backend(vertx, config(mutualTls).put("caFile", CERTIFICATES.ca())
      .put("certFile", CERTIFICATES.client()).put("keyFile", CERTIFICATES.clientKey()));
    Record record = await(backend.store(new Record().setName("mutual")));
    assertEquals("mutual", await(backend.getRecord(record.getRegistration())).getName());
  }

  @Test
  void aWrongCertificateAuthorityFailsClearlyWithinTheTimeout(Vertx vertx) {
    EtcdBackendService backend = backend(vertx, config(tls).put("caFile", CERTIFICATES.otherCa()));
    long start = System.nanoTime();
    EtcdDiscoveryException lookup = awaitFailure(backend.getRecords());
    EtcdDiscoveryException store = awaitFailure(backend.store(new Record().setName("x")));
    assertWithinTimeout(start, 2);
    assertEquals(Reason.TIMEOUT, lookup.reason());
    assertTrue(lookup.getMessage().contains("TLS handshake failed"), lookup.getMessage());
    assertEquals(Reason.TIMEOUT, store.reason());
    assertTrue(store.getMessage().contains("TLS handshake failed"), store.getMessage());
  }

  @Test
  void aMissingClientCertificateFailsClearlyWithinTheTimeoutWithoutARetryStorm(Vertx vertx) throws Exception {
    EtcdCluster etcd = mutualTls.cluster();
    long rejectedBefore = rejectedHandshakes(etcd);
    JsonObject config = config(mutualTls).put("caFile", CERTIFICATES.ca());
    EtcdBackendService backend = backend(vertx, config);
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);
    long start = System.nanoTime();
    EtcdDiscoveryException lookup = awaitFailure(backend.getRecords());
    assertWithinTimeout(start, 1);
    assertEquals(Reason.TIMEOUT, lookup.reason());
    assertTrue(lookup.getMessage().contains("etcd"), lookup.getMessage());

    // For 5 s more the node keeps failing (and says so) while backing off, instead of hammering etcd.
    await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).until(() ->
      registry.health().view() == RegistryHealth.ViewState.SYNCING && registry.health().lastError() != null);
    long rejected = rejectedHandshakes(etcd) - rejectedBefore;
    assertTrue(rejected > 0, "etcd saw the handshakes without certificate");
    assertTrue(rejected < 40, rejected + " rejected handshakes in about 7 s is a retry storm");
    await(backend.close());
  }

  @Test
  void theOptionsRefuseInconsistentTlsSettingsNamingTheKey() {
    IllegalArgumentException http = assertThrows(IllegalArgumentException.class, () -> new EtcdBackendOptions()
      .setCaFile(CERTIFICATES.ca()).validate());
    assertTrue(http.getMessage().contains("'caFile'") && http.getMessage().contains("https://"), http.getMessage());
    IllegalArgumentException half = assertThrows(IllegalArgumentException.class, () -> new EtcdBackendOptions()
      .setEndpoints(List.of("https://127.0.0.1:2379")).setCertFile(CERTIFICATES.client()).validate());
    assertTrue(half.getMessage().contains("'keyFile'"), half.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> new EtcdBackendOptions()
      .setEndpoints(List.of("https://127.0.0.1:2379")).setCaFile("/no/such/ca.pem").validate());
    assertTrue(missing.getMessage().contains("'caFile'"), missing.getMessage());
    IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class, () -> new EtcdBackendOptions()
      .setEndpoints(List.of("https://127.0.0.1:2379", "http://127.0.0.1:2380")).validate());
    assertTrue(mixed.getMessage().contains("'endpoints'"), mixed.getMessage());
  }

  @Test
  void unusableTlsFilesFailAtStartNamingTheKeyButNotTheirContent(Vertx vertx) throws Exception {
    String clientKey = Files.readString(Paths.get(CERTIFICATES.clientKey()));
    String keyBody = clientKey.lines().filter(line -> !line.startsWith("-----")).findFirst().orElseThrow();
    JsonObject mutual = config(mutualTls).put("caFile", CERTIFICATES.ca()).put("certFile", CERTIFICATES.client())
      .put("keyFile", CERTIFICATES.clientKey());
    assertFalse(new EtcdBackendOptions(mutual).toString().contains(keyBody));

    // A certificate given as the key, an encrypted key, a key given as the certificate or as the CA.
    assertUnusable(vertx, mutual.copy().put("keyFile", CERTIFICATES.ca()), "'keyFile'");
    assertUnusable(vertx, mutual.copy().put("keyFile", CERTIFICATES.encryptedClientKey()), "'keyFile'");
    assertUnusable(vertx, mutual.copy().put("certFile", CERTIFICATES.clientKey()), "'certFile'");
    assertUnusable(vertx, mutual.copy().put("caFile", CERTIFICATES.clientKey()), "'caFile'");
  }

  private static void assertUnusable(Vertx vertx, JsonObject config, String key) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> backend(vertx, config));
    assertTrue(error.getMessage().contains(key), error.getMessage());
    assertFalse(error.getMessage().contains("BEGIN"), error.getMessage());
  }

  private static long rejectedHandshakes(EtcdCluster etcd) throws Exception {
    return Files.readAllLines(etcd.member(0).logFile()).stream()
      .filter(line -> line.contains("rejected connection") || line.contains("bad certificate")
        || line.contains("tls: client didn't provide a certificate"))
      .count();
  }

  private static void assertWithinTimeout(long startNanos, int calls) {
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    assertTrue(elapsedMs < calls * TIMEOUT + 3_000, "failed after " + elapsedMs + " ms: bounded by the timeout");
  }

  private static JsonObject config(EtcdExtension etcd) {
    return BackendConfig.forCluster(etcd, EtcdExtension.newPrefix()).put("endpoints", new JsonArray(etcd.endpoints()))
      .put("requestTimeout", TIMEOUT);
  }

}
