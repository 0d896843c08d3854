package org.vertxetcd.discovery.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real Redis (Debian's {@code redis-server}) on a free loopback port, without persistence, for the Redis backend
 * the benchmark compares with.
 */
final class RedisServer extends ReferenceServer {

  private static final Path BINARY = Path.of("/usr/bin/redis-server");

  private RedisServer(int port, Path workDir) throws IOException {
    super(port, List.of(BINARY.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
      "--appendonly", "no", "--dir", workDir.toString()), workDir.resolve("redis.log"));
  }

  static RedisServer start(Path workDir) throws IOException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException("redis-server is missing: install Debian's redis-server package "
        + "(scripts/benchmark.sh and scripts/test.sh do)");
    }
    return new RedisServer(freePort(), workDir);
  }

  /** @return the Redis connection string */
  String connectionString() {
    return "redis://127.0.0.1:" + port();
  }
}
