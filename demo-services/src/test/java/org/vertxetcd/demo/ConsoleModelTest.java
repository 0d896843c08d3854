package org.vertxetcd.demo;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.vertxetcd.discovery.InstanceStatistics;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The console's model on the gateway, without etcd: what it keeps is bounded, the tokens stay secret. */
class ConsoleModelTest {

  @Test
  void adminTokensMatchByNameAndNeverShowTheirSecret() {
    AdminTokens tokens = AdminTokens.parse("ops=s3cret, alice=an0ther");
    assertTrue(tokens.enabled());
    assertEquals(Optional.of("ops"), tokens.nameOf("s3cret"));
    assertEquals(Optional.of("alice"), tokens.nameOf("an0ther"));
    assertEquals(Optional.empty(), tokens.nameOf("s3cre"));
    assertEquals(Optional.empty(), tokens.nameOf("s3cret "));
    assertEquals(Optional.empty(), tokens.nameOf(null));
    assertEquals(Optional.of(AdminTokens.DEFAULT_NAME), AdminTokens.parse("lonely").nameOf("lonely"));
    assertFalse(tokens.toString().contains("s3cret"), tokens.toString());
    assertFalse(AdminTokens.parse("").enabled());
    IllegalArgumentException noSecret = assertThrows(IllegalArgumentException.class, () -> AdminTokens.parse("ops="));
    assertTrue(noSecret.getMessage().contains("'ops' has no secret"), noSecret.getMessage());
    IllegalArgumentException noName = assertThrows(IllegalArgumentException.class,
      () -> AdminTokens.parse("=hidden"));
    assertFalse(noName.getMessage().contains("hidden"), noName.getMessage());
  }

  @Test
  void theHistoryKeepsTheLatestEntriesOnly() {
    ChangeHistory history = new ChangeHistory();
    IntStream.range(0, ChangeHistory.LIMIT + 100).forEach(i -> history.add(ChangeHistory.Kind.JOIN, "svc", "r" + i,
      "joined"));
    history.addAction("ops", "svc", "r1", "deregistered");
    assertEquals(ChangeHistory.LIMIT, history.toJson().size());
    assertEquals("r101", history.toJson().getJsonObject(0).getString("registration"), "the oldest went first");
    JsonObject last = history.toJson().getJsonObject(ChangeHistory.LIMIT - 1);
    assertEquals("ACTION", last.getString("kind"));
    assertEquals("ops", last.getString("actor"));
  }

  @Test
  void theSeriesKeepAWindowPerServiceForBoundedServicesAndForgetEmptyOnes() {
    long sampleMillis = 60_000;
    ServiceSeries series = new ServiceSeries(sampleMillis);
    int window = (int) (ServiceSeries.WINDOW_MS / sampleMillis);
    Map<String, InstanceTable.Counts> counts = new java.util.TreeMap<>();
    IntStream.range(0, ServiceSeries.MAX_SERVICES + 5).forEach(i -> counts.put("svc-" + (1000 + i),
      new InstanceTable.Counts(1, 0, 0)));
    for (int i = 0; i < window * 2; i++) {
      series.sample(i * sampleMillis, counts, Map.of());
    }
    JsonObject json = series.toJson();
    assertEquals(ServiceSeries.MAX_SERVICES, json.getJsonObject("services").size());
    assertEquals(5, json.getInteger("untracked"));
    assertEquals(window, json.getJsonObject("services").getJsonObject("svc-1000").getJsonArray("up").size());

    for (int i = 0; i < window; i++) {
      series.sample((window * 2 + i) * sampleMillis, Map.of(), Map.of());
    }
    assertEquals(0, series.toJson().getJsonObject("services").size(), "a service gone for a whole window is forgotten");
  }

  @Test
  void trafficIsTheRateSinceThePreviousSample() {
    TrafficMeter meter = new TrafficMeter();
    meter.sample(List.of(statistics("a", 100, 0), statistics("b", 10, 0)), 1_000_000_000L);
    TrafficMeter.Sample sample = meter.sample(List.of(statistics("a", 300, 10), statistics("b", 10, 0)),
      3_000_000_000L);
    assertEquals(105.0, sample.instances().get("a").getDouble("requestsPerSecond"), 1e-9);
    assertEquals(0.0, sample.instances().get("b").getDouble("requestsPerSecond"), 1e-9);
    assertEquals(105.0, sample.services().get("greeter").requestsPerSecond(), 1e-9);
    assertEquals(9.0, sample.services().get("greeter").slowestP99Millis(), 1e-9, "the slowest instance's p99");
  }

  private static InstanceStatistics statistics(String registration, long requests, long failures) {
    return new InstanceStatistics("greeter", registration, requests, failures, 1, registration.equals("a") ? 9 : 2,
      false);
  }
}
