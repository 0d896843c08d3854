package org.vertxetcd.demo;

import io.vertx.core.Vertx;
import org.vertxetcd.launcher.EtcdCluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code demo}: everything in one command. Without etcd endpoints it starts a local etcd (data under the work
 * directory), then several greeter processes and the gateway, prints where to look, and on Ctrl-C stops everything
 * it started. Given endpoints ({@code --endpoints} or {@code ENDPOINTS}), it uses that etcd instead.
 */
public final class DemoLauncher {

  /** Set for greeters started by the launcher: they exit when the launcher's end of their standard input closes. */
  static final String EXIT_WITH_PARENT = "DEMO_EXIT_WITH_PARENT";

  private final List<Process> greeters = new ArrayList<>();
  private EtcdCluster etcd;
  private Vertx gatewayVertx;

  private DemoLauncher() {
  }

  /**
   * Starts the demo and returns; it runs until the JVM is asked to stop.
   *
   * @param config the options
   * @throws Exception when a part cannot start; whatever started is stopped again
   */
  public static void run(DemoConfig config) throws Exception {
    DemoLauncher launcher = new DemoLauncher();
    Runtime.getRuntime().addShutdownHook(new Thread(launcher::stop, "demo-shutdown"));
    try {
      launcher.start(config);
    } catch (Exception e) {
      launcher.stop();
      throw e;
    }
  }

  private void start(DemoConfig given) throws Exception {
    DemoConfig config = given.hasEndpoints() ? given : given.withEndpoints(startEtcd(given.workDir()));
    for (int i = 0; i < config.getInt(DemoConfig.GREETERS, 3); i++) {
      greeters.add(startGreeter(config));
    }
    DemoVertx demo = DemoVertx.create();
    gatewayVertx = demo.vertx();
    GatewayVerticle gateway = new GatewayVerticle();
    demo.deploy(gateway, config.gatewayConfig())
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    String endpoints = String.join(",", config.endpoints());
    System.out.print(String.join(System.lineSeparator(), "",
      "  Dashboard:  http://localhost:" + gateway.port() + "/",
      "  Actions:    " + (AdminTokens.parse(config.get(DemoConfig.ADMIN_TOKEN, "")).enabled()
        ? "unlocked by the admin token (paste its secret in the page)"
        : "read-only (start with --admin-token name=secret to unlock them)"),
      "  Greeting:   curl 'http://localhost:" + gateway.port() + "/api/hello?name=you'",
      "  Health:     curl http://localhost:" + gateway.port() + "/health   (each greeter too, at the address it "
        + "printed)",
      "  Metrics:    curl http://localhost:" + gateway.port() + "/metrics  (Prometheus text format)",
      "  Watch:      java -jar demo-services/target/vertx-etcd-demo.jar watch --endpoints " + endpoints,
      "  etcd:       " + endpoints + " (prefix " + config.backendConfig().getString("prefix") + ")",
      "  Greeters:   " + greeters.stream().map(process -> "pid " + process.pid()).toList()
        + " (kill one and watch it leave)",
      "",
      "  Ctrl-C stops everything.", "", ""));
  }

  private List<String> startEtcd(Path workDir) throws IOException {
    Path data = workDir.resolve("etcd");
    deleteRecursively(data);
    etcd = EtcdCluster.builder().dataRoot(data).build().start();
    System.out.printf("Started a local etcd at %s (data and log in %s)%n", etcd.endpoints().get(0), data);
    return etcd.endpoints();
  }

  private static Process startGreeter(DemoConfig config) throws IOException {
    // A session of its own: Ctrl-C reaches the launcher only, which stops the greeters gracefully before etcd.
    List<String> command = new ArrayList<>(List.of("setsid",
      Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
      "-XX:+UseSerialGC", "-Xmx128m",
      "-cp", System.getProperty("java.class.path"),
      Main.class.getName(), "greeter"));
    command.addAll(config.toArgs());
    command.addAll(List.of("--port", "0"));
    ProcessBuilder builder = new ProcessBuilder(command)
      .redirectOutput(ProcessBuilder.Redirect.INHERIT)
      .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put(EXIT_WITH_PARENT, "true");
    return builder.start();
  }

  /** Stops the gateway, then the greeters (gracefully: they unregister), then etcd. */
  private synchronized void stop() {
    if (gatewayVertx != null) {
      await(gatewayVertx.close());
      gatewayVertx = null;
    }
    greeters.forEach(Process::destroy);
    greeters.forEach(DemoLauncher::awaitExit);
    greeters.clear();
    if (etcd != null) {
      etcd.close();
      etcd = null;
    }
  }

  private static void awaitExit(Process process) {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void await(io.vertx.core.Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("Stopping the gateway: " + e.getMessage());
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (Files.exists(root)) {
      try (Stream<Path> paths = Files.walk(root)) {
        paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }
}
