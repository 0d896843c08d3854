package org.vertxetcd.launcher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Real etcd processes on loopback for tests and demos: one member or a cluster, each member with its own ports and
 * data directory, started from the {@code etcd} binary (Debian: {@code apt-get install -y etcd-server etcd-client}).
 * <p>
 * Every process is stopped by {@link #close()}, or when the JVM that started it ends, however it ends (even by
 * SIGKILL): a watchdog per process notices. The JVM's own shutdown hooks can therefore still use etcd, e.g. to revoke
 * leases. The data of a JVM that ended without closing its cluster is deleted by the next cluster built, in any JVM.
 * A cluster built {@link Builder#partitionable()} can also cut one member off from the others while its
 * clients still reach it ({@link EtcdMember#isolate()}). Methods block; do not call them on an event loop.
 * <pre>
 * try (EtcdCluster etcd = EtcdCluster.builder().members(3).build().start()) {
 *   List&lt;String&gt; endpoints = etcd.endpoints();
 *   etcd.member(etcd.leaderIndex()).kill();
 * }
 * </pre>
 */
public final class EtcdCluster implements AutoCloseable {

  /** How to build a cluster. */
  public static final class Builder {
    private int members = 1;
    private Path dataRoot;
    private String binary;
    private int heartbeatMillis = 100;
    private int electionMillis = 1000;
    private final List<String> extraArguments = new ArrayList<>();
    private final List<String> etcdctlArguments = new ArrayList<>();
    private String scheme = "http";
    private boolean partitionable;

    private Builder() {
    }

    /**
     * Puts a TCP proxy in front of every member's peer URL, so that {@link EtcdMember#isolate()} can cut a member
     * off from the others (and {@link EtcdMember#reconnect()} heal it) while clients still reach it. Each member
     * listens for peers on its own port and advertises its proxy's; the proxies run in this JVM and stop with the
     * cluster.
     *
     * @return this builder
     */
    public Builder partitionable() {
      this.partitionable = true;
      return this;
    }

    /**
     * @param members the number of members, 1 or more (3 or 5 for a fault-tolerant cluster)
     * @return this builder
     */
    public Builder members(int members) {
      if (members < 1) {
        throw new IllegalArgumentException("An etcd cluster needs at least one member, not " + members);
      }
      this.members = members;
      return this;
    }

    /**
     * @param dataRoot the directory holding the members' data directories and logs; kept on close. By default a new
     *                 temporary directory (under {@code /dev/shm} when it exists) that close deletes, or the next
     *                 cluster built when this JVM ends without closing it
     * @return this builder
     */
    public Builder dataRoot(Path dataRoot) {
      this.dataRoot = dataRoot;
      return this;
    }

    /**
     * @param binary path of the {@code etcd} binary; by default {@code $ETCD_BINARY} or {@code etcd} on the PATH
     * @return this builder
     */
    public Builder binary(String binary) {
      this.binary = binary;
      return this;
    }

    /**
     * @param heartbeatMillis the Raft heartbeat interval ({@code --heartbeat-interval}), 100 by default
     * @param electionMillis  the election timeout ({@code --election-timeout}), 1000 by default
     * @return this builder
     */
    public Builder raftTimings(int heartbeatMillis, int electionMillis) {
      this.heartbeatMillis = heartbeatMillis;
      this.electionMillis = electionMillis;
      return this;
    }

    /**
     * @param scheme     {@code https} when the extra arguments configure client TLS
     * @param arguments  more {@code etcd} flags for every member, e.g. {@code --cert-file=...}
     * @return this builder
     */
    public Builder extraArguments(String scheme, String... arguments) {
      this.scheme = scheme;
      extraArguments.addAll(List.of(arguments));
      return this;
    }

    /**
     * @param arguments global flags for {@link #etcdctl(String...)}, e.g. {@code --cacert=...} or {@code --user=...}
     * @return this builder
     */
    public Builder etcdctlArguments(String... arguments) {
      etcdctlArguments.addAll(List.of(arguments));
      return this;
    }

    /**
     * @return the cluster, not started
     * @throws IllegalStateException when the {@code etcd} or {@code etcdctl} binary cannot be found
     */
    public EtcdCluster build() {
      String etcd = binary != null ? requireExecutable(binary, "binary(...)") : findBinary("etcd", "ETCD_BINARY");
      String etcdctl = siblingOrPath(Paths.get(etcd), "etcdctl", "ETCDCTL_BINARY");
      try {
        return new EtcdCluster(this, etcd, etcdctl);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot prepare the etcd data directories", e);
      }
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(EtcdCluster.class);
  private static final String DATA_ROOT_PREFIX = "etcd-";
  /** In a temporary data root: the pid and start time of the process that created it. */
  private static final String OWNER_FILE = "owner";
  private static final long HEALTH_POLL_MILLIS = 100;
  private static final String INSTALL_HINT = "install it with 'apt-get install -y etcd-server etcd-client' "
    + "(Debian/Ubuntu) or point %s at it";

  private final String binary;
  private final Etcdctl etcdctl;
  private final Path dataRoot;
  private final boolean ownsDataRoot;
  private final String scheme;
  private final String token = "vertx-etcd-" + UUID.randomUUID();
  private final List<String> extraArguments;
  private final int heartbeatMillis;
  private final int electionMillis;
  private final List<EtcdMember> members = new ArrayList<>();
  private final List<GrpcProxy> grpcProxies = new ArrayList<>();
  private final PeerNetwork peerNetwork;

  private EtcdCluster(Builder builder, String binary, String etcdctl) throws IOException {
    this.binary = binary;
    this.ownsDataRoot = builder.dataRoot == null;
    this.dataRoot = ownsDataRoot ? createDataRoot() : builder.dataRoot;
    Files.createDirectories(dataRoot);
    this.etcdctl = new Etcdctl(etcdctl, builder.etcdctlArguments, dataRoot);
    this.scheme = builder.scheme;
    this.extraArguments = List.copyOf(builder.extraArguments);
    this.heartbeatMillis = builder.heartbeatMillis;
    this.electionMillis = builder.electionMillis;
    int[] ports = freePorts(builder.members * 2);
    for (int i = 0; i < builder.members; i++) {
      members.add(new EtcdMember(this, i, ports[2 * i], ports[2 * i + 1], dataRoot.resolve("member-" + i),
        dataRoot.resolve("member-" + i + ".log")));
    }
    this.peerNetwork = builder.partitionable ? new PeerNetwork(members) : null;
  }

  /** @return a builder for a one-member cluster with default settings */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts every member and waits until all of them serve.
   *
   * @return this cluster
   * @throws IOException when a member cannot be started or does not become healthy within 30 seconds; the message
   *                     holds the end of its log. The cluster is closed in that case.
   */
  public EtcdCluster start() throws IOException {
    try {
      for (EtcdMember member : members) {
        member.start();
      }
      awaitHealthy(Duration.ofSeconds(30));
      for (EtcdMember member : members) {
        if (!member.isRunning()) {
          throw new IOException("etcd " + member + " exited at start; its log ends with:\n" + member.logTail());
        }
      }
      return this;
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** @return the members, in order */
  public List<EtcdMember> members() {
    return List.copyOf(members);
  }

  /**
   * @param index the member's position, from 0
   * @return that member
   */
  public EtcdMember member(int index) {
    return members.get(index);
  }

  /** @return the client URLs of every member, for a client's {@code endpoints} */
  public List<String> endpoints() {
    return members.stream().map(EtcdMember::clientUrl).collect(Collectors.toList());
  }

  /**
   * Waits until every running member reports itself healthy (it has a leader and serves requests). The timeout holds
   * however long a member takes to answer: each probe gets only the time that is left.
   *
   * @param timeout how long to wait
   * @throws IOException when some member is still unhealthy after the timeout; the message holds its log's end
   */
  public void awaitHealthy(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (EtcdMember member : members) {
      awaitHealthy(member, deadline, timeout);
    }
  }

  private void awaitHealthy(EtcdMember member, long deadline, Duration timeout) throws IOException {
    while (member.isRunning()) {
      Duration remaining = Duration.ofNanos(deadline - System.nanoTime());
      if (remaining.isNegative() || remaining.isZero()) {
        throw new IOException("etcd " + member + " did not become healthy within " + timeout.toMillis()
          + " ms; its log ends with:\n" + member.logTail());
      }
      if (isHealthy(member, remaining)) {
        return;
      }
      sleepQuietly(Math.min(HEALTH_POLL_MILLIS, remaining.toMillis()));
    }
  }

  /**
   * @return the index of the member that is currently the Raft leader, or -1 when no running member knows one
   */
  public int leaderIndex() {
    for (EtcdMember member : members) {
      if (!member.isRunning()) {
        continue;
      }
      try {
        if (member.status().isLeader()) {
          return member.index();
        }
      } catch (RuntimeException e) {
        LOG.debug("etcd {} cannot tell who leads (paused, or without quorum): asking the next member", member, e);
      }
    }
    return -1;
  }

  /**
   * Runs {@code etcdctl} against every member, e.g. {@code etcdctl("put", "/key", "value")}.
   *
   * @param arguments the command and its arguments
   * @return what it printed on standard output
   * @throws IllegalStateException when it exits with an error; the message holds what it printed
   */
  public String etcdctl(String... arguments) {
    return etcdctlAt(endpoints(), arguments);
  }

  /**
   * Runs {@code etcdctl} against the given endpoints, for at most 30 seconds.
   *
   * @param endpoints the client URLs to talk to
   * @param arguments the command and its arguments
   * @return what it printed on standard output
   * @throws IllegalStateException when it exits with an error or does not exit in time; the message holds what it
   *                               printed
   */
  public String etcdctlAt(List<String> endpoints, String... arguments) {
    return etcdctlAt(endpoints, Etcdctl.DEFAULT_TIMEOUT, arguments);
  }

  /**
   * Runs {@code etcdctl} against the given endpoints; its own {@code --command-timeout} and {@code --dial-timeout}
   * are shortened to the timeout when they are longer.
   *
   * @param endpoints the client URLs to talk to
   * @param timeout   how long it may run: then it is killed
   * @param arguments the command and its arguments
   * @return what it printed on standard output
   * @throws IllegalStateException when it exits with an error or does not exit within the timeout; the message holds
   *                               what it printed
   */
  public String etcdctlAt(List<String> endpoints, Duration timeout, String... arguments) {
    return etcdctl.run(endpoints, timeout, arguments);
  }

  /**
   * Starts etcd's gRPC proxy ({@code etcd grpc-proxy start}) in front of every member, on a free loopback port, and
   * waits until it serves. It stops with this cluster (or on its own {@link GrpcProxy#close()}), and can be stopped
   * and started again at the same URL.
   *
   * @return the running proxy; its {@link GrpcProxy#url()} is a client endpoint
   * @throws IOException when it cannot start or does not serve within 30 seconds
   */
  public GrpcProxy startGrpcProxy() throws IOException {
    GrpcProxy proxy;
    synchronized (grpcProxies) {
      proxy = new GrpcProxy(this, freePorts(1)[0], dataRoot.resolve("grpc-proxy-" + grpcProxies.size() + ".log"));
      grpcProxies.add(proxy);
    }
    proxy.start();
    return proxy;
  }

  /**
   * Kills every member, stops the gRPC proxies and the peer proxies of a partitionable cluster and deletes the data this cluster created.
   * Safe to call more than once.
   */
  @Override
  public void close() {
    synchronized (grpcProxies) {
      grpcProxies.forEach(GrpcProxy::close);
    }
    destroyAll();
    if (peerNetwork != null) {
      peerNetwork.close();
    }
    if (ownsDataRoot) {
      deleteRecursively(dataRoot);
    }
  }

  String binary() {
    return binary;
  }

  String scheme() {
    return scheme;
  }

  boolean isPartitionable() {
    return peerNetwork != null;
  }

  PeerNetwork peerNetwork() {
    if (peerNetwork == null) {
      throw new IllegalStateException("Members of this cluster cannot be isolated: build it with "
        + "EtcdCluster.builder().partitionable()");
    }
    return peerNetwork;
  }

  int advertisedPeerPort(EtcdMember member) {
    return peerNetwork != null ? peerNetwork.advertisedPort(member.index()) : member.listenPeerPort();
  }

  List<String> memberArguments(EtcdMember member) {
    String initialCluster = members.stream().map(m -> m.name() + "=" + m.peerUrl())
      .collect(Collectors.joining(","));
    List<String> arguments = new ArrayList<>(List.of(
      "--name=" + member.name(),
      "--data-dir=" + member.dataDir(),
      "--listen-client-urls=" + member.clientUrl(),
      "--advertise-client-urls=" + member.clientUrl(),
      "--listen-peer-urls=" + member.listenPeerUrl(),
      "--initial-advertise-peer-urls=" + member.peerUrl(),
      "--initial-cluster=" + initialCluster,
      "--initial-cluster-state=new",
      "--initial-cluster-token=" + token,
      "--heartbeat-interval=" + heartbeatMillis,
      "--election-timeout=" + electionMillis,
      "--logger=zap",
      "--log-outputs=stderr",
      "--log-level=warn"));
    arguments.addAll(extraArguments);
    return arguments;
  }

  private boolean isHealthy(EtcdMember member, Duration timeout) {
    try {
      etcdctlAt(List.of(member.clientUrl()), timeout, "endpoint", "health");
      return true;
    } catch (RuntimeException e) {
      LOG.debug("etcd {} is not healthy yet", member, e);
      return false;
    }
  }

  private void destroyAll() {
    members.forEach(EtcdMember::destroy);
  }

  /**
   * A new temporary data root, marked with this JVM as its owner; first deletes the data roots whose owner ended
   * without closing its cluster (killed, or stopped by a timeout): their etcd processes ended with it (see
   * {@link WatchedProcess}), but their data stayed, in memory when under {@code /dev/shm}.
   */
  private static Path createDataRoot() throws IOException {
    Path base = tempBase();
    deleteAbandonedDataRoots(base);
    Path root = Files.createTempDirectory(base, DATA_ROOT_PREFIX);
    Files.writeString(root.resolve(OWNER_FILE), ownerOf(ProcessHandle.current()));
    return root;
  }

  private static void deleteAbandonedDataRoots(Path base) {
    try (Stream<Path> roots = Files.list(base)) {
      roots.filter(root -> root.getFileName().toString().startsWith(DATA_ROOT_PREFIX))
        .filter(EtcdCluster::isAbandoned)
        .forEach(root -> {
          LOG.info("Deleting {}: the etcd data of a process that ended without closing its cluster", root);
          try {
            deleteRecursively(root);
          } catch (UncheckedIOException e) {
            LOG.warn("Cannot delete the abandoned etcd data in {}", root, e);
          }
        });
    } catch (IOException e) {
      LOG.warn("Cannot look for abandoned etcd data in {}", base, e);
    }
  }

  /** Only a root marked by a process that is gone: a root of another user's or of a live process is left alone. */
  private static boolean isAbandoned(Path root) {
    Path owner = root.resolve(OWNER_FILE);
    if (!Files.isRegularFile(owner)) {
      return false;
    }
    try {
      String recorded = Files.readString(owner).trim();
      long pid = Long.parseLong(recorded.substring(0, recorded.indexOf(' ')));
      // The start time tells a pid reused by another process from the owner itself.
      return ProcessHandle.of(pid).map(process -> !ownerOf(process).equals(recorded)).orElse(true);
    } catch (IOException | RuntimeException e) {
      LOG.debug("Cannot read the owner of {}: leaving it", root, e);
      return false;
    }
  }

  /** @return the pid and start time of a process, as the owner file of a data root records them */
  private static String ownerOf(ProcessHandle process) {
    return process.pid() + " " + process.info().startInstant().map(Object::toString).orElse("unknown");
  }

  private static Path tempBase() {
    Path shm = Paths.get("/dev/shm");
    return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Paths.get(System.getProperty("java.io.tmpdir"));
  }

  private static int[] freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0);
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  private static String findBinary(String name, String variable) {
    String configured = System.getenv(variable);
    if (configured != null && !configured.isBlank()) {
      return requireExecutable(configured, variable);
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/bin", "/usr/local/bin"))
      .map(dir -> Paths.get(dir, name))
      .filter(Files::isExecutable)
      .findFirst()
      .map(Path::toString)
      .orElseThrow(() -> new IllegalStateException("The '" + name + "' binary was not found on the PATH: "
        + String.format(INSTALL_HINT, variable)));
  }

  private static String requireExecutable(String binary, String source) {
    if (!Files.isExecutable(Paths.get(binary))) {
      throw new IllegalStateException("'" + binary + "' (from " + source + ") is not an executable etcd binary: "
        + String.format(INSTALL_HINT, source));
    }
    return binary;
  }

  private static String siblingOrPath(Path etcd, String name, String variable) {
    Path sibling = etcd.resolveSibling(name);
    return System.getenv(variable) == null && Files.isExecutable(sibling) ? sibling.toString()
      : findBinary(name, variable);
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for etcd", e);
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete etcd data in " + root, e);
    }
  }

  @Override
  public String toString() {
    return "EtcdCluster" + endpoints();
  }
}
