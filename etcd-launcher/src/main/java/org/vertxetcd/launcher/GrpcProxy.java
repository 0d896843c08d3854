package org.vertxetcd.launcher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * etcd's gRPC proxy ({@code etcd grpc-proxy start}) in front of the members of an {@link EtcdCluster}: clients
 * connected to {@link #url()} share its watches (clients watching the same range cost the cluster one watcher) and
 * its connections. Started from the cluster's own {@code etcd} binary (so {@code $ETCD_BINARY} chooses its version
 * too) on a loopback port of its own that it keeps across {@link #stop()} and {@link #start()}, so clients reconnect
 * to the same URL. It stops when the cluster closes, when {@link #close()} is called, and with the JVM (a
 * {@link WatchedProcess}). Methods block; do not call them on an event loop.
 * <pre>
 * try (EtcdCluster etcd = EtcdCluster.builder().members(3).build().start();
 *      GrpcProxy proxy = etcd.startGrpcProxy()) {
 *   List&lt;String&gt; endpoints = List.of(proxy.url());
 *   proxy.stop();    // clients see the proxy gone
 *   proxy.start();   // and back, at the same URL
 * }
 * </pre>
 */
public final class GrpcProxy implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcProxy.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final EtcdCluster cluster;
  private final int port;
  private final Path logFile;
  private Process process;

  GrpcProxy(EtcdCluster cluster, int port, Path logFile) {
    this.cluster = cluster;
    this.port = port;
    this.logFile = logFile;
  }

  /** @return the client URL of the proxy, e.g. {@code http://127.0.0.1:23790}, for a client's {@code endpoints} */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** @return the operating-system process id, or -1 when not running */
  public synchronized long pid() {
    return isRunning() ? process.pid() : -1;
  }

  /** @return whether the proxy process is alive */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Starts the proxy (again, after {@link #stop()}) and waits until it serves requests through to the cluster.
   *
   * @throws IOException when it cannot start or does not serve within 30 seconds; the message holds its log's end
   */
  public synchronized void start() throws IOException {
    if (isRunning()) {
      return;
    }
    process = WatchedProcess.start(command(), logFile);
    awaitServing();
  }

  /** Sends SIGTERM and waits for the proxy to end: its clients' connections and streams break. */
  public void stop() {
    Process running;
    synchronized (this) {
      running = process;
      process = null;
    }
    if (running == null) {
      return;
    }
    running.destroy();
    try {
      if (!running.waitFor(10, TimeUnit.SECONDS)) {
        running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      WatchedProcess.releaseEnded(running);
    }
  }

  /** Stops the proxy; safe to call more than once. */
  @Override
  public void close() {
    stop();
  }

  /** @return the last lines of the proxy's log, for error messages */
  public String logTail() {
    return WatchedProcess.logTail(logFile);
  }

  private List<String> command() {
    String members = cluster.members().stream().map(member -> "127.0.0.1:" + member.clientPort())
      .collect(Collectors.joining(","));
    return List.of(cluster.binary(), "grpc-proxy", "start", "--endpoints=" + members,
      "--listen-addr=127.0.0.1:" + port);
  }

  /** The proxy answers a health probe only once it reaches a member: then clients can use it. */
  private void awaitServing() throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("The etcd gRPC proxy exited at start; its log ends with:\n" + logTail());
      }
      try {
        cluster.etcdctlAt(List.of(url()), Duration.ofSeconds(5), "endpoint", "health");
        return;
      } catch (RuntimeException e) {
        LOG.debug("The gRPC proxy at {} does not serve yet", url(), e);
      }
      sleep(100);
    }
    throw new IOException("The etcd gRPC proxy at " + url() + " did not serve within " + START_TIMEOUT.toSeconds()
      + " s; its log ends with:\n" + logTail());
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while waiting for the gRPC proxy", e);
    }
  }

  @Override
  public String toString() {
    return "GrpcProxy(" + url() + ")";
  }
}
