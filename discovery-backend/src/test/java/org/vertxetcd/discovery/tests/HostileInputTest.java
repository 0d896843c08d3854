package org.vertxetcd.discovery.tests;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.servicediscovery.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.LogCapture;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;
import static org.vertxetcd.discovery.support.TestSupport.backend;

/**
 * Anything other clients can write under the prefix, written while the backend runs and valid records keep flowing.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HostileInputTest {

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1);

  private String prefix;
  private Vertx writerVertx;

  @BeforeEach
  void startWriterNode() {
    prefix = etcd.prefix();
    writerVertx = etcd.vertx();
  }

  @Test
  void garbageNeitherCrashesNorEntersTheViewAndEachBadKeyIsReportedOnce(Vertx vertx) throws Exception {
    EtcdBackendService reader = etcd.backend(vertx);
    EtcdBackendService writer = etcd.backend(writerVertx);
    await(reader.getRecords());
    Map<String, String> garbage = Map.of(
      prefix + "/svc/not-json", "{{{ not json",
      prefix + "/svc/not-a-record", "[\"an\", \"array\"]",
      prefix + "/svc/name-mismatch", "{\"name\":\"another\",\"status\":\"UP\"}",
      prefix + "/svc/bad-status", "{\"name\":\"svc\",\"status\":\"MAYBE\"}",
      prefix + "/svc/registration-mismatch", "{\"name\":\"svc\",\"registration\":\"stolen\"}",
      prefix + "/svc/ctrl\u0001char\ttab", "{\"name\":\"svc\"}",
      prefix + "/odd key with spaces", "{\"name\":\"x\"}",
      prefix + "/svc/deep/er/key", "{\"name\":\"svc\"}");

    List<String> valid = new ArrayList<>();
    try (LogCapture logs = LogCapture.start(); Client client = Client.builder()
      .endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
      for (int round = 0; round < 3; round++) {
        // Valid records keep flowing between the rounds of garbage.
        valid.add(await(writer.store(new Record().setName("svc"))).getRegistration());
        garbage.forEach((key, value) -> etcd.etcdctl("put", key, value));
        put(client, (prefix + "/svc/huge").getBytes(StandardCharsets.UTF_8), "x".repeat(1_000_000));
        put(client, invalidUtf8Key(prefix), "{\"name\":\"svc\"}");
      }
      await(Future.all(List.of(writer.store(new Record().setName("svc")).map(record -> valid.add(
        record.getRegistration())))));

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(Set.copyOf(valid),
        await(reader.getRecords()).stream().map(Record::getRegistration).collect(Collectors.toSet()),
        "the view holds exactly the valid records"));
      // Two nodes watch the prefix (the reader and the writer): each reports each bad key once.
      List<String> badKeys = new ArrayList<>(garbage.keySet());
      badKeys.add(prefix + "/svc/huge");
      badKeys.add(prefix + "/svc/\\xff\\xfex");
      await().atMost(etcd.delivery()).until(() -> logs.lines("Ignoring key").size() >= 2 * badKeys.size());
      List<String> reports = logs.lines("Ignoring key");
      for (String key : badKeys) {
        String shown = key.replace("\u0001", "\\x01").replace("\t", "\\x09");
        assertEquals(2, reports.stream().filter(line -> line.contains("'" + shown + "'")).count(),
          "each node reports " + shown + " once, not once per write:\n" + String.join("\n", reports));
      }
      assertTrue(reports.stream().noneMatch(line -> line.contains("xxxxxxxxxx")), "values are never logged");
    }
    assertTrue(EtcdRegistry.create(vertx, etcd.config()).health().healthy());
  }

  @Test
  void namesWithSlashesSpacesUnicodeAndPercentRoundTripThroughTheKeys(Vertx vertx) {
    EtcdBackendService writer = etcd.backend(writerVertx);
    EtcdBackendService reader = etcd.backend(vertx);
    List<String> names = List.of("orders/v2", "my service", "ünïcødé 服务", "100%", "a%2Fb", "plus+sign", "😀");
    for (String name : names) {
      await(writer.store(new Record().setName(name).setMetadata(new JsonObject().put("name", name))));
    }
    await().atMost(etcd.delivery()).untilAsserted(() -> assertEquals(Set.copyOf(names),
      await(reader.getRecords()).stream().map(Record::getName).collect(Collectors.toSet())));
    String keys = etcd.etcdctl("get", "--prefix", prefix + "/", "--keys-only");
    assertTrue(keys.contains(prefix + "/orders%2Fv2/"), keys);
    assertTrue(keys.contains(prefix + "/my%20service/"), keys);
    assertTrue(keys.contains(prefix + "/100%25/"), keys);
    assertTrue(keys.contains(prefix + "/a%252Fb/"), keys);
  }

  private static void put(Client client, byte[] key, String value) throws Exception {
    client.getKVClient().put(ByteSequence.from(key), ByteSequence.from(value, StandardCharsets.UTF_8))
      .get(10, TimeUnit.SECONDS);
  }

  private static byte[] invalidUtf8Key(String prefix) {
    byte[] start = (prefix + "/svc/").getBytes(StandardCharsets.UTF_8);
    byte[] key = new byte[start.length + 3];
    System.arraycopy(start, 0, key, 0, start.length);
    key[start.length] = (byte) 0xFF;
    key[start.length + 1] = (byte) 0xFE;
    key[start.length + 2] = 'x';
    return key;
  }
}
