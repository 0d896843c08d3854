package org.vertxetcd.discovery.benchmark;

import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.backend.zookeeper.ZookeeperBackendService;
import org.apache.curator.framework.CuratorFramework;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real ZooKeeper (Debian's {@code zookeeper} package, 3.8) on a free loopback port, standalone, with a
 * configuration and a data directory of its own, for Vert.x's ZooKeeper backend the benchmark compares with. Like
 * etcd in this harness it does not sync its log to disk ({@code forceSync=no}: the data directory is a temporary
 * one). The backend has no key for its session timeout: Curator asks for its default, 60 s, or the JVM's
 * {@code curator-default-session-timeout}, and the server grants it within {@code [minSessionTimeout,
 * maxSessionTimeout]}, by default 2 to 20 {@code tickTime}s. Here {@code tickTime} is {@value #TICK_MILLIS} ms (the
 * granularity of session expiry) and {@code maxSessionTimeout} 60 s, so the backend's nodes keep Curator's 60 s
 * (a short session loses its connection under a burst of requests on 2 cores), and a node that asks for
 * {@value #SESSION_TIMEOUT_MILLIS} ms ({@link #shortSessionJvmOptions()}) gets it: the time a crashed node's records
 * stay, as with etcd's TTL of 3 s in the failure-detection workload.
 */
final class ZooKeeperServer extends ReferenceServer {

  static final int TICK_MILLIS = 150;
  static final int SESSION_TIMEOUT_MILLIS = 3_000;
  private static final int MAX_SESSION_TIMEOUT_MILLIS = 60_000;
  /**
   * The largest packet client and server take: the children of a node of 100,000 records (their registration ids)
   * make a reply of 4 MB, ZooKeeper's default limit.
   */
  private static final String MAX_PACKET = Integer.toString(32 * 1024 * 1024);
  /**
   * System properties for the ZooKeeper client of the backend, set before its classes load: the largest packet, and
   * SASL off (this server has none; the client would otherwise try a SASL login first on every connection).
   */
  static final Map<String, String> CLIENT_PROPERTIES = Map.of("jute.maxbuffer", MAX_PACKET, "zookeeper.sasl.client",
    "false");
  /** Vert.x's ZooKeeper backend. */
  static final String BACKEND = "io.vertx.servicediscovery.backend.zookeeper.ZookeeperBackendService";
  private static final Path JAR = Path.of("/usr/share/java/zookeeper.jar");

  private ZooKeeperServer(int port, Path config, Path workDir) throws IOException {
    // The jar's manifest names the libraries it needs, as Debian installs them.
    super(port, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
      "-Djute.maxbuffer=" + MAX_PACKET, "-cp", JAR.toString(), "org.apache.zookeeper.server.ZooKeeperServerMain",
      config.toString()), workDir.resolve("zookeeper.log"));
  }

  static ZooKeeperServer start(Path workDir) throws IOException {
    if (!Files.isReadable(JAR)) {
      throw new IllegalStateException(JAR + " is missing: install Debian's zookeeper package "
        + "(scripts/benchmark.sh and scripts/test.sh do)");
    }
    int port = freePort();
    Path dataDir = Files.createDirectories(workDir.resolve("zookeeper"));
    Path config = Files.writeString(workDir.resolve("zoo.cfg"), String.join("\n",
      "tickTime=" + TICK_MILLIS,
      "maxSessionTimeout=" + MAX_SESSION_TIMEOUT_MILLIS,
      "dataDir=" + dataDir,
      "clientPort=" + port,
      "clientPortAddress=127.0.0.1",
      "maxClientCnxns=0",
      "forceSync=no",
      "admin.enableServer=false",
      ""));
    CLIENT_PROPERTIES.forEach(System::setProperty);
    return new ZooKeeperServer(port, config, workDir);
  }

  /**
   * @return the {@link #CLIENT_PROPERTIES} as JVM options, for a child JVM running the backend, with Curator's
   *     default session timeout set to {@value #SESSION_TIMEOUT_MILLIS} ms
   */
  static List<String> shortSessionJvmOptions() {
    List<String> options = new ArrayList<>(List.of("-Dcurator-default-session-timeout=" + SESSION_TIMEOUT_MILLIS));
    CLIENT_PROPERTIES.forEach((key, value) -> options.add("-D" + key + "=" + value));
    return options;
  }

  /** @return the connection string of Vert.x's ZooKeeper backend ({@code connection}) */
  String connectionString() {
    return "127.0.0.1:" + port();
  }

  /**
   * Closes the ZooKeeper client of a discovery on Vert.x's ZooKeeper backend, which never closes it itself (nor on
   * {@code ServiceDiscovery.close()}, nor on {@code Vertx.close()}): without this, each client reconnects to the stopped
   * server for as long as the JVM lives. A discovery on another backend is left alone.
   *
   * @param discovery a discovery created with {@link #backendConfig}, or on another backend
   */
  static void closeBackendClient(ServiceDiscovery discovery) {
    try {
      Field backendField = discovery.getClass().getDeclaredField("backend");
      backendField.setAccessible(true);
      if (backendField.get(discovery) instanceof ZookeeperBackendService backend) {
        Field clientField = ZookeeperBackendService.class.getDeclaredField("client");
        clientField.setAccessible(true);
        ((CuratorFramework) clientField.get(backend)).close();
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Cannot reach the ZooKeeper client of Vert.x's ZooKeeper backend", e);
    }
  }

  /**
   * @param connection a ZooKeeper connection string
   * @param basePath   where the records go ({@code basePath}), one path per registry
   * @return the configuration of Vert.x's ZooKeeper backend, its records ephemeral (they leave with the session)
   */
  static JsonObject backendConfig(String connection, String basePath) {
    return new JsonObject().put("backend-name", BACKEND).put("connection", connection).put("basePath", basePath)
      .put("ephemeral", true).put("connectionTimeoutMs", 10_000);
  }
}
