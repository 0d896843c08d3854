package org.vertxetcd.discovery.benchmark;

import org.vertxetcd.launcher.WatchedProcess;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A server the benchmark compares with (Redis, ZooKeeper), started on a free loopback port as a
 * {@link WatchedProcess}, so it never outlives the harness; closing stops it.
 */
abstract class ReferenceServer implements AutoCloseable {

  private final Process process;
  private final int port;

  /**
   * Starts the server and waits until it accepts connections.
   *
   * @param port    the port it listens on, from {@link #freePort()}
   * @param command its command line
   * @param log     where its output goes
   * @throws IOException when it cannot be started
   */
  ReferenceServer(int port, List<String> command, Path log) throws IOException {
    this.port = port;
    this.process = WatchedProcess.start(command, log);
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return true;
      }
    });
  }

  /** @return a loopback port nothing listens on */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** @return the port the server listens on */
  int port() {
    return port;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    WatchedProcess.release(process);
  }
}
