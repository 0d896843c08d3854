package org.vertxetcd.demo;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The docker-compose file, checked without a Docker engine (none runs on the build machines): a real 3-member etcd
 * cluster, greeters that advertise reachable addresses, the gateway published on 8080, all built from the
 * Dockerfile, and Prometheus scraping every demo service; and, when Debian's docker-compose is installed, its own
 * validation. Nothing here runs etcd, so scripts/test.sh runs it on one etcd version only.
 */
@Tag("etcd-version-independent")
class DockerComposeTest {

  private static final Path COMPOSE = Paths.get("..", "docker", "docker-compose.yml");
  private static final Set<String> ETCD = Set.of("etcd1", "etcd2", "etcd3");
  private static final String PROMETHEUS = "prometheus";
  private static final String PROMETHEUS_CONFIG = "/etc/prometheus/prometheus.yml";
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> services() throws Exception {
    Map<String, Object> compose = new Yaml().load(Files.readString(COMPOSE));
    return (Map<String, Map<String, Object>>) compose.get("services");
  }

  @Test
  void etcdIsAThreeMemberClusterWhoseFlagsAgree() throws Exception {
    Map<String, Map<String, Object>> services = services();
    String expectedCluster = ETCD.stream().sorted().map(name -> name + "=http://" + name + ":2380")
      .collect(Collectors.joining(","));
    for (String name : ETCD) {
      Map<String, String> flags = flags(services.get(name));
      assertTrue(services.get(name).get("image").toString().startsWith("gcr.io/etcd-development/etcd:v3.5"));
      assertEquals(name, flags.get("--name"));
      assertEquals(expectedCluster, flags.get("--initial-cluster"), name);
      assertEquals("new", flags.get("--initial-cluster-state"));
      assertEquals("http://" + name + ":2380", flags.get("--initial-advertise-peer-urls"));
      assertEquals("http://" + name + ":2379", flags.get("--advertise-client-urls"));
      assertEquals("http://0.0.0.0:2379", flags.get("--listen-client-urls"));
      assertEquals("http://0.0.0.0:2380", flags.get("--listen-peer-urls"));
      assertTrue(flags.containsKey("--data-dir") && services.get(name).containsKey("volumes"), "data on a volume");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void greetersAndTheGatewayUseEveryMemberAndTheDemoImage() throws Exception {
    Map<String, Map<String, Object>> services = services();
    Set<String> clientUrls = ETCD.stream().map(name -> "http://" + name + ":2379").collect(Collectors.toSet());
    List<String> greeters = services.keySet().stream().filter(name -> name.startsWith("greeter")).toList();
    assertTrue(greeters.size() >= 2, "several greeters: " + greeters);
    for (String name : greeters) {
      List<String> command = (List<String>) services.get(name).get("command");
      assertEquals("greeter", command.get(0));
      assertEquals(name, command.get(command.indexOf("--host") + 1), "advertises the address others reach");
      assertEquals("0.0.0.0", command.get(command.indexOf("--bind") + 1));
    }
    List<String> gatewayCommand = (List<String>) services.get("gateway").get("command");
    assertEquals("gateway", gatewayCommand.get(0));
    assertEquals(List.of("8080:8080"), services.get("gateway").get("ports"));
    for (String name : demoServices(services)) {
      Map<String, Object> service = services.get(name);
      Map<String, String> environment = (Map<String, String>) service.get("environment");
      assertEquals(clientUrls, Set.of(environment.get("ENDPOINTS").split(",")), name + " knows every member");
      Map<String, String> build = (Map<String, String>) service.get("build");
      assertTrue(Files.exists(COMPOSE.getParent().resolve(build.get("context")).resolve(build.get("dockerfile"))));
      assertEquals("vertx-etcd-demo", service.get("image"));
    }
  }

  @Test
  void theDockerfileRunsTheDemoJarTheBuildProduces() throws Exception {
    String dockerfile = Files.readString(COMPOSE.getParent().resolve("Dockerfile"));
    assertTrue(dockerfile.contains("mvn -B -q -DskipTests package -pl demo-services -am"), dockerfile);
    assertTrue(dockerfile.contains("/src/demo-services/target/vertx-etcd-demo.jar"), dockerfile);
    assertTrue(Files.readString(Paths.get("pom.xml")).contains("<finalName>vertx-etcd-demo</finalName>"));
    // The parent lists every module: Maven refuses to build when one of them is missing from the image.
    Matcher module = MODULE.matcher(Files.readString(Paths.get("..", "pom.xml")));
    while (module.find()) {
      assertTrue(dockerfile.contains("COPY " + module.group(1) + " " + module.group(1)), module.group(1));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void prometheusScrapesEveryDemoServiceAtThePortItListensOn() throws Exception {
    Map<String, Map<String, Object>> services = services();
    Map<String, Object> prometheus = services.get(PROMETHEUS);
    assertNotNull(prometheus, "a prometheus service: " + services.keySet());
    assertTrue(prometheus.get("image").toString().startsWith("prom/prometheus:v"), "the official image, a release");
    assertEquals(List.of("9090:9090"), prometheus.get("ports"));
    String mount = ((List<String>) prometheus.get("volumes")).stream()
      .filter(volume -> volume.split(":")[1].equals(PROMETHEUS_CONFIG)).findFirst()
      .orElseThrow(() -> new AssertionError("its configuration is mounted at " + PROMETHEUS_CONFIG));
    Path config = COMPOSE.getParent().resolve(mount.split(":")[0]);
    assertTrue(Files.isRegularFile(config), config + " is a file of this repository");

    Map<String, Object> scrape = new Yaml().load(Files.readString(config));
    Set<String> scraped = new HashSet<>();
    for (Map<String, Object> job : (List<Map<String, Object>>) scrape.get("scrape_configs")) {
      assertEquals("/metrics", job.getOrDefault("metrics_path", "/metrics"), job.get("job_name").toString());
      for (Map<String, Object> targets : (List<Map<String, Object>>) job.get("static_configs")) {
        for (String target : (List<String>) targets.get("targets")) {
          String service = target.substring(0, target.lastIndexOf(':'));
          assertTrue(services.containsKey(service), target + " names a service of the compose file");
          assertEquals(target.substring(target.lastIndexOf(':') + 1), listeningPort(services.get(service)),
            target + " is the port " + service + " listens on");
          scraped.add(service);
        }
      }
    }
    assertEquals(demoServices(services), scraped, "every demo service is scraped");
  }

  @Test
  void dockerComposeAcceptsTheFile() throws Exception {
    assumeTrue(Arrays.stream(System.getenv("PATH").split(File.pathSeparator))
      .anyMatch(dir -> Files.isExecutable(Paths.get(dir, "docker-compose"))), "Debian's docker-compose is installed");
    Process process = new ProcessBuilder("docker-compose", "-f", COMPOSE.toString(), "config", "--quiet")
      .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertEquals(0, process.waitFor(), output);
  }

  /** @return the greeters and the gateway: every service but etcd's and Prometheus */
  private static Set<String> demoServices(Map<String, Map<String, Object>> services) {
    return services.keySet().stream().filter(name -> !ETCD.contains(name) && !PROMETHEUS.equals(name))
      .collect(Collectors.toSet());
  }

  /** @return the value of the demo's {@code --port} option in a service's command */
  private static String listeningPort(Map<String, Object> service) {
    @SuppressWarnings("unchecked")
    List<String> command = (List<String>) service.get("command");
    assertTrue(command.contains("--port"), "the port is given: " + command);
    return command.get(command.indexOf("--port") + 1);
  }

  private static Map<String, String> flags(Map<String, Object> service) {
    @SuppressWarnings("unchecked")
    List<String> command = (List<String>) service.get("command");
    return command.stream().filter(arg -> arg.startsWith("--") && arg.contains("="))
      .collect(Collectors.toMap(arg -> arg.substring(0, arg.indexOf('=')), arg -> arg.substring(arg.indexOf('=') + 1)));
  }
}
