package org.vertxetcd.discovery.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.launcher.EtcdCluster;
import org.vertxetcd.launcher.EtcdExtension;
import org.vertxetcd.launcher.EtcdMember;
import org.vertxetcd.launcher.FaultProxy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The set-up every test of the backend shares: a real etcd cluster for the test class (through the launcher's
 * {@link EtcdExtension}), a fresh key prefix for each test, the backend configuration of that prefix, and everything
 * a test starts (Vert.x instances, nodes, node processes, proxies) closed when the test ends, also when it fails:
 * <pre>
 * &#64;RegisterExtension
 * static DiscoveryExtension etcd = DiscoveryExtension.members(1).withConfig(new JsonObject().put("ttl", 3));
 * </pre>
 * What is closed after a test is closed in the reverse order it was started in; a failure to close is reported as
 * the test's failure (the others are attached to it as suppressed exceptions), never ignored.
 */
public final class DiscoveryExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
  AfterEachCallback {

  private final EtcdExtension etcd;
  private final JsonObject overrides;
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private String prefix;

  private DiscoveryExtension(EtcdExtension etcd, JsonObject overrides) {
    this.etcd = etcd;
    this.overrides = overrides;
  }

  /**
   * @param members the number of etcd members
   * @return an extension starting a cluster of that size for the test class
   */
  public static DiscoveryExtension members(int members) {
    return new DiscoveryExtension(EtcdExtension.members(members), new JsonObject());
  }

  /**
   * @param members    the number of etcd members
   * @param customizer adjusts the cluster (TLS flags, timings, a partitionable peer network)
   * @return an extension starting a customised cluster of that size for the test class
   */
  public static DiscoveryExtension members(int members, UnaryOperator<EtcdCluster.Builder> customizer) {
    return new DiscoveryExtension(EtcdExtension.members(members, customizer), new JsonObject());
  }

  /**
   * @param keys backend configuration keys every configuration of this extension has (e.g. a short {@code ttl})
   * @return an extension whose configurations hold these keys too
   */
  public DiscoveryExtension withConfig(JsonObject keys) {
    return new DiscoveryExtension(etcd, overrides.copy().mergeIn(keys));
  }

  /**
   * Starts the cluster before the class's first test.
   *
   * @param context the test class's context
   * @throws Exception when etcd cannot start
   */
  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    etcd.beforeAll(context);
  }

  /**
   * Stops the cluster after the class's last test.
   *
   * @param context the test class's context
   */
  @Override
  public void afterAll(ExtensionContext context) {
    etcd.afterAll(context);
  }

  /**
   * Gives the test a key prefix of its own.
   *
   * @param context the test's context
   */
  @Override
  public void beforeEach(ExtensionContext context) {
    prefix = EtcdExtension.newPrefix();
    resources.clear();
  }

  /**
   * Closes everything the test started through this extension, newest first.
   *
   * @param context the test's context
   * @throws Exception the first failure to close something, with any later ones suppressed
   */
  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Exception failure = null;
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** @return the running cluster */
  public EtcdCluster cluster() {
    return etcd.cluster();
  }

  /** @return the client URLs of every member */
  public List<String> endpoints() {
    return etcd.endpoints();
  }

  /**
   * @param args etcdctl command and arguments
   * @return its standard output
   */
  public String etcdctl(String... args) {
    return etcd.etcdctl(args);
  }

  /** @return the key prefix of the running test: no other test uses it */
  public String prefix() {
    return prefix;
  }

  /**
   * @return a backend configuration selecting this backend against every member, under the test's prefix, with
   *     this extension's keys
   */
  public JsonObject config() {
    return config(endpoints());
  }

  /**
   * @param endpoints the client URLs the node is given (proxies, some members only)
   * @return {@link #config()} with these endpoints
   */
  public JsonObject config(List<String> endpoints) {
    return BackendConfig.forEndpoints(endpoints, prefix).mergeIn(overrides.copy())
      .put("endpoints", new JsonArray(endpoints));
  }

  /** @return the options of {@link #config()} */
  public EtcdBackendOptions options() {
    return new EtcdBackendOptions(config());
  }

  /**
   * How long a test waits for a change to reach another node's view through its watch: one {@code requestTimeout}
   * of the configuration, the time an operation may wait for etcd. A healthy watch delivers in microseconds; a wait
   * that needs longer is a failure, not a slow machine.
   *
   * @return the bound
   */
  public Duration delivery() {
    return Duration.ofMillis(options().getRequestTimeout());
  }

  /**
   * How long a lookup may take whatever happens to etcd: a lookup answers from the node's view and never waits for
   * etcd, so it must stay well under the {@code requestTimeout} a call that waits for etcd may take (a quarter).
   *
   * @return the bound
   */
  public Duration lookupBound() {
    return delivery().dividedBy(4);
  }

  /**
   * @param resource something the test started
   * @param <T>      its type
   * @return the resource, closed when the test ends
   */
  public <T extends AutoCloseable> T closeAfterTest(T resource) {
    resources.push(resource);
    return resource;
  }

  /**
   * @param vertx a Vert.x instance the test started (a clustered one, say)
   * @return it, closed when the test ends
   */
  public Vertx closeAfterTest(Vertx vertx) {
    closeAfterTest(() -> TestSupport.await(vertx.close()));
    return vertx;
  }

  /** @return a new Vert.x instance (a node), closed when the test ends */
  public Vertx vertx() {
    return closeAfterTest(Vertx.vertx());
  }

  /**
   * @param vertx a node
   * @return a service discovery on it with {@link #config()}, whose registry has synced: changes after this are
   *     events, not part of its initial view
   */
  public ServiceDiscovery discovery(Vertx vertx) {
    return discovery(vertx, config());
  }

  /**
   * @param vertx  a node
   * @param config a backend configuration
   * @return a service discovery on it, whose registry has synced, closed when the test ends
   */
  public ServiceDiscovery discovery(Vertx vertx, JsonObject config) {
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config));
    closeAfterTest(discovery::close);
    TestSupport.await(discovery.getRecords(record -> true, true));
    return discovery;
  }

  /**
   * @param vertx a node
   * @return a backend on it with {@link #config()}, initialised the way {@code ServiceDiscovery} does it (its
   *     registry is released with that Vert.x instance)
   */
  public EtcdBackendService backend(Vertx vertx) {
    return TestSupport.backend(vertx, config());
  }

  /**
   * @param name a name for messages
   * @return a node in this JVM with {@link #config()}, synced, closed when the test ends
   */
  public TestNode node(String name) {
    return node(name, config());
  }

  /**
   * @param name   a name for messages
   * @param config its backend configuration
   * @return a node in this JVM, synced, closed when the test ends
   */
  public TestNode node(String name, JsonObject config) {
    return closeAfterTest(TestNode.start(name, config));
  }

  /**
   * @param name a name for messages
   * @return a node in a JVM of its own with {@link #config()}, synced, ended when the test ends
   * @throws IOException when the JVM cannot be started
   */
  public NodeProcess process(String name) throws IOException {
    return process(name, config());
  }

  /**
   * @param name   a name for messages
   * @param config its backend configuration
   * @return a node in a JVM of its own, synced, ended when the test ends
   * @throws IOException when the JVM cannot be started
   */
  public NodeProcess process(String name, JsonObject config) throws IOException {
    return closeAfterTest(NodeProcess.start(name, config));
  }

  /**
   * @param member an etcd member
   * @return a proxy in front of its client URL, closed when the test ends
   * @throws IOException when the proxy cannot listen
   */
  public FaultProxy proxy(EtcdMember member) throws IOException {
    return closeAfterTest(new FaultProxy(member.clientPort()));
  }
}
