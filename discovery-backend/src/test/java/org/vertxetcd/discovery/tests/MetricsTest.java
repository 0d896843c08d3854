package org.vertxetcd.discovery.tests;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.support.BackendConfig;
import org.vertxetcd.discovery.support.ChildJvm;
import org.vertxetcd.discovery.support.MetricsOffProbe;
import org.vertxetcd.launcher.EtcdExtension;
import org.vertxetcd.launcher.FaultProxy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * The registry's meters, scraped from a real Prometheus registry of a Vert.x instance running Micrometer metrics,
 * checked against what the test did; and nothing of Micrometer loaded when metrics are off or absent.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MetricsTest {

  private static final int TTL = 2;

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final String prefix = EtcdExtension.newPrefix();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  /** A node whose Vert.x instance runs Micrometer metrics with a Prometheus registry of its own. */
  private final class Node {
    private final String registryName = "metrics-test-" + UUID.randomUUID();
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
      .setEnabled(true).setRegistryName(registryName).setPrometheusOptions(new VertxPrometheusOptions()
        .setEnabled(true))));
    private final ServiceDiscovery discovery;
    private final EtcdRegistry registry;

    Node(JsonObject config) {
      resources.add(() -> await(vertx.close()));
      discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions().setBackendConfiguration(config));
      registry = EtcdRegistry.create(vertx, config);
      await().atMost(Duration.ofSeconds(20)).until(() -> registry.health().healthy());
    }

    /** @return the value of a sample of the scrape, e.g. {@code vertx_etcd_discovery_events_total{type="JOIN"}} */
    double value(String meter, String... labels) {
      String scrape = ((PrometheusMeterRegistry) BackendRegistries.getNow(registryName)).scrape();
      List<String> wanted = new ArrayList<>(Arrays.asList(labels));
      wanted.add("prefix=\"" + prefix + "\"");
      List<Double> values = scrape.lines()
        .filter(line -> line.startsWith(meter + "{") && wanted.stream().allMatch(line::contains))
        .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .collect(Collectors.toList());
      assertEquals(1, values.size(), () -> "one sample of " + meter + " " + wanted + " in:\n" + scrape);
      return values.get(0);
    }
  }

  @Test
  void metersCountWhatTheRegistryDid() throws Exception {
    FaultProxy proxy = new FaultProxy(etcd.cluster().member(0).clientPort());
    resources.add(proxy);
    Node node = new Node(config().put("endpoints", new JsonArray().add(proxy.url())));
    Node other = new Node(config());

    // Registered at start, at zero.
    for (String type : List.of("JOIN", "UPDATE", "LEAVE")) {
      assertEquals(0, node.value("vertx_etcd_discovery_events_total", "type=\"" + type + "\""));
    }
    assertEquals(0, node.value("vertx_etcd_discovery_lease_losses_total"));
    assertEquals(0, node.value("vertx_etcd_discovery_reregistrations_total"));
    assertEquals(0, node.value("vertx_etcd_discovery_resyncs_total", "reason=\"compacted\""));
    assertEquals(0, node.value("vertx_etcd_discovery_bad_keys"));
    assertEquals(1, node.value("vertx_etcd_discovery_healthy"));

    // Written here: three stores, an update, a removal; and one record of another node.
    List<Record> records = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      records.add(await(node.discovery.publish(new Record().setName("svc-" + i))));
    }
    await(node.discovery.update(records.get(0).setMetadata(new JsonObject().put("step", 1))));
    await(node.discovery.unpublish(records.get(2).getRegistration()));
    await(other.discovery.publish(new Record().setName("remote")));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertEquals(4, node.value("vertx_etcd_discovery_events_total", "type=\"JOIN\""));
      assertEquals(1, node.value("vertx_etcd_discovery_events_total", "type=\"UPDATE\""));
      assertEquals(1, node.value("vertx_etcd_discovery_events_total", "type=\"LEAVE\""));
    });
    assertEquals(2, node.value("vertx_etcd_discovery_records", "scope=\"own\""));
    assertEquals(3, node.value("vertx_etcd_discovery_records", "scope=\"view\""));
    assertEquals(3, node.value("vertx_etcd_discovery_write_seconds_count", "op=\"store\"", "outcome=\"success\""));
    assertEquals(1, node.value("vertx_etcd_discovery_write_seconds_count", "op=\"update\"", "outcome=\"success\""));
    assertEquals(1, node.value("vertx_etcd_discovery_write_seconds_count", "op=\"remove\"", "outcome=\"success\""));
    assertEquals(5, node.value("vertx_etcd_discovery_watch_delay_seconds_count"), "each of this node's writes");
    assertTrue(node.value("vertx_etcd_discovery_keepalive_seconds_count", "outcome=\"success\"") >= 0);
    assertEquals(Double.parseDouble(etcd.etcdctl("get", "/", "-w", "json").replaceAll(
      ".*\"revision\":(\\d+).*\\s*", "$1")), node.value("vertx_etcd_discovery_view_revision"));

    // A key that is not a record.
    etcd.etcdctl("put", prefix + "/not-a-record", "garbage");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
      assertEquals(1, node.value("vertx_etcd_discovery_bad_keys")));

    // The lease revoked from outside: lost once, both records registered again.
    etcd.etcdctl("lease", "revoke", Long.toHexString(node.registry.health().leaseId()));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertEquals(1, node.value("vertx_etcd_discovery_lease_losses_total"));
      assertEquals(2, node.value("vertx_etcd_discovery_reregistrations_total"));
    });

    // Cut off while etcd compacts past the view's revision: unhealthy, then one full re-list.
    proxy.cutAndReset();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
      assertEquals(0, node.value("vertx_etcd_discovery_healthy")));
    // Two changes: a watch may resume from the compaction's own revision, not from an earlier one.
    Record whileCutOff = await(other.discovery.publish(new Record().setName("while-cut-off")));
    await(other.discovery.unpublish(whileCutOff.getRegistration()));
    String revision = etcd.etcdctl("get", "/", "-w", "json").replaceAll(".*\"revision\":(\\d+).*\\s*", "$1");
    etcd.etcdctl("compact", revision);
    proxy.heal();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertEquals(1, node.value("vertx_etcd_discovery_resyncs_total", "reason=\"compacted\""));
      assertEquals(1, node.value("vertx_etcd_discovery_healthy"));
    });
  }

  @Test
  void theStalenessGaugeIsTheTimeSinceEtcdConfirmedTheView() throws Exception {
    FaultProxy proxy = new FaultProxy(etcd.cluster().member(0).clientPort());
    resources.add(proxy);
    Node node = new Node(config().put("endpoints", new JsonArray().add(proxy.url())));
    // Quiet: the watch is asked for its progress every few seconds, so the staleness stays bounded by that.
    await().pollDelay(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(9)).untilAsserted(() ->
      assertTrue(node.value("vertx_etcd_discovery_view_staleness_seconds") < 7,
        node.value("vertx_etcd_discovery_view_staleness_seconds") + " s"));
    proxy.cut();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
      assertTrue(node.value("vertx_etcd_discovery_view_staleness_seconds") > 8, "grows while cut off"));
    proxy.heal();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
      assertTrue(node.value("vertx_etcd_discovery_view_staleness_seconds") < 7, "confirmed again"));
  }

  @Test
  void nothingOfMicrometerIsLoadedWhenMetricsAreOffOrAbsent() throws Exception {
    String classPath = System.getProperty("java.class.path");
    String withoutMicrometer = Arrays.stream(classPath.split(File.pathSeparator))
      .filter(entry -> !entry.contains("micrometer") && !entry.contains("HdrHistogram")
        && !entry.contains("LatencyUtils") && !entry.contains("prometheus"))
      .collect(Collectors.joining(File.pathSeparator));
    for (String path : List.of(classPath, withoutMicrometer)) {
      Path loaded = Files.createTempFile("loaded-classes", ".txt");
      resources.add(() -> Files.deleteIfExists(loaded));
      ProcessBuilder builder = ChildJvm.builder(MetricsOffProbe.class, List.of("-Xlog:class+load=info:file="
        + loaded), config().encode());
      builder.command().set(builder.command().indexOf("-cp") + 1, path);
      Process probe = builder.redirectOutput(ProcessBuilder.Redirect.PIPE).start();
      resources.add(probe::destroyForcibly);
      String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0, "the probe ran: " + output);
      assertTrue(output.contains("ok"), output);
      // Vert.x itself loads vertx-micrometer-metrics' service provider when it is on the class path; the registry
      // loads none of its metrics code.
      List<String> metricsCode = Files.readAllLines(loaded).stream()
        .filter(line -> line.contains("org.vertxetcd.discovery.impl.metrics."))
        .collect(Collectors.toList());
      assertTrue(metricsCode.isEmpty(), "loaded with metrics off: " + metricsCode);
    }
  }

  private JsonObject config() {
    return BackendConfig.forCluster(etcd, prefix).put("ttl", TTL).put("requestTimeout", 2_000);
  }
}
