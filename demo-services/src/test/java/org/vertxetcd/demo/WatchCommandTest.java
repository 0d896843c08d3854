package org.vertxetcd.demo;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.types.HttpEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.launcher.EtcdExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WatchCommandTest {

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  @Test
  void printsTheRegistryThenEveryChangeAsRecords(Vertx vertx) {
    String prefix = EtcdExtension.newPrefix();
    DemoConfig config = DemoConfig.parse(List.of("--endpoints", String.join(",", etcd.endpoints()), "--prefix",
      prefix), Map.of());
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config.backendConfig()));
    Record existing = await(discovery.publish(HttpEndpoint.createRecord("greeter", "10.0.0.1", 8080, "/")));
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    await(WatchCommand.start(Vertx.vertx(), config, new PrintStream(printed, true, StandardCharsets.UTF_8)));
    Record joined = await(discovery.publish(HttpEndpoint.createRecord("greeter", "10.0.0.2", 8080, "/")));
    await(discovery.unpublish(existing.getRegistration()));

    await().atMost(Duration.ofSeconds(5)).until(() -> lines(printed).size() == 4);
    List<String> lines = lines(printed);
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("# VIEW_FRESH"), "state changes are printed too");
    assertTrue(lines.get(0).startsWith("# 1 records at revision"), lines.get(0));
    assertLine(lines.get(1), "PRESENT", existing, "http://10.0.0.1:8080/");
    assertLine(lines.get(2), "JOIN", joined, "http://10.0.0.2:8080/");
    assertLine(lines.get(3), "LEAVE", existing, "http://10.0.0.1:8080/");
  }

  @Test
  void printsJsonLinesInTheEventFormat(Vertx vertx) {
    String prefix = EtcdExtension.newPrefix();
    DemoConfig config = DemoConfig.parse(List.of("--endpoints", String.join(",", etcd.endpoints()), "--prefix",
      prefix, "--format", "json"), Map.of());
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    await(WatchCommand.start(vertx, config, new PrintStream(printed, true, StandardCharsets.UTF_8)));
    Record joined = await(ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config.backendConfig())).publish(new Record().setName("svc")));

    await().atMost(Duration.ofSeconds(5)).until(() -> events(printed).size() == 1);
    JsonObject event = events(printed).get(0);
    assertEquals("JOIN", event.getString("type"));
    assertEquals(joined.getRegistration(), event.getString("registration"));
    assertEquals("svc", event.getJsonObject("record").getString("name"));
  }

  private static void assertLine(String line, String type, Record record, String endpoint) {
    List<String> fields = Arrays.asList(line.trim().split("\\s+"));
    assertEquals(type, fields.get(0), line);
    assertEquals("greeter", fields.get(1), line);
    assertEquals(record.getRegistration(), fields.get(2), line);
    assertTrue(fields.contains(endpoint), line);
  }

  /** The lines about records: state changes ({@code # VIEW_FRESH}, ...) left out. */
  private static List<String> lines(ByteArrayOutputStream printed) {
    return Arrays.stream(printed.toString(StandardCharsets.UTF_8).split("\n"))
      .filter(line -> !line.isBlank() && !line.startsWith("# VIEW") && !line.startsWith("# LEASE")).toList();
  }

  private static List<JsonObject> events(ByteArrayOutputStream printed) {
    return Arrays.stream(printed.toString(StandardCharsets.UTF_8).split("\n")).filter(line -> !line.isBlank())
      .map(JsonObject::new).filter(json -> json.containsKey("type")).toList();
  }
}
