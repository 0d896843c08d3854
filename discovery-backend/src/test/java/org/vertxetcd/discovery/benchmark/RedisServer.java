package org.vertxetcd.discovery.benchmark;

import org.vertxetcd.launcher.WatchedProcess;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real Redis (Debian's {@code redis-server}) on a free loopback port, without persistence, for the Redis backend
 * the benchmark compares with.
 */
final class RedisServer implements AutoCloseable {

  private final Process process;
  private final int port;

  private RedisServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static RedisServer start(Path workDir) throws IOException {
    if (!Files.isExecutable(Path.of("/usr/bin/redis-server"))) {
      throw new IllegalStateException("redis-server is missing: install Debian's redis-server package "
        + "(scripts/benchmark.sh and scripts/test.sh do)");
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process process = WatchedProcess.start(List.of("/usr/bin/redis-server", "--port", Integer.toString(port),
      "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workDir.toString()),
      workDir.resolve("redis.log"));
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return true;
      }
    });
    return new RedisServer(process, port);
  }

  /** @return the Redis connection string */
  String connectionString() {
    return "redis://127.0.0.1:" + port;
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
