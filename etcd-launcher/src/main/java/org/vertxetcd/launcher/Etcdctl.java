package org.vertxetcd.launcher;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code etcdctl} with a deadline that holds: its standard output and error go to files, so it never stalls on a
 * full pipe nobody reads, and when it has not exited within the timeout it is killed and the call fails.
 */
final class Etcdctl {

  /** How long a command may take unless the caller says otherwise. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /** etcdctl's own per-request timeouts, shortened to the caller's timeout when that is shorter. */
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration DIAL_TIMEOUT = Duration.ofSeconds(2);
  private static final File NO_INPUT = new File("/dev/null");

  private final String binary;
  private final List<String> globalArguments;
  private final Path outputDir;

  /**
   * @param binary          the {@code etcdctl} executable
   * @param globalArguments flags for every command (TLS files, user)
   * @param outputDir       where the output files are written while a command runs
   */
  Etcdctl(String binary, List<String> globalArguments, Path outputDir) {
    this.binary = binary;
    this.globalArguments = List.copyOf(globalArguments);
    this.outputDir = outputDir;
  }

  /**
   * @param endpoints the client URLs to talk to
   * @param timeout   how long the command may run before it is killed
   * @param arguments the command and its arguments (later flags override the defaults)
   * @return what it printed on standard output
   * @throws IllegalStateException when it exits with an error or outlives the timeout; the message holds its output
   */
  String run(List<String> endpoints, Duration timeout, String... arguments) {
    List<String> command = new ArrayList<>(List.of(binary, "--endpoints=" + String.join(",", endpoints),
      "--command-timeout=" + goDuration(min(COMMAND_TIMEOUT, timeout)),
      "--dial-timeout=" + goDuration(min(DIAL_TIMEOUT, timeout))));
    command.addAll(globalArguments);
    command.addAll(List.of(arguments));
    String description = "etcdctl " + String.join(" ", arguments);
    try {
      Path out = Files.createTempFile(outputDir, "etcdctl-", ".out");
      Path err = Files.createTempFile(outputDir, "etcdctl-", ".err");
      try {
        return run(command, timeout, description, out, err);
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot run " + binary, e);
    }
  }

  private static String run(List<String> command, Duration timeout, String description, Path out, Path err)
    throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command)
      .redirectInput(ProcessBuilder.Redirect.from(NO_INPUT))
      .redirectOutput(out.toFile())
      .redirectError(err.toFile());
    builder.environment().put("ETCDCTL_API", "3");
    Process process = builder.start();
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        killAndWait(process);
        throw new IllegalStateException(description + " did not exit within " + timeout.toMillis()
          + " ms and was killed; it printed: " + printed(out, err));
      }
    } catch (InterruptedException e) {
      killAndWait(process);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while running " + description, e);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(description + " failed: " + printed(out, err));
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  /** Waits for the kill to land, so the files are complete and no etcdctl outlives the call. */
  private static void killAndWait(Process process) {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String printed(Path out, Path err) throws IOException {
    return (Files.readString(err, StandardCharsets.UTF_8).trim() + " " + Files.readString(out, StandardCharsets.UTF_8)
      .trim()).trim();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static String goDuration(Duration duration) {
    return Math.max(1, duration.toMillis()) + "ms";
  }
}
