package org.vertxetcd.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-command demo as a user runs it: no etcd given, so it starts its own; it prints where to look; its gateway
 * serves health checks and metrics; stopping it stops everything it started.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DemoLauncherTest {

  private static final Pattern DASHBOARD = Pattern.compile("Dashboard:\\s+http://localhost:(\\d+)/");

  @TempDir
  Path workDir;

  @Test
  void startsEtcdGreetersAndGatewayAndStopsThemAllOnInterrupt() throws Exception {
    try (DemoProcess demo = DemoProcess.start("demo", "demo", "--port", "0", "--greeters", "2", "--work-dir",
      workDir.toString())) {
      int port = Integer.parseInt(demo.awaitLine(DASHBOARD, Duration.ofSeconds(60)));
      assertTrue(Files.exists(workDir.resolve("etcd").resolve("member-0")), "etcd keeps its data in the work dir");
      HttpClient http = HttpClient.newHttpClient();
      await().atMost(Duration.ofSeconds(20)).until(() -> get(http, port, "/api/health").contains("\"instances\":2"));
      String greeting = get(http, port, "/api/hello?name=demo");
      assertTrue(greeting.contains("Hello, demo!"), greeting);
      assertTrue(get(http, port, "/").contains("etcd service registry"), "the dashboard page is served");
      assertTrue(get(http, port, "/health").contains("\"outcome\":\"UP\""), "the gateway's health checks");
      String metrics = get(http, port, "/metrics");
      assertTrue(metrics.contains("vertx_etcd_discovery_records{prefix=\"/vertx/discovery\",scope=\"view\"} 2.0"),
        "the gateway's Vert.x runs Micrometer metrics with Prometheus, the registry's meters included: " + metrics);
      List<ProcessHandle> started = demo.process().descendants().toList();
      assertTrue(started.size() >= 3, "etcd and two greeters run as child processes: " + started);

      new ProcessBuilder("kill", "-INT", Long.toString(demo.process().pid())).start().waitFor();

      assertTrue(demo.process().waitFor(30, TimeUnit.SECONDS), "Ctrl-C stops the demo");
      await().atMost(Duration.ofSeconds(10)).until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
      assertEquals(List.of(), demo.lines().stream().filter(line -> line.contains("WARN") || line.contains("ERROR"))
        .toList(), "a clean shutdown: greeters unregister before etcd stops");
    }
  }

  private static String get(HttpClient http, int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
      HttpResponse.BodyHandlers.ofString()).body();
  }
}
