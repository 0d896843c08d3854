package org.vertxetcd.discovery.tests;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.support.DiscoveryExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vertxetcd.discovery.support.TestSupport.await;
import static org.vertxetcd.discovery.support.TestSupport.backend;

/**
 * Keys written under the prefix by other clients (here {@code etcdctl}): records in the documented format are seen,
 * anything else is ignored without harming the view.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ForeignKeysTest {

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1);

  private String prefix;

  @BeforeEach
  void setUp() {
    prefix = etcd.prefix();
  }

  @Test
  void aRecordWrittenWithEtcdctlInTheDocumentedFormatIsSeen(Vertx vertx) {
    EtcdBackendService backend = start(vertx);
    etcd.etcdctl("put", prefix + "/my%20service/by-hand-1",
      "{\"name\":\"my service\",\"status\":\"UP\",\"type\":\"http-endpoint\","
        + "\"location\":{\"host\":\"10.1.2.3\",\"port\":80},\"metadata\":{\"owner\":\"ops\"}}");

    await().atMost(etcd.delivery()).untilAsserted(() -> {
      Record record = await(backend.getRecord("by-hand-1"));
      assertEquals("my service", record.getName());
      assertEquals("by-hand-1", record.getRegistration(), "the registration comes from the key");
      assertEquals(Status.UP, record.getStatus());
      assertEquals("10.1.2.3", record.getLocation().getString("host"));
      assertEquals("ops", record.getMetadata().getString("owner"));
    });
  }

  @Test
  void garbageUnderThePrefixIsIgnoredWhetherListedOrWatched(Vertx vertx) {
    writeGarbage("before");
    etcd.etcdctl("put", prefix + "/svc/valid-before", "{\"name\":\"svc\"}");
    EtcdBackendService backend = start(vertx);
    assertEquals(List.of("valid-before"), registrations(backend));

    writeGarbage("after");
    etcd.etcdctl("put", prefix + "/svc/valid-after", "{\"name\":\"svc\"}");
    await().atMost(etcd.delivery()).untilAsserted(() ->
      assertEquals(List.of("valid-after", "valid-before"), registrations(backend)));

    // A valid record overwritten with garbage leaves the view; fixed again, it comes back.
    etcd.etcdctl("put", prefix + "/svc/valid-after", "garbage");
    await().atMost(etcd.delivery()).untilAsserted(() ->
      assertEquals(List.of("valid-before"), registrations(backend)));
    etcd.etcdctl("put", prefix + "/svc/valid-after", "{\"name\":\"svc\"}");
    await().atMost(etcd.delivery()).untilAsserted(() ->
      assertEquals(List.of("valid-after", "valid-before"), registrations(backend)));
  }

  private void writeGarbage(String tag) {
    etcd.etcdctl("put", prefix + "/no-registration-" + tag, "{\"name\":\"x\"}");
    etcd.etcdctl("put", prefix + "/svc/" + tag + "/too-deep", "{\"name\":\"svc\"}");
    etcd.etcdctl("put", prefix + "/svc/not-json-" + tag, "not json at all");
    etcd.etcdctl("put", prefix + "/svc/array-" + tag, "[1,2,3]");
    etcd.etcdctl("put", prefix + "/svc/other-name-" + tag, "{\"name\":\"another service\"}");
    etcd.etcdctl("put", prefix + "/svc/bad-status-" + tag, "{\"name\":\"svc\",\"status\":\"SLEEPY\"}");
    etcd.etcdctl("put", prefix + "/svc/no-name-" + tag, "{\"status\":\"UP\"}");
    etcd.etcdctl("put", prefix + "/svc/wrong-registration-" + tag, "{\"name\":\"svc\",\"registration\":\"other\"}");
    etcd.etcdctl("put", prefix + "/bad%zzname/r-" + tag, "{\"name\":\"bad%zzname\"}");
  }

  private EtcdBackendService start(Vertx vertx) {
    return etcd.backend(vertx);
  }

  private static List<String> registrations(EtcdBackendService backend) {
    return await(backend.getRecords()).stream().map(Record::getRegistration).sorted().collect(Collectors.toList());
  }
}
