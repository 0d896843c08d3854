package org.vertxetcd.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The etcdctl runner against stand-in executables that misbehave the way a stuck or chatty etcdctl does. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EtcdctlTest {

  @TempDir
  Path dir;

  @Test
  void aCommandFillingStandardErrorBeforeItsOutputCompletes() throws Exception {
    // Far more than a pipe holds (64 KiB): a runner reading standard output to its end first would wait forever.
    Etcdctl etcdctl = standIn("head -c 1000000 /dev/zero | tr '\\0' e >&2; echo done");

    assertEquals("done\n", etcdctl.run(List.of("http://127.0.0.1:1"), Duration.ofSeconds(20), "get", "/k"));
  }

  @Test
  void aCommandOutlivingItsTimeoutIsKilledAndFails() throws Exception {
    Path pidFile = dir.resolve("pid");
    Etcdctl etcdctl = standIn("echo $$ > " + pidFile + "; echo started >&2; exec sleep 60");

    long start = System.nanoTime();
    IllegalStateException error = assertThrows(IllegalStateException.class,
      () -> etcdctl.run(List.of("http://127.0.0.1:1"), Duration.ofMillis(500), "get", "/k"));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "failed after " + took);
    assertTrue(error.getMessage().contains("did not exit within 500 ms"), error.getMessage());
    assertTrue(error.getMessage().contains("started"), "the message holds what it printed: " + error.getMessage());
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertFalse(
      ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the timed-out etcdctl is killed"));
  }

  @Test
  void aFailingCommandReportsWhatItPrinted() throws Exception {
    Etcdctl etcdctl = standIn("echo 'Error: context deadline exceeded' >&2; exit 1");

    IllegalStateException error = assertThrows(IllegalStateException.class,
      () -> etcdctl.run(List.of("http://127.0.0.1:1"), Duration.ofSeconds(10), "put", "/k", "v"));

    assertTrue(error.getMessage().contains("etcdctl put /k v failed: Error: context deadline exceeded"),
      error.getMessage());
  }

  @Test
  void etcdctlsOwnTimeoutsAreShortenedToTheCallersAndItsArgumentsComeLast() throws Exception {
    Etcdctl etcdctl = standIn("echo \"$@\"");

    assertEquals("--endpoints=http://a:1,http://b:2 --command-timeout=1500ms --dial-timeout=1500ms --user=u get /k\n",
      etcdctl.run(List.of("http://a:1", "http://b:2"), Duration.ofMillis(1500), "get", "/k"));
  }

  /** A stand-in for etcdctl: a shell script with the given body, with its own file names for its output. */
  private Etcdctl standIn(String body) throws IOException {
    Path script = dir.resolve("etcdctl");
    Files.writeString(script, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return new Etcdctl(script.toString(), List.of("--user=u"), dir);
  }
}
