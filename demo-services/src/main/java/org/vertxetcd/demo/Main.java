package org.vertxetcd.demo;

import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The demo's command line: {@code java -jar vertx-etcd-demo.jar [demo|greeter|gateway|watch] [--option value]...}.
 */
public final class Main {

  private static final String USAGE = String.join("\n",
    "usage: java -jar vertx-etcd-demo.jar <command> [--option value]...",
    "  demo     start everything: a local etcd (unless --endpoints is given; its data in --work-dir, demo-work),",
    "           --greeters N (3) greeters and the gateway on --port (8080); Ctrl-C stops it all",
    "  greeter  one greeter: --port (0 = any) --host (advertised, 127.0.0.1) --bind (listen address, the host)",
    "           --weight N (its share of the traffic); on SIGTERM it drains: OUT_OF_SERVICE, serving, then leaves",
    "  gateway  the gateway and registry console on --port (8080), balancing over --service (greeter);",
    "           --retry true|false (true: a failed request is tried on the next instance)",
    "           --admin-token name=secret[,name=secret...] enables the console's actions (none: read-only)",
    "  watch    print the registry, then every change (--format text|json)",
    "options for all: --endpoints URL[,URL...] --prefix (/vertx/discovery) --ttl seconds (5) --zone name",
    "  --drain-timeout ms (2000) --outlier-consecutive-failures N (5, 0 = off) --outlier-ejection-millis ms (30000)",
    "  --max-ejected-percent P (50)",
    "each option can also be set as an environment variable: --work-dir as WORK_DIR, and so on",
    "greeters and the gateway serve /health (/health/etcd-discovery-ready: readiness) and /metrics (Prometheus)");

  /** Flags that ask for the usage, anywhere on the command line (as a command, {@code help} does too). */
  private static final Set<String> HELP_FLAGS = Set.of("--help", "-h");

  private Main() {
  }

  /**
   * @param args the command and its options
   * @throws Exception when the command cannot start
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && "help".equals(args[0]) || Arrays.stream(args).anyMatch(HELP_FLAGS::contains)) {
      System.out.println(USAGE);
      return;
    }
    String command = args.length == 0 || args[0].startsWith("--") ? "demo" : args[0];
    List<String> options = Arrays.asList(args).subList(args.length == 0 || args[0].startsWith("--") ? 0 : 1,
      args.length);
    DemoConfig config;
    try {
      config = DemoConfig.parse(options, System.getenv());
    } catch (IllegalArgumentException e) {
      exitWithUsage(e.getMessage());
      return;
    }
    switch (command) {
      case "demo" -> DemoLauncher.run(config);
      case "greeter" -> deploy(new GreeterVerticle(), config.greeterConfig());
      case "gateway" -> deploy(new GatewayVerticle(), config.gatewayConfig());
      case "watch" -> WatchCommand.start(Vertx.vertx(), config, System.out)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      default -> exitWithUsage("Unknown command '" + command + "'");
    }
  }

  private static void deploy(Deployable verticle, JsonObject verticleConfig) throws Exception {
    DemoVertx demo = DemoVertx.create();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        demo.vertx().close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("Closing Vert.x: " + e.getMessage());
      }
    }, "shutdown"));
    demo.deploy(verticle, verticleConfig)
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    if ("true".equals(System.getenv(DemoLauncher.EXIT_WITH_PARENT))) {
      exitWhenParentGoes();
    }
  }

  /** Exits (gracefully, through the shutdown hook) when the launcher's end of standard input closes. */
  private static void exitWhenParentGoes() {
    Thread watcher = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // Only end-of-file matters.
        }
      } catch (IOException e) {
        System.err.println("Standard input failed: " + e.getMessage());
      }
      System.exit(0);
    }, "parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static void exitWithUsage(String problem) {
    System.err.println(problem);
    System.err.println(USAGE);
    System.exit(2);
  }
}
