package org.vertxetcd.demo;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.launcher.EtcdExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * The dashboard in a real headless Chromium: the greeters are listed, a new one appears and a stopped one
 * disappears, pushed live, without a reload. What it checks is the page and the event feed, which do not depend on
 * etcd's version, so scripts/test.sh runs it on one etcd version only.
 */
@Tag("etcd-version-independent")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {

  private static final Pattern REGISTRATION = Pattern.compile("\\(registration (\\S+)\\)");
  private static final Path SCREENSHOT = Paths.get("target", "dashboard.png");

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private final List<DemoProcess> greeters = new ArrayList<>();
  private Vertx vertx;
  private String[] discoveryArgs;
  private int port;

  @BeforeEach
  void startGateway() {
    discoveryArgs = new String[] {"--endpoints", String.join(",", etcd.endpoints()), "--prefix",
      EtcdExtension.newPrefix()};
    vertx = Vertx.vertx();
    GatewayVerticle gateway = new GatewayVerticle();
    await(vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(new JsonObject()
      .put("discovery", DemoConfig.parse(List.of(discoveryArgs), Map.of()).backendConfig()).put("port", 0))));
    port = gateway.port();
  }

  @AfterEach
  void stopEverything() {
    greeters.forEach(DemoProcess::close);
    await(vertx.close());
  }

  @Test
  void theDashboardFollowsGreetersComingAndGoingWithoutReloading() throws Exception {
    String first = startGreeter("greeter-1");
    String second = startGreeter("greeter-2");
    try (HeadlessChromium browser = HeadlessChromium.start(vertx)) {
      browser.open("http://127.0.0.1:" + port + "/");
      await().atMost(Duration.ofSeconds(20)).until(() -> listed(browser).equals(Set.of(first, second)));
      browser.evaluate("window.loadedOnce = true");
      assertTrue(String.valueOf(browser.evaluate("document.getElementById('health').textContent"))
        .matches("registry in step with etcd \\(revision \\d+\\)"), "the registry's state in plain words");

      String third = startGreeter("greeter-3");
      await().atMost(Duration.ofSeconds(10)).until(() -> listed(browser).equals(Set.of(first, second, third)));
      assertTrue(feed(browser).contains("JOIN " + third), "the feed shows the join");

      DemoProcess stopping = greeters.get(0);
      stopping.process().destroy();
      assertTrue(stopping.process().waitFor(20, TimeUnit.SECONDS));
      await().atMost(Duration.ofSeconds(10)).until(() -> listed(browser).equals(Set.of(second, third)));
      assertTrue(feed(browser).contains("LEAVE " + first), "the feed shows the leave");
      assertEquals(Boolean.TRUE, browser.evaluate("window.loadedOnce === true"), "the page was never reloaded");
      assertEquals("live", browser.evaluate("document.getElementById('connection').textContent"));

      browser.screenshot(SCREENSHOT);
    }
    byte[] png = Files.readAllBytes(SCREENSHOT);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
    System.out.println("dashboard screenshot: " + SCREENSHOT.toAbsolutePath() + " (" + png.length + " bytes)");
  }

  private String startGreeter(String name) throws Exception {
    List<String> args = new ArrayList<>(List.of("greeter", "--port", "0"));
    args.addAll(List.of(discoveryArgs));
    DemoProcess greeter = DemoProcess.start(name, args.toArray(String[]::new));
    greeters.add(greeter);
    return greeter.awaitLine(REGISTRATION, Duration.ofSeconds(30));
  }

  private static Set<String> listed(HeadlessChromium browser) {
    Object rows = browser.evaluate("[...document.querySelectorAll('tr.instance[data-name=\"greeter\"]')]"
      + ".map(row => row.dataset.registration)");
    return ((JsonArray) rows).stream().map(String.class::cast).collect(Collectors.toSet());
  }

  private static List<String> feed(HeadlessChromium browser) {
    Object items = browser.evaluate("[...document.querySelectorAll('#feed li')]"
      + ".map(item => item.dataset.type + ' ' + item.dataset.registration)");
    return ((JsonArray) items).stream().map(String.class::cast).collect(Collectors.toList());
  }
}
