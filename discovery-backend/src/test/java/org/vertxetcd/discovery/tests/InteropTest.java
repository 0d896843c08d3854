package org.vertxetcd.discovery.tests;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.endpoint.LoadBalancer;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import io.vertx.servicediscovery.types.HttpEndpoint;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdAddressResolver;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdImportOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.ServiceAddress;
import org.vertxetcd.discovery.support.DiscoveryExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;
import static org.vertxetcd.discovery.support.TestSupport.awaitFailure;
import static org.vertxetcd.discovery.support.TestSupport.backend;

/**
 * Services that are not Vert.x, played by {@code etcdctl}: registrations written the plain way and in the format of
 * etcd's gRPC endpoints manager are imported as read-only records with events; this node's records are exported so
 * that etcd's gRPC resolver finds them.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InteropTest {

  private static final Pattern GRANTED = Pattern.compile("lease ([0-9a-f]+) granted");

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1);

  private String foreign;

  @BeforeEach
  void setUp() {
    foreign = "/interop-" + UUID.randomUUID();
  }

  @Test
  void plainHostPortRegistrationsAreReadOnlyRecordsWithEvents(Vertx vertx) {
    String services = foreign + "/services";
    etcd.etcdctl("put", services + "/greeter/10.0.0.1:8080", "10.0.0.1:8080");
    EtcdRegistry registry = EtcdRegistry.create(vertx, withImport(new EtcdImportOptions().setPrefix(services + "/")
      .setType(HttpEndpoint.TYPE)));

    Record imported = single(await(registry.lookup("greeter")));
    assertEquals(services + "/greeter/10.0.0.1:8080", imported.getRegistration(), "the registration is the key");
    assertEquals(HttpEndpoint.TYPE, imported.getType());
    assertEquals(Status.UP, imported.getStatus());
    assertEquals(new JsonObject().put("host", "10.0.0.1").put("port", 8080).put("endpoint", "10.0.0.1:8080"),
      imported.getLocation());
    assertEquals("plain", imported.getMetadata().getString("etcd-import"));

    List<RegistryEvent> events = new CopyOnWriteArrayList<>();
    await(registry.subscribe("greeter", events::add));
    String lease = grantLease(2);
    etcd.etcdctl("put", "--lease=" + lease, services + "/greeter/10.0.0.2:8080", "10.0.0.2:8080");
    etcd.etcdctl("put", services + "/greeter/broken", "not an address");
    await().atMost(etcd.delivery()).until(() -> events.size() >= 1);
    assertEquals(RegistryEventType.JOIN, events.get(0).type());
    assertFalse(events.get(0).local());
    assertEquals("10.0.0.2", events.get(0).record().getLocation().getString("host"));

    // The foreign lease is not kept alive: the instance leaves when it expires, as a native one does.
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 2);
    assertEquals(RegistryEventType.LEAVE, events.get(1).type());
    assertEquals(services + "/greeter/10.0.0.2:8080", events.get(1).registration());
    assertEquals(2, events.size(), "the broken key is no instance, and no event: " + events);
    assertEquals(List.of(imported.getRegistration()), registrations(await(registry.lookup("greeter"))),
      "the broken key is skipped");

    EtcdBackendService backend = backend(vertx, registry.options().toJson());
    assertEquals(imported.getRegistration(), await(backend.getRecord(imported.getRegistration())).getRegistration(),
      "ServiceDiscovery sees imported records too");
    assertEquals(EtcdDiscoveryException.Reason.READ_ONLY,
      awaitFailure(backend.update(imported.setStatus(Status.DOWN))).reason());
    assertEquals(EtcdDiscoveryException.Reason.READ_ONLY, awaitFailure(backend.remove(imported.getRegistration())).reason());
    assertEquals("10.0.0.1:8080", etcd.etcdctl("get", "--print-value-only", imported.getRegistration()).trim(),
      "the foreign key is untouched");
  }

  @Test
  void grpcEndpointsManagerRegistrationsAreImported(Vertx vertx) {
    String target = foreign.substring(1) + "/grpc/my-service";
    EtcdRegistry registry = EtcdRegistry.create(vertx, withImport(new EtcdImportOptions().setPrefix(target)
      .setFormat(EtcdImportOptions.Format.GRPC).setService("my-service")));
    List<RegistryEvent> events = new CopyOnWriteArrayList<>();
    await(registry.subscribe("my-service", events::add));

    etcd.etcdctl("put", target + "/1.2.3.4:50051", "{\"Op\":0,\"Addr\":\"1.2.3.4:50051\",\"Metadata\":{\"zone\":\"eu\"}}");
    etcd.etcdctl("put", target + "/e2", "{\"Addr\":\"[::1]:50052\",\"Metadata\":null}");
    etcd.etcdctl("put", target + "/e3", "{\"Op\":1,\"Addr\":\"1.2.3.5:50051\"}");
    await().atMost(etcd.delivery()).until(() -> events.size() >= 2);

    Map<String, Record> byKey = await(registry.lookup("my-service")).stream()
      .collect(Collectors.toMap(Record::getRegistration, record -> record));
    assertEquals(2, byKey.size(), "the delete update (Op 1) is not an instance: " + byKey.keySet());
    Record first = byKey.get(target + "/1.2.3.4:50051");
    assertEquals("eu", first.getMetadata().getString("zone"), "the endpoint's metadata is the record's");
    assertEquals("grpc", first.getMetadata().getString("etcd-import"));
    assertEquals(50051, first.getLocation().getInteger("port"));
    assertEquals("::1", byKey.get(target + "/e2").getLocation().getString("host"));
    assertEquals(List.of(first.getRegistration()), registrations(await(registry.lookup("my-service",
      new JsonObject().put("zone", "eu")))), "metadata filters apply to imported records");

    etcd.etcdctl("del", target + "/e2");
    await().atMost(etcd.delivery()).until(() -> events.size() >= 3);
    assertEquals(RegistryEventType.LEAVE, events.get(2).type());
    assertEquals(target + "/e2", events.get(2).registration());
  }

  @Test
  void thisNodesRecordsAreExportedForGrpcResolversUnderItsLease(Vertx vertx) {
    String exportPrefix = foreign.substring(1) + "/grpc";
    EtcdRegistry registry = EtcdRegistry.create(vertx, etcd.config().put("grpcExportPrefix", exportPrefix));
    EtcdBackendService backend = backend(vertx, registry.options().toJson());
    // Stored as ServiceDiscovery.publish stores it: UP.
    Record record = await(backend.store(HttpEndpoint.createRecord("greeter", "127.0.0.1", 8080, "/",
      new JsonObject().put("zone", "eu")).setStatus(Status.UP)));
    String key = exportPrefix + "/greeter/" + record.getRegistration();

    await().atMost(etcd.delivery()).until(() -> exported(key) != null);
    JsonObject exported = exported(key);
    assertEquals(new JsonObject().put("Op", 0).put("Addr", "127.0.0.1:8080").put("Metadata",
      new JsonObject().put("zone", "eu")), new JsonObject(exported.getString("value")));
    assertEquals(registry.health().leaseId(), exported.getLong("lease"), "bound to the record's lease");

    // Out of service: gRPC clients must not pick it; back up: exported again.
    await(backend.update(record.setStatus(Status.OUT_OF_SERVICE)));
    await().atMost(etcd.delivery()).until(() -> exported(key) == null);
    await(backend.update(record.setStatus(Status.UP)));
    await().atMost(etcd.delivery()).until(() -> exported(key) != null);

    // The lease revoked from outside: the record is registered again under a new lease, and so is its export.
    long firstLease = registry.health().leaseId();
    etcd.etcdctl("lease", "revoke", Long.toHexString(firstLease));
    await().atMost(Duration.ofSeconds(15)).until(() -> {
      JsonObject again = exported(key);
      return again != null && again.getLong("lease") != firstLease
        && again.getLong("lease") == registry.health().leaseId();
    });

    await(backend.remove(record.getRegistration()));
    await().atMost(etcd.delivery()).until(() -> exported(key) == null);
    Record other = await(backend.store(HttpEndpoint.createRecord("greeter", "127.0.0.1", 8081, "/")
      .setStatus(Status.UP)));
    String otherKey = exportPrefix + "/greeter/" + other.getRegistration();
    await().atMost(etcd.delivery()).until(() -> exported(otherKey) != null);
    await(vertx.close());
    assertEquals(null, exported(otherKey), "closing Vert.x revokes the lease: the export leaves with the record");
  }

  @Test
  void anHttpClientReachesAnImportedInstanceThroughTheResolver(Vertx vertx) {
    HttpServer server = await(vertx.createHttpServer().requestHandler(request -> request.response().end("legacy"))
      .listen(0, "127.0.0.1"));
    String services = foreign + "/services";
    etcd.etcdctl("put", services + "/legacy/instance-1", "127.0.0.1:" + server.actualPort());
    JsonObject config = withImport(new EtcdImportOptions().setPrefix(services)).toJson();
    HttpClient client = vertx.httpClientBuilder().withAddressResolver(EtcdAddressResolver.create(config))
      .withLoadBalancer(LoadBalancer.ROUND_ROBIN).build();

    String answer = await(client.request(new RequestOptions().setServer(ServiceAddress.of("legacy"))
        .setMethod(HttpMethod.GET).setURI("/"))
      .compose(request -> request.send())
      .compose(HttpClientResponse::body)).toString();
    assertEquals("legacy", answer);
  }

  @Test
  void importAndExportRangesMustNotOverlapTheRegistry() {
    IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class, () -> new EtcdBackendOptions()
      .setPrefix("/vertx").addImport(new EtcdImportOptions().setPrefix("/vertx/legacy")).validate());
    assertTrue(overlap.getMessage().contains("'imports'"), overlap.getMessage());
    IllegalArgumentException export = assertThrows(IllegalArgumentException.class, () -> new EtcdBackendOptions()
      .setPrefix("/vertx").addImport(new EtcdImportOptions().setPrefix("grpc").setFormat(EtcdImportOptions.Format.GRPC))
      .setGrpcExportPrefix("grpc/").validate());
    assertTrue(export.getMessage().contains("'grpcExportPrefix'"), export.getMessage());
    IllegalArgumentException format = assertThrows(IllegalArgumentException.class, () -> new EtcdBackendOptions(
      new JsonObject().put("imports", new JsonArray().add(new JsonObject().put("prefix", "/x").put("format", "xml")))));
    assertTrue(format.getMessage().contains("\"plain\" or \"grpc\""), format.getMessage());
    EtcdBackendOptions options = new EtcdBackendOptions().addImport(new EtcdImportOptions().setPrefix("/legacy"))
      .setGrpcExportPrefix("services");
    assertEquals(options, new EtcdBackendOptions(options.toJson()), "the JSON form round-trips");
  }

  private EtcdBackendOptions withImport(EtcdImportOptions imported) {
    return etcd.options().addImport(imported);
  }

  /** @return the key's value and lease as etcd holds them, {@code null} when the key does not exist */
  private static JsonObject exported(String key) {
    JsonArray kvs = new JsonObject(etcd.etcdctl("get", key, "-w", "json")).getJsonArray("kvs");
    if (kvs == null || kvs.isEmpty()) {
      return null;
    }
    JsonObject kv = kvs.getJsonObject(0);
    return new JsonObject().put("value", new String(Base64.getDecoder().decode(kv.getString("value")),
      StandardCharsets.UTF_8)).put("lease", kv.getLong("lease", 0L));
  }

  private static String grantLease(int ttlSeconds) {
    Matcher granted = GRANTED.matcher(etcd.etcdctl("lease", "grant", String.valueOf(ttlSeconds)));
    assertTrue(granted.find());
    return granted.group(1);
  }

  private static Record single(List<Record> records) {
    assertEquals(1, records.size(), "records: " + records);
    return records.get(0);
  }

  private static List<String> registrations(List<Record> records) {
    return records.stream().map(Record::getRegistration).sorted().collect(Collectors.toList());
  }
}
