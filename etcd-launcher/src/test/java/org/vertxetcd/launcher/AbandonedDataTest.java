package org.vertxetcd.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM killed before it closed its cluster leaves the members' data behind (in memory, under {@code /dev/shm}): the
 * next cluster built deletes it, and only it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AbandonedDataTest {

  private final List<Path> created = new ArrayList<>();

  @Test
  void theNextClusterDeletesTheDataOfProcessesThatEndedWithoutClosingTheirs() throws Exception {
    try (EtcdCluster live = EtcdCluster.builder().build()) {
      Path liveRoot = live.member(0).dataDir().getParent();
      Path base = liveRoot.getParent();
      Path ofEndedProcess = root(base, endedProcessPid() + " 2026-01-01T00:00:00Z");
      ProcessHandle self = ProcessHandle.current();
      Path ofReusedPid = root(base, self.pid() + " 2000-01-01T00:00:00Z");
      Path unmarked = root(base, null);
      try (EtcdCluster next = EtcdCluster.builder().build()) {
        assertFalse(Files.exists(ofEndedProcess), "the data of a process that ended is deleted");
        assertFalse(Files.exists(ofReusedPid), "a pid now used by another process does not keep its data");
        assertTrue(Files.exists(liveRoot.resolve("owner")), "a cluster of a live process keeps its data");
        assertTrue(Files.exists(unmarked), "a directory no cluster marked is left alone");
      } finally {
        for (Path root : created) {
          delete(root);
        }
      }
    }
  }

  /** @return the pid of a process that has ended (and been reaped) */
  private static long endedProcessPid() throws Exception {
    Process process = new ProcessBuilder("true").start();
    assertTrue(process.waitFor(10, TimeUnit.SECONDS), "'true' ends");
    return process.pid();
  }

  /** A data root as a cluster creates it, with an owner file holding {@code owner} (none when null). */
  private Path root(Path base, String owner) throws IOException {
    Path root = Files.createTempDirectory(base, "etcd-");
    created.add(root);
    Files.createDirectories(root.resolve("member-0"));
    if (owner != null) {
      Files.writeString(root.resolve("owner"), owner);
    }
    return root;
  }

  private static void delete(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
