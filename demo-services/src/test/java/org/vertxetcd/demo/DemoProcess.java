package org.vertxetcd.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * A demo command ({@code greeter}, {@code demo}, ...) running in a JVM of its own, as a user starts it; what it
 * prints is kept for assertions, and closing this object always ends it.
 */
final class DemoProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private DemoProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    // Standard output and error are read apart: merged into one pipe, a log line written by another thread could
    // land in the middle of a line the test waits for.
    follow(process.getInputStream(), "output");
    follow(process.getErrorStream(), "errors");
  }

  private void follow(InputStream stream, String kind) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
          System.out.println("[" + name + "] " + line);
        }
      } catch (IOException e) {
        System.err.println("[" + name + "] " + kind + " closed: " + e.getMessage());
      }
    }, kind + "-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * @param name a name for messages
   * @param args the command and its options
   * @return the running process
   */
  static DemoProcess start(String name, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
      .toString(), "-XX:+UseSerialGC", "-Xmx192m", "-XX:TieredStopAtLevel=1", "-cp",
      System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put(DemoLauncher.EXIT_WITH_PARENT, "true");
    return new DemoProcess(name, builder.start());
  }

  /**
   * @param pattern a pattern with one group
   * @param timeout how long to wait for a matching line
   * @return the group of the first line that matches
   */
  String awaitLine(Pattern pattern, Duration timeout) {
    return await().alias(name + " printing " + pattern).atMost(timeout).pollInterval(Duration.ofMillis(20))
      .until(() -> lines.stream().map(pattern::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst()
        .orElse(null), found -> found != null);
  }

  /** @return everything printed so far */
  List<String> lines() {
    return List.copyOf(lines);
  }

  /** @return the process */
  Process process() {
    return process;
  }

  /** Crashes it with SIGKILL. */
  void kill() throws Exception {
    new ProcessBuilder("kill", "-KILL", Long.toString(process.pid())).start().waitFor();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
