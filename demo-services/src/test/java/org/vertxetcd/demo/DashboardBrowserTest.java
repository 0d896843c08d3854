package org.vertxetcd.demo;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.Status;
import io.vertx.servicediscovery.types.HttpEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.launcher.EtcdExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * The registry console in a real headless Chromium: greeters in processes of their own, traffic through the gateway,
 * a crash, and an operator's actions checked from another node; then 200 instances, and a narrow window. What it
 * checks is the page and its feeds, which do not depend on etcd's version, so scripts/test.sh runs it on one etcd
 * version only. Screenshots land in target/ (README shows demo-services/dashboard.png, copied from there).
 */
@Tag("etcd-version-independent")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {

  private static final int TTL = 2;
  private static final String SECRET = "s3cret-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
  private static final Path SCREENSHOT = Paths.get("target", "dashboard.png");
  private static final Path NARROW_SCREENSHOT = Paths.get("target", "dashboard-narrow.png");
  private static final Path LARGE_SCREENSHOT = Paths.get("target", "dashboard-200-instances.png");
  private static final int NARROW = 400;

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private Greeters greeters;
  private Vertx gatewayVertx;
  private Vertx otherNode;
  private JsonObject backend;
  private int port;

  @BeforeEach
  void startGateway() {
    String[] discovery = {"--endpoints", String.join(",", etcd.endpoints()), "--prefix", EtcdExtension.newPrefix(),
      "--ttl", Integer.toString(TTL)};
    greeters = new Greeters(discovery);
    DemoConfig config = DemoConfig.parse(Stream.concat(Stream.of(discovery), Stream.of("--port", "0",
      "--admin-token", "ops=" + SECRET)).toList(), Map.of());
    backend = config.backendConfig();
    DemoVertx demo = DemoVertx.create();
    gatewayVertx = demo.vertx();
    GatewayVerticle gateway = new GatewayVerticle();
    await(demo.deploy(gateway, config.gatewayConfig()));
    port = gateway.port();
    otherNode = Vertx.vertx();
  }

  @AfterEach
  void stopEverything() {
    try {
      greeters.close();
    } finally {
      await(otherNode.close());
      await(gatewayVertx.close());
    }
  }

  @Test
  void theConsoleShowsTrafficACrashAndTheOperatorsActionsLive() throws Exception {
    List<String> registrations = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      greeters.start("greeter-" + i);
    }
    EtcdRegistry registry = EtcdRegistry.create(otherNode, backend);
    await().atMost(Duration.ofSeconds(10)).until(() -> await(registry.lookup("greeter")).size() == 3);
    await(registry.lookup("greeter")).forEach(record -> registrations.add(record.getRegistration()));
    try (HeadlessChromium browser = HeadlessChromium.start(otherNode);
         GatewayTraffic traffic = GatewayTraffic.start(otherNode, port, 50)) {
      browser.open("http://127.0.0.1:" + port + "/");
      await().atMost(Duration.ofSeconds(20)).until(() -> listed(browser).equals(Set.copyOf(registrations)));
      browser.evaluate("window.loadedOnce = true");
      assertTrue(text(browser, "#health").matches("registry in step with etcd \\(revision \\d+\\)"),
        "the status line in plain words: " + text(browser, "#health"));
      assertEquals(Boolean.TRUE, browser.evaluate("typeof uPlot === 'function'"), "uPlot from its WebJar");

      // Pictures: the instance count and the traffic have points, each instance its rate and latency.
      await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.TRUE.equals(browser.evaluate(
        "(() => { const pair = registryConsole.charts.get('greeter');"
          + " return !!pair && pair.instances.data[1].some(up => up === 3)"
          + " && pair.traffic.data[1].some(rate => rate > 10); })()")));
      await().atMost(Duration.ofSeconds(10)).until(() -> ((JsonArray) browser.evaluate(
        "[...document.querySelectorAll('.instance .traffic')].map(line => +line.dataset.requestsPerSecond)"))
        .stream().allMatch(rate -> ((Number) rate).doubleValue() > 0));
      assertTrue(text(browser, ".instance .traffic").matches(".*req/s.*p50 [\\d.]+ ms.*p99 [\\d.]+ ms.*"),
        text(browser, ".instance .traffic"));
      // Services at a glance: counts, metadata as chips, the lease's time left, as etcd says.
      assertEquals("3", browser.evaluate("document.querySelector('.service[data-name=\"greeter\"] .counts')"
        + ".dataset.up"));
      assertTrue(((Number) browser.evaluate("document.querySelectorAll('.instance .chip').length")).intValue() >= 6,
        "metadata as key/value chips");
      await().atMost(Duration.ofSeconds(10)).until(() -> ((JsonArray) browser.evaluate(
        "[...document.querySelectorAll('.instance .lease')].map(lease => lease.dataset.secondsLeft)")).stream()
        .allMatch(left -> left != null && Integer.parseInt((String) left) <= TTL));
      // The cluster, and this node in plain words.
      assertTrue(text(browser, "#cluster-summary").matches("Revision \\d+ · leader \\S+ · alarms: none"),
        text(browser, "#cluster-summary"));
      assertEquals(1L, ((Number) browser.evaluate("document.querySelectorAll('#members .member.leader').length"))
        .longValue());
      assertTrue(text(browser, "#node").contains("in step with etcd at revision"), text(browser, "#node"));

      // A crash leaves live.
      String crashed = registrations.remove(0);
      greeters.process(instanceOf(registry, crashed)).kill();
      await().atMost(Duration.ofSeconds(TTL + 5)).until(() -> listed(browser).equals(Set.copyOf(registrations)));
      assertTrue(history(browser).contains("LEAVE " + crashed), "the history shows the leave");

      // Without the token: read-only, and the endpoints refuse.
      String target = registrations.get(0);
      assertEquals(0L, ((Number) browser.evaluate("document.querySelectorAll('.instance .actions').length"))
        .longValue(), "no action offered without the token");
      assertEquals(401L, ((Number) browser.evaluate(statusOfFetch("POST", "api/admin/instances/" + target
        + "/status", "{\"status\":\"OUT_OF_SERVICE\"}", null))).longValue());
      assertEquals(401L, ((Number) browser.evaluate(statusOfFetch("DELETE", "api/admin/instances/" + target, null,
        "wrong-" + SECRET))).longValue(), "a wrong token is refused too");
      assertEquals(Status.UP, statusOn(registry, target), "nothing changed");

      // With the token: out of service and back, then deregistered, as another node sees it.
      long leaseBefore = registry.leaseOf(target);
      browser.evaluate("document.getElementById('token').value = '" + SECRET + "';"
        + "document.querySelector('#sign-in button').click()");
      await().atMost(Duration.ofSeconds(5)).until(() -> "ops".equals(text(browser, "#actor")));
      click(browser, target, "button.set-status");
      await().atMost(Duration.ofSeconds(5)).until(() -> statusOn(registry, target) == Status.OUT_OF_SERVICE);
      assertEquals(leaseBefore, registry.leaseOf(target), "the record keeps its node's lease");
      await().atMost(Duration.ofSeconds(5)).until(() -> "OUT_OF_SERVICE".equals(browser.evaluate(
        "document.querySelector('.instance[data-registration=\"" + target + "\"]').dataset.status")));
      await().atMost(Duration.ofSeconds(5)).until(() -> history(browser).contains("ACTION " + target + " by ops"));
      browser.screenshot(SCREENSHOT);

      click(browser, target, "button.set-status");
      await().atMost(Duration.ofSeconds(5)).until(() -> statusOn(registry, target) == Status.UP);
      click(browser, target, "button.deregister");
      click(browser, target, "button.deregister");
      await().atMost(Duration.ofSeconds(5)).until(() -> await(registry.lookup("greeter")).stream()
        .noneMatch(record -> record.getRegistration().equals(target)));
      await().atMost(Duration.ofSeconds(5)).until(() -> !listed(browser).contains(target));

      String everything = browser.evaluate("document.documentElement.outerHTML") + " "
        + browser.evaluate("JSON.stringify(registryConsole.state)") + " "
        + browser.evaluate("fetch('api/registry').then(response => response.text())");
      assertFalse(everything.contains(SECRET), "the secret is in no page, state or JSON shown");
      assertEquals(Boolean.TRUE, browser.evaluate("window.loadedOnce === true"), "the page was never reloaded");
      assertEquals("live", text(browser, "#connection"));

      assertNothingOverflowsWhenNarrow(browser, NARROW_SCREENSHOT);
    }
    assertPng(SCREENSHOT);
  }

  @Test
  void theConsoleKeepsUpWith200InstancesAndCapsWhatItRenders() throws Exception {
    ServiceDiscovery discovery = ServiceDiscovery.create(otherNode, new ServiceDiscoveryOptions()
      .setBackendConfiguration(backend));
    try (HeadlessChromium browser = HeadlessChromium.start(otherNode)) {
      browser.open("http://127.0.0.1:" + port + "/");
      await().atMost(Duration.ofSeconds(20)).until(() -> "live".equals(text(browser, "#connection")));
      List<Record> published = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        // Long host names and metadata, as real registries have: a narrow window must wrap or cut them.
        published.add(await(discovery.publish(HttpEndpoint.createRecord("service-" + i % 4,
          "replica-" + i + ".service-" + i % 4 + ".eu-west-1.compute.internal", 8000 + i, "/")
          .setMetadata(new JsonObject().put("zone", "zone-" + i % 3).put("weight", 1 + i % 3)
            .put("build", "registry.example.org/platform/service-" + i % 4 + ":2025.11.28-"
              + "0a1b2c3d".repeat(4))))));
      }
      for (Record record : published.subList(0, 150)) {
        await(discovery.update(record.setStatus(Status.OUT_OF_SERVICE)));
        await(discovery.update(record.setStatus(Status.UP)));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) browser.evaluate(
        "registryConsole.state.history.length")).intValue() == ChangeHistory.LIMIT);
      await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) browser.evaluate(
        "document.querySelectorAll('.instance').length")).intValue() == 200);
      assertEquals(ChangeHistory.LIMIT, ((Number) browser.evaluate(
        "fetch('api/history').then(response => response.json()).then(history => history.length)")).intValue(),
        "the gateway keeps the last " + ChangeHistory.LIMIT + " changes");
      long rendered = ((Number) browser.evaluate("document.querySelectorAll('#feed li').length")).longValue();
      assertEquals(((Number) browser.evaluate("registryConsole.limits.historyShown")).longValue(), rendered,
        "the page renders a bounded part of the history");
      assertEquals(4L, ((Number) browser.evaluate("document.querySelectorAll('.service').length")).longValue());

      browser.evaluate("const pick = document.getElementById('filter-service'); pick.value = 'service-1';"
        + "pick.dispatchEvent(new Event('change'));"
        + "const kind = document.getElementById('filter-kind'); kind.value = 'UPDATE';"
        + "kind.dispatchEvent(new Event('change'))");
      List<String> filtered = history(browser);
      assertFalse(filtered.isEmpty());
      assertTrue(filtered.stream().allMatch(entry -> entry.startsWith("UPDATE ")), "filtered by type: " + filtered);
      assertEquals(Boolean.TRUE, browser.evaluate("[...document.querySelectorAll('#feed li')]"
        + ".every(item => item.dataset.name === 'service-1')"), "filtered by service");
      browser.screenshot(LARGE_SCREENSHOT);
      assertNothingOverflowsWhenNarrow(browser, null);
    } finally {
      discovery.close();
    }
    assertPng(LARGE_SCREENSHOT);
  }

  /** On a narrow window nothing is wider than the window: no horizontal scrolling, no element cut off. */
  private static void assertNothingOverflowsWhenNarrow(HeadlessChromium browser, Path screenshot) throws Exception {
    browser.viewport(NARROW, 900);
    await().atMost(Duration.ofSeconds(5)).until(() -> ((Number) browser.evaluate("window.innerWidth"))
      .intValue() == NARROW);
    // Two frames: the page lays itself out again, the charts take their new size.
    browser.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))");
    // The page's width without its vertical scroll bar.
    int width = ((Number) browser.evaluate("document.documentElement.clientWidth")).intValue();
    assertEquals(width, ((Number) browser.evaluate("document.documentElement.scrollWidth")).intValue(),
      "no horizontal scrolling");
    assertEquals(Boolean.TRUE, browser.evaluate("document.querySelector('aside').getBoundingClientRect().top >= "
      + "document.getElementById('services-panel').getBoundingClientRect().bottom"), "one column: the cluster and the "
      + "history below the services");
    // Nothing sticks out of the window, nor out of its panel (a panel's content squeezed wider than the panel); a
    // chip's value may be cut, with an ellipsis, inside the chip.
    JsonArray overflowing = (JsonArray) browser.evaluate("[...document.querySelectorAll('body *')]"
      + ".filter(node => node.getClientRects().length && !(node.parentElement && node.parentElement.closest('.chip')))"
      + ".filter(node => { const right = node.getBoundingClientRect().right;"
      + " const panel = node.closest('section, header');"
      + " return right > document.documentElement.clientWidth + 1"
      + " || (panel && panel !== node && right > panel.getBoundingClientRect().right + 1); })"
      + ".map(node => node.tagName + '.' + node.className + ' ' + Math.round(node.getBoundingClientRect().right))");
    assertEquals(List.of(), overflowing.getList(), "elements wider than a " + NARROW + " px window");
    if (screenshot != null) {
      browser.screenshot(screenshot);
      assertPng(screenshot);
    }
  }

  private static void assertPng(Path file) throws Exception {
    byte[] png = Files.readAllBytes(file);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    System.out.println("console screenshot: " + file.toAbsolutePath() + " (" + png.length + " bytes)");
  }

  private static String statusOfFetch(String method, String url, String body, String token) {
    return "fetch('" + url + "', {method: '" + method + "', headers: {'content-type': 'application/json'"
      + (token == null ? "" : ", authorization: 'Bearer " + token + "'") + "}"
      + (body == null ? "" : ", body: '" + body + "'") + "}).then(response => response.status)";
  }

  private static void click(HeadlessChromium browser, String registration, String button) {
    await().atMost(Duration.ofSeconds(5)).until(() -> Boolean.TRUE.equals(browser.evaluate(
      "(() => { const found = document.querySelector('.instance[data-registration=\"" + registration + "\"] "
        + button + "'); if (found) { found.click(); } return !!found; })()")));
  }

  private static Status statusOn(EtcdRegistry registry, String registration) {
    return await(registry.snapshot()).records().stream().filter(record -> record.getRegistration()
      .equals(registration)).map(Record::getStatus).findFirst().orElse(null);
  }

  private static String instanceOf(EtcdRegistry registry, String registration) {
    return await(registry.snapshot()).records().stream().filter(record -> record.getRegistration()
      .equals(registration)).findFirst().orElseThrow().getMetadata().getString("instance");
  }

  private static String text(HeadlessChromium browser, String selector) {
    return String.valueOf(browser.evaluate("(document.querySelector('" + selector + "') || {}).textContent"));
  }

  private static Set<String> listed(HeadlessChromium browser) {
    Object rows = browser.evaluate("[...document.querySelectorAll('.instance[data-name=\"greeter\"]')]"
      + ".map(row => row.dataset.registration)");
    return ((JsonArray) rows).stream().map(String.class::cast).collect(Collectors.toSet());
  }

  /** @return the history as shown: {@code KIND registration} and, for actions, {@code by actor} */
  private static List<String> history(HeadlessChromium browser) {
    Object items = browser.evaluate("[...document.querySelectorAll('#feed li')].map(item => item.dataset.kind + ' '"
      + " + item.dataset.registration + (item.querySelector('.actor') ? ' ' + item.querySelector('.actor')"
      + ".textContent : ''))");
    return ((JsonArray) items).stream().map(String.class::cast).collect(Collectors.toList());
  }
}
