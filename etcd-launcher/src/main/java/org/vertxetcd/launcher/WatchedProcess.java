package org.vertxetcd.launcher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a server process (etcd, a reference server of the benchmark) that cannot outlive the JVM starting it: it
 * runs under a small shell watchdog that kills it when the JVM's end of its standard input closes, which happens
 * however the JVM ends, even by SIGKILL. It also runs in a session of its own, so a Ctrl-C meant for the JVM does not
 * reach it before the JVM's shutdown hooks have used it. The returned process has the server's own pid.
 */
public final class WatchedProcess {

  private static final Logger LOG = LoggerFactory.getLogger(WatchedProcess.class);
  private static final String WATCHDOG = "exec 3<&0; ( cat <&3 >/dev/null 2>&1; kill -9 $$ 2>/dev/null ) & "
    + "exec 3<&-; exec \"$@\"";

  private WatchedProcess() {
  }

  /**
   * @param command the server's command line
   * @param log     the file its standard output and error are appended to
   * @return the running server
   * @throws IOException when it cannot be started
   */
  public static Process start(List<String> command, Path log) throws IOException {
    List<String> watched = new ArrayList<>(List.of("setsid", "sh", "-c", WATCHDOG, "watchdog"));
    watched.addAll(command);
    return new ProcessBuilder(watched)
      .redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
      .start();
  }

  /**
   * Closes the watchdog's pipe once the server has ended (or to end it).
   *
   * @param process a process started by {@link #start}
   * @throws IOException when the pipe cannot be closed
   */
  public static void release(Process process) throws IOException {
    process.getOutputStream().close();
  }

  /** Like {@link #release}, for a process that has ended: a pipe already closed is no error. */
  static void releaseEnded(Process process) {
    try {
      release(process);
    } catch (IOException e) {
      LOG.debug("The watchdog pipe was already closed", e);
    }
  }

  /**
   * @param log a process's log file
   * @return its last lines, for error messages
   */
  static String logTail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
