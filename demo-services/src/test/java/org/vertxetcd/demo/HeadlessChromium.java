package org.vertxetcd.demo;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * A real headless Chromium (Debian's {@code chromium} package), driven over the Chrome DevTools Protocol: open a
 * page, evaluate JavaScript in it, take a screenshot. No browser download, no driver: the protocol is JSON over a
 * WebSocket.
 */
final class HeadlessChromium implements AutoCloseable {

  private static final String BINARY = "/usr/bin/chromium";

  private final Process process;
  private final Path profile;
  private final WebSocket page;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, Promise<JsonObject>> pending = new ConcurrentHashMap<>();

  private HeadlessChromium(Process process, Path profile, WebSocket page) {
    this.process = process;
    this.profile = profile;
    this.page = page;
    page.textMessageHandler(text -> {
      JsonObject message = new JsonObject(text);
      Promise<JsonObject> waiting = message.containsKey("id") ? pending.remove(message.getInteger("id")) : null;
      if (waiting != null) {
        if (message.containsKey("error")) {
          waiting.fail(message.getJsonObject("error").encode());
        } else {
          waiting.complete(message.getJsonObject("result"));
        }
      }
    });
  }

  /**
   * Starts Chromium with the flags this machine needs (no sandbox as root, no background networking on a closed
   * network) and a fresh profile, and connects to its first page.
   *
   * @param vertx the Vert.x instance for the protocol connection
   * @return the browser
   */
  static HeadlessChromium start(Vertx vertx) throws Exception {
    if (!new File(BINARY).canExecute()) {
      throw new IllegalStateException(BINARY + " is missing: install Debian's chromium package (scripts/test.sh "
        + "does)");
    }
    Path profile = Files.createTempDirectory("chromium-profile");
    Process process = new ProcessBuilder(BINARY, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
      "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile,
      "--remote-debugging-port=0", "--remote-allow-origins=*", "about:blank")
      .redirectErrorStream(true)
      .redirectOutput(profile.resolve("chromium.log").toFile())
      .start();
    try {
      Path portFile = profile.resolve("DevToolsActivePort");
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(portFile) && Files.size(portFile) > 0);
      int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxMessageSize(64 * 1024 * 1024).setMaxFrameSize(64 * 1024 * 1024));
      // A freshly installed Chromium may still be replacing its first page target when the port file appears,
      // and then closes the DevTools connection mid-handshake: look the page up again and reconnect.
      AtomicReference<WebSocket> socket = new AtomicReference<>();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
        .until(() -> socket.compareAndSet(null, await(client.connect(
          new WebSocketConnectOptions().setAbsoluteURI(pageSocket(port)).setAllowOriginHeader(false)))));
      return new HeadlessChromium(process, profile, socket.get());
    } catch (Exception | AssertionError e) {
      stopProcessTree(process);
      deleteTree(profile);
      throw e;
    }
  }

  private static String pageSocket(int port) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
      URI.create("http://127.0.0.1:" + port + "/json/list")).build(), HttpResponse.BodyHandlers.ofString());
    return new JsonArray(response.body()).stream().map(JsonObject.class::cast)
      .filter(target -> "page".equals(target.getString("type"))).findFirst().orElseThrow()
      .getString("webSocketDebuggerUrl");
  }

  /**
   * @param method a DevTools method, e.g. {@code Page.navigate}
   * @param params its parameters
   * @return its result
   */
  JsonObject send(String method, JsonObject params) {
    int id = ids.incrementAndGet();
    Promise<JsonObject> result = Promise.promise();
    pending.put(id, result);
    page.writeTextMessage(new JsonObject().put("id", id).put("method", method).put("params", params).encode());
    return await(result.future());
  }

  /**
   * @param url the page to load
   */
  void open(String url) {
    send("Page.enable", new JsonObject());
    send("Page.navigate", new JsonObject().put("url", url));
  }

  /**
   * @param expression JavaScript evaluated in the page; a promise is waited for
   * @return its value (JSON-serialisable results only)
   */
  Object evaluate(String expression) {
    JsonObject result = send("Runtime.evaluate", new JsonObject().put("expression", expression)
      .put("returnByValue", true).put("awaitPromise", true)).getJsonObject("result");
    return result.getValue("value");
  }

  /**
   * Gives the page a window of this size, as a narrow phone or a wide screen would.
   *
   * @param width  CSS pixels
   * @param height CSS pixels
   */
  void viewport(int width, int height) {
    send("Emulation.setDeviceMetricsOverride", new JsonObject().put("width", width).put("height", height)
      .put("deviceScaleFactor", 1).put("mobile", false));
  }

  /**
   * @param file where to write a PNG of the page as it is now
   */
  void screenshot(Path file) throws IOException {
    // The whole page, not only the window: a console is taller than a screen.
    JsonObject size = send("Page.getLayoutMetrics", new JsonObject()).getJsonObject("cssContentSize");
    JsonObject clip = new JsonObject().put("x", 0).put("y", 0).put("scale", 1)
      .put("width", size.getDouble("width")).put("height", Math.min(size.getDouble("height"), 4_000));
    String data = send("Page.captureScreenshot", new JsonObject().put("format", "png")
      .put("captureBeyondViewport", true).put("clip", clip)).getString("data");
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(data));
  }

  @Override
  public void close() throws Exception {
    try {
      await(page.close());
    } finally {
      stopProcessTree(process);
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  /** Chromium runs its renderers and helpers as child processes: stop all of them, not only the browser. */
  private static void stopProcessTree(Process process) throws Exception {
    List<ProcessHandle> tree = Stream.concat(process.descendants(), Stream.of(process.toHandle()))
      .collect(Collectors.toList());
    tree.forEach(ProcessHandle::destroy);
    for (ProcessHandle handle : tree) {
      try {
        handle.onExit().get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        handle.destroyForcibly();
        handle.onExit().get(10, TimeUnit.SECONDS);
      }
    }
  }
}
