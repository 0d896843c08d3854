package org.vertxetcd.discovery.tests;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.Status;
import io.vertx.servicediscovery.spi.ServiceDiscoveryBackend;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.TestSupport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;
import static org.vertxetcd.discovery.support.TestSupport.awaitFailure;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EtcdBackendServiceTest {

  /** The inbound message limit of the backend's client (EtcdConnection.MAX_INBOUND_MESSAGE_BYTES). */
  private static final int CLIENT_INBOUND_LIMIT = 64 * 1024 * 1024;

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1);

  private String prefix;
  private EtcdBackendService backend;

  @BeforeEach
  void setUp(Vertx vertx) {
    prefix = etcd.prefix();
    backend = etcd.backend(vertx);
  }

  @Test
  void isFoundByServiceLoaderUnderTheNameEtcd() {
    List<String> names = ServiceLoader.load(ServiceDiscoveryBackend.class).stream()
      .map(provider -> provider.get().name()).collect(Collectors.toList());
    assertTrue(names.contains("etcd"), names.toString());
  }

  @Test
  void storeAssignsTheRegistrationAndWritesTheDocumentedKeyBoundToALease() {
    Record record = new Record().setName("my service/v1").setType("http-endpoint")
      .setLocation(new JsonObject().put("host", "10.0.0.7").put("port", 8080))
      .setMetadata(new JsonObject().put("zone", "a"));
    Record stored = await(backend.store(record));

    assertSame(record, stored);
    assertNotNull(record.getRegistration());
    JsonObject kv = keyValue(prefix + "/my%20service%2Fv1/" + record.getRegistration());
    assertEquals(record.toJson(), new JsonObject(decode(kv.getString("value"))));
    assertNotEquals(0L, kv.getLong("lease"), "the key must be bound to the node's lease");
  }

  @Test
  void readsItsOwnWritesAtOnce() {
    Record record = await(backend.store(new Record().setName("svc").setStatus(Status.UP)));
    assertEquals("svc", await(backend.getRecord(record.getRegistration())).getName());

    record.getMetadata().put("version", 2);
    await(backend.update(record));
    assertEquals(2, await(backend.getRecord(record.getRegistration())).getMetadata().getInteger("version"));
    assertEquals(1, await(backend.getRecords()).size());

    Record removed = await(backend.remove(record.getRegistration()));
    assertEquals(2, removed.getMetadata().getInteger("version"));
    assertNull(await(backend.getRecord(record.getRegistration())));
    assertTrue(await(backend.getRecords()).isEmpty());
    assertEquals("", etcd.etcdctl("get", "--prefix", prefix + "/", "--keys-only").trim());
  }

  @Test
  void getRecordOfAnUnknownRegistrationSucceedsWithNull() {
    assertNull(await(backend.getRecord("no-such-registration")));
  }

  @Test
  void lookupsReturnCopiesSoCallersCannotCorruptTheCache() {
    Record record = new Record().setName("svc").setMetadata(new JsonObject().put("k", "original"))
      .setLocation(new JsonObject().put("host", "10.0.0.1"));
    await(backend.store(record));
    record.getMetadata().put("k", "changed by the caller after store");

    Record fromList = await(backend.getRecords()).get(0);
    fromList.getMetadata().put("k", "changed");
    fromList.setName("renamed");
    Record fromGet = await(backend.getRecord(record.getRegistration()));
    fromGet.getLocation().put("host", "evil");

    Record again = await(backend.getRecord(record.getRegistration()));
    assertEquals("svc", again.getName());
    assertEquals("original", again.getMetadata().getString("k"));
    assertEquals("10.0.0.1", again.getLocation().getString("host"));
  }

  @Test
  void aRecordWithoutNameIsRefused() {
    EtcdDiscoveryException error = awaitFailure(backend.store(new Record().setType("x")));
    assertEquals(Reason.INVALID_RECORD, error.reason());
    assertTrue(error.getMessage().contains("no name"), error.getMessage());
  }

  @Test
  void aRecordThatAlreadyHasARegistrationIsRefused() {
    Record record = await(backend.store(new Record().setName("svc")));
    EtcdDiscoveryException error = awaitFailure(backend.store(record));
    assertEquals(Reason.ALREADY_REGISTERED, error.reason());
    assertTrue(error.getMessage().contains(record.getRegistration()), error.getMessage());
    assertEquals(1, await(backend.getRecords()).size());
  }

  @Test
  void updateAndRemoveOfAnUnknownRegistrationFail() {
    EtcdDiscoveryException update = awaitFailure(backend.update(new Record().setName("svc").setRegistration("nope")));
    assertEquals(Reason.UNKNOWN_REGISTRATION, update.reason());
    assertTrue(update.getMessage().contains("nope"), update.getMessage());
    EtcdDiscoveryException remove = awaitFailure(backend.remove("nope"));
    assertEquals(Reason.UNKNOWN_REGISTRATION, remove.reason());
    assertEquals(Reason.UNKNOWN_REGISTRATION, awaitFailure(backend.update(new Record().setName("svc"))).reason());
    assertEquals("", etcd.etcdctl("get", "--prefix", prefix + "/", "--keys-only").trim(), "nothing written");
  }

  @Test
  void updateCannotRenameARecord() {
    Record record = await(backend.store(new Record().setName("svc")));
    EtcdDiscoveryException error = awaitFailure(backend.update(new Record(record.toJson()).setName("other")));
    assertEquals(Reason.INVALID_RECORD, error.reason());
    assertEquals("svc", await(backend.getRecord(record.getRegistration())).getName());
  }

  @Test
  void aRecordLargerThanEtcdAcceptsIsRefusedBeforeItIsSent() {
    String huge = "x".repeat(1_600_000);
    Record record = new Record().setName("big").setMetadata(new JsonObject().put("blob", huge));
    EtcdDiscoveryException error = awaitFailure(backend.store(record));
    assertEquals(Reason.TOO_LARGE, error.reason());
    assertTrue(error.getMessage().contains("1572864"), error.getMessage());
    assertNull(record.getRegistration(), "a failed store leaves the record unregistered");
    assertEquals("", etcd.etcdctl("get", "--prefix", prefix + "/", "--keys-only").trim());

    Record small = await(backend.store(new Record().setName("big")));
    small.getMetadata().put("blob", huge);
    assertEquals(Reason.TOO_LARGE, awaitFailure(backend.update(small)).reason());
  }

  /**
   * The client accepts messages of up to 64 MiB; a list page asks for 20,000 keys. Records near etcd's 1.5 MiB
   * request limit make one such page larger than that: the registry must ask again for fewer keys a page.
   */
  @Test
  void aListPageLargerThanTheClientAcceptsIsAskedAgainWithFewerKeys() throws Exception {
    int count = 48;
    String blob = "y".repeat(1_500_000);
    List<Future<Record>> stored = IntStream.range(0, count)
      .mapToObj(i -> backend.store(new Record().setName("big").setMetadata(new JsonObject().put("blob", blob))))
      .collect(Collectors.toList());
    await(Future.all(stored));
    assertOnePageExceedsTheInboundLimit();

    // Listing pages of tens of megabytes again and again takes longer than the default first-sync deadline here.
    EtcdBackendService reader = TestSupport.backend(etcd.vertx(), etcd.config().put("requestTimeout", 30_000));
    List<Record> records = await(reader.getRecords(), Duration.ofSeconds(40));
    assertEquals(count, records.size());
    assertTrue(records.stream().allMatch(r -> r.getMetadata().getString("blob").equals(blob)));
  }

  /** The premise, checked with a plain client with the backend's inbound limit: one page of them does not fit. */
  private void assertOnePageExceedsTheInboundLimit() throws Exception {
    try (Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new))
      .maxInboundMessageSize(CLIENT_INBOUND_LIMIT).build()) {
      ExecutionException tooLarge = assertThrows(ExecutionException.class, () -> client.getKVClient()
        .get(ByteSequence.from(prefix + "/", StandardCharsets.UTF_8), GetOption.builder()
          .withRange(ByteSequence.from(prefix + "0", StandardCharsets.UTF_8)).withLimit(20_000).build())
        .get(30, TimeUnit.SECONDS));
      io.grpc.Status.Code code = io.grpc.Status.fromThrowable(tooLarge.getCause()).getCode();
      assertEquals(io.grpc.Status.Code.RESOURCE_EXHAUSTED, code, tooLarge.toString());
    }
  }

  @Test
  void theFirstLookupWaitsForTheWholeRegistry() {
    List<Future<Record>> stored = new ArrayList<>();
    for (int i = 0; i < 2500; i++) {
      stored.add(backend.store(new Record().setName("svc-" + (i % 10)).setMetadata(new JsonObject().put("i", i))));
    }
    await(Future.all(stored));

    EtcdBackendService reader = etcd.backend(etcd.vertx());
    assertEquals(2500, await(reader.getRecords()).size(), "never a partial view");
  }

  @Test
  void invalidConfigurationFailsFastAtInitNamingTheKey(Vertx vertx) {
    assertInitFails(vertx, new JsonObject().put("endpoints", new JsonArray()), "'endpoints'");
    assertInitFails(vertx, new JsonObject().put("endpoints", new JsonArray().add("etcd:2379")), "'endpoints'");
    assertInitFails(vertx, new JsonObject().put("ttl", 0), "'ttl'");
    assertInitFails(vertx, new JsonObject().put("prefix", ""), "'prefix'");
    IllegalArgumentException viaDiscovery = assertThrows(IllegalArgumentException.class,
      () -> ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions().setBackendConfiguration(
        new JsonObject().put("backend-name", "etcd").put("ttl", -1))));
    assertTrue(viaDiscovery.getMessage().contains("'ttl'"), viaDiscovery.getMessage());
  }

  @Test
  void closingTheBackendRevokesTheLeaseAndLeavesVertxRunning(Vertx vertx) {
    for (int i = 0; i < 3; i++) {
      await(backend.store(new Record().setName("svc")));
    }
    long lease = keyValues().get(0).getLong("lease");

    await(backend.close());

    assertEquals("", etcd.etcdctl("get", "--prefix", prefix + "/", "--keys-only").trim(),
      "records leave as soon as close completes");
    assertTrue(etcd.etcdctl("lease", "timetolive", Long.toHexString(lease)).contains("already expired"));
    assertEquals(Reason.CLOSED, awaitFailure(backend.store(new Record().setName("late"))).reason());
    assertEquals(42, await(vertx.executeBlocking(() -> 42)), "the application's Vert.x must keep running");
  }

  @Test
  void closingVertxRevokesTheLease() {
    Vertx node = etcd.vertx();
    EtcdBackendService nodeBackend = etcd.backend(node);
    await(nodeBackend.store(new Record().setName("svc")));
    assertEquals(1, keyValues().size());

    await(node.close());

    assertEquals("", etcd.etcdctl("get", "--prefix", prefix + "/", "--keys-only").trim());
  }

  @Test
  void backendsOfOneVertxAndConfigurationShareOneLease(Vertx vertx) {
    EtcdBackendService second = etcd.backend(vertx);
    await(backend.store(new Record().setName("a")));
    await(second.store(new Record().setName("b")));
    Set<Long> leases = keyValues().stream().map(kv -> kv.getLong("lease")).collect(Collectors.toSet());
    assertEquals(1, leases.size(), "one lease per Vert.x instance and configuration");
    assertEquals(2, await(second.getRecords()).size());

    await(second.close());
    assertEquals(2, await(backend.getRecords()).size(), "releasing one user keeps the shared registry");
    assertEquals(2, keyValues().size());
  }

  @Test
  void callbacksComeBackOnTheCallersContext(Vertx vertx, VertxTestContext test) {
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> backend.store(new Record().setName("svc"), stored -> {
      test.verify(() -> assertSame(context, Vertx.currentContext(), "store"));
      backend.getRecords(all -> {
        test.verify(() -> assertSame(context, Vertx.currentContext(), "getRecords"));
        backend.update(stored.result(), updated -> {
          test.verify(() -> assertSame(context, Vertx.currentContext(), "update"));
          backend.getRecord("unknown", none -> {
            test.verify(() -> assertSame(context, Vertx.currentContext(), "getRecord"));
            backend.remove("unknown", failed -> {
              test.verify(() -> {
                assertTrue(failed.failed());
                assertSame(context, Vertx.currentContext(), "failed remove");
              });
              backend.remove(stored.result(), removed -> test.verify(() -> {
                assertSame(context, Vertx.currentContext(), "remove");
                test.completeNow();
              }));
            });
          });
        });
      });
    }));
  }

  @Test
  void callsFromAPlainThreadGetTheirResultsOnAVertxContext(VertxTestContext test) {
    Thread caller = new Thread(() -> backend.store(new Record().setName("svc"), stored -> test.verify(() -> {
      assertTrue(stored.succeeded());
      assertNotNull(Vertx.currentContext(), "result delivered on a Vert.x context");
      test.completeNow();
    })));
    caller.start();
  }

  @Test
  void anUnreachableEtcdFailsCallsWithinTheTimeoutInsteadOfHanging(Vertx vertx) {
    long requestTimeout = 700;
    EtcdBackendService unreachable = new EtcdBackendService();
    unreachable.init(vertx, new JsonObject().put("endpoints", "http://127.0.0.1:1").put("prefix", prefix)
      .put("requestTimeout", requestTimeout));
    long start = System.nanoTime();
    EtcdDiscoveryException store = awaitFailure(unreachable.store(new Record().setName("svc")));
    EtcdDiscoveryException list = awaitFailure(unreachable.getRecords());
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(Reason.TIMEOUT, store.reason(), store.getMessage());
    assertEquals(Reason.TIMEOUT, list.reason(), list.getMessage());
    assertTrue(list.getMessage().contains("127.0.0.1:1"), list.getMessage());
    assertTrue(elapsedMs < 2 * 2 * requestTimeout, "each call failed within twice its timeout, both took "
      + elapsedMs + " ms");
    await(unreachable.close());
  }

  private void assertInitFails(Vertx vertx, JsonObject config, String key) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
      () -> new EtcdBackendService().init(vertx, config.put("backend-name", "etcd")));
    assertTrue(error.getMessage().contains(key), error.getMessage());
  }

  private List<JsonObject> keyValues() {
    JsonObject response = new JsonObject(etcd.etcdctl("get", "--prefix", prefix + "/", "-w", "json"));
    JsonArray kvs = response.getJsonArray("kvs", new JsonArray());
    return kvs.stream().map(JsonObject.class::cast).collect(Collectors.toList());
  }

  private JsonObject keyValue(String key) {
    JsonObject response = new JsonObject(etcd.etcdctl("get", key, "-w", "json"));
    return response.getJsonArray("kvs").getJsonObject(0);
  }

  private static String decode(String base64) {
    return new String(java.util.Base64.getDecoder().decode(base64), java.nio.charset.StandardCharsets.UTF_8);
  }
}
