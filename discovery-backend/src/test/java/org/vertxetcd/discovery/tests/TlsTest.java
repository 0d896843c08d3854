package org.vertxetcd.discovery.tests;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.servicediscovery.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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
import org.vertxetcd.discovery.support.TestCertificates;
import org.vertxetcd.launcher.EtcdCluster;

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
  static DiscoveryExtension tls = DiscoveryExtension.members(1, builder -> builder
    .extraArguments("https", "--cert-file=" + CERTIFICATES.server(), "--key-file=" + CERTIFICATES.serverKey())
    .etcdctlArguments("--cacert=" + CERTIFICATES.ca()));

  @RegisterExtension
  static DiscoveryExtension mutualTls = DiscoveryExtension.members(1, builder -> builder
    .extraArguments("https", "--cert-file=" + CERTIFICATES.server(), "--key-file=" + CERTIFICATES.serverKey(),
      "--trusted-ca-file=" + CERTIFICATES.ca(), "--client-cert-auth")
    .etcdctlArguments("--cacert=" + CERTIFICATES.ca(), "--cert=" + CERTIFICATES.client(),
      "--key=" + CERTIFICATES.clientKey()));

  @Test
  void worksOverTls(Vertx vertx) {
    EtcdBackendService backend = synced(backend(vertx, config(tls).put("caFile", CERTIFICATES.ca())));
    Record record = await(backend.store(new Record().setName("secure")));
    assertEquals("secure", await(backend.getRecord(record.getRegistration())).getName());
    assertTrue(tls.etcdctl("get", "--prefix", "/", "--keys-only").contains(record.getRegistration()));
  }

  @Test
  void worksOverMutualTls(Vertx vertx) {
    EtcdBackendService backend = synced(backend(vertx, config(mutualTls).put("caFile", CERTIFICATES.ca())
      .put("certFile", CERTIFICATES.client()).put("keyFile", CERTIFICATES.clientKey())));
    Record record = await(backend.store(new Record().setName("mutual")));
    assertEquals("mutual", await(backend.getRecord(record.getRegistration())).getName());
  }

  @ParameterizedTest
  @ValueSource(strings = {"JKS", "PKCS12"})
  void worksOverMutualTlsWithKeyStores(String type, Vertx vertx) {
    String trustKey = type.equals("JKS") ? "trustStoreOptions" : "pfxTrustOptions";
    String keyKey = type.equals("JKS") ? "keyStoreOptions" : "pfxKeyCertOptions";
    JsonObject config = config(mutualTls)
      .put(trustKey, new JsonObject().put("path", CERTIFICATES.trustStore(type))
        .put("password", TestCertificates.STORE_PASSWORD))
      .put(keyKey, new JsonObject().put("path", CERTIFICATES.clientKeyStore(type))
        .put("password", TestCertificates.STORE_PASSWORD));
    EtcdBackendOptions options = new EtcdBackendOptions(config);
    assertFalse(options.toString().contains(TestCertificates.STORE_PASSWORD), "key store passwords are not shown");
    EtcdBackendService backend = synced(backend(vertx, config));
    Record record = await(backend.store(new Record().setName("stored-" + type)));
    assertTrue(mutualTls.etcdctl("get", "--prefix", "/", "--keys-only").contains(record.getRegistration()));
  }

  @Test
  void worksWithTlsMaterialHeldInMemory(Vertx vertx) throws Exception {
    EtcdBackendOptions options = new EtcdBackendOptions(config(mutualTls))
      .setPemTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(Files.readAllBytes(
        Paths.get(CERTIFICATES.ca())))))
      .setPemKeyCertOptions(new PemKeyCertOptions()
        .setCertValue(Buffer.buffer(Files.readAllBytes(Paths.get(CERTIFICATES.client()))))
        .setKeyValue(Buffer.buffer(Files.readAllBytes(Paths.get(CERTIFICATES.clientKey())))));
    assertEquals(options, new EtcdBackendOptions(options.toJson()), "in-memory material round-trips through JSON");
    assertFalse(options.toDisplayJson().encode().contains(jsonOf(CERTIFICATES.clientKey())),
      "the in-memory key is not shown");
    EtcdBackendService backend = new EtcdBackendService();
    backend.init(vertx, options);
    synced(backend);
    Record record = await(backend.store(new Record().setName("in-memory")));
    assertTrue(mutualTls.etcdctl("get", "--prefix", "/", "--keys-only").contains(record.getRegistration()));
  }

  /** The base64url form the JSON of a Vert.x buffer takes. */
  private static String jsonOf(String file) throws Exception {
    return new JsonObject().put("v", Buffer.buffer(Files.readAllBytes(Paths.get(file)))).getString("v");
  }

  /** Waits for the first sync, whose client start-up (with its TLS files) is not what these tests time. */
  private static EtcdBackendService synced(EtcdBackendService backend) {
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> await(backend.getRecords()) != null);
    return backend;
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
  void aMissingClientCertificateFailsClearlyWithinTheTimeoutAndKeepsSayingSo(Vertx vertx) throws Exception {
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

    // For 5 s more the node keeps failing and says so, retrying with the backoff of its one retry policy.
    await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).until(() ->
      registry.health().view() == RegistryHealth.ViewState.SYNCING && registry.health().lastError() != null);
    long rejected = rejectedHandshakes(etcd) - rejectedBefore;
    assertTrue(rejected > 0, "etcd saw the handshakes without certificate");
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
  void unusableTlsFilesFailAtOnceNamingTheKeyButNotTheirContent(Vertx vertx) throws Exception {
    String clientKey = Files.readString(Paths.get(CERTIFICATES.clientKey()));
    String keyBody = clientKey.lines().filter(line -> !line.startsWith("-----")).findFirst().orElseThrow();
    JsonObject mutual = config(mutualTls).put("caFile", CERTIFICATES.ca()).put("certFile", CERTIFICATES.client())
      .put("keyFile", CERTIFICATES.clientKey());
    assertFalse(new EtcdBackendOptions(mutual).toString().contains(keyBody));

    // A certificate given as the key, an encrypted key, a key given as the certificate or as the CA, a key store
    // with the wrong password.
    assertUnusable(vertx, mutual.copy().put("keyFile", CERTIFICATES.ca()), "'certFile/keyFile'", keyBody);
    assertUnusable(vertx, mutual.copy().put("keyFile", CERTIFICATES.encryptedClientKey()), "'certFile/keyFile'",
      keyBody);
    assertUnusable(vertx, mutual.copy().put("certFile", CERTIFICATES.clientKey()), "'certFile/keyFile'", keyBody);
    assertUnusable(vertx, mutual.copy().put("caFile", CERTIFICATES.clientKey()), "'caFile'", keyBody);
    assertUnusable(vertx, config(mutualTls).put("caFile", CERTIFICATES.ca()).put("keyStoreOptions", new JsonObject()
      .put("path", CERTIFICATES.clientKeyStore("JKS")).put("password", "not-the-password")), "'keyStoreOptions'",
      "not-the-password");
  }

  /**
   * TLS material is read once, off the event loop, when the registry starts: every call then fails at once with
   * INVALID_CONFIGURATION naming the key (waiting cannot help), and the health says why.
   */
  private static void assertUnusable(Vertx vertx, JsonObject config, String key, String secret) {
    EtcdBackendService backend = backend(vertx, config);
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);
    long start = System.nanoTime();
    EtcdDiscoveryException error = awaitFailure(backend.getRecords());
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < TIMEOUT, "fails at once");
    assertEquals(Reason.INVALID_CONFIGURATION, error.reason(), error.getMessage());
    assertTrue(error.getMessage().contains(key), error.getMessage());
    assertFalse(error.getMessage().contains(secret), "nothing the files hold is shown: " + error.getMessage());
    await().atMost(Duration.ofMillis(TIMEOUT)).untilAsserted(() -> {
      assertFalse(registry.health().healthy());
      assertTrue(registry.health().lastError().contains(key), registry.health().lastError());
    });
    await(registry.close());
    await(backend.close());
  }

  private static long rejectedHandshakes(EtcdCluster etcd) throws Exception {
    return Files.readAllLines(etcd.member(0).logFile()).stream()
      .filter(line -> line.contains("rejected connection") || line.contains("bad certificate")
        || line.contains("tls: client didn't provide a certificate"))
      .count();
  }

  private static void assertWithinTimeout(long startNanos, int calls) {
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    assertTrue(elapsedMs < 2 * calls * TIMEOUT, "failed after " + elapsedMs
      + " ms: each call within twice its timeout");
  }

  private static JsonObject config(DiscoveryExtension etcd) {
    return etcd.config().put("requestTimeout", TIMEOUT);
  }

}
