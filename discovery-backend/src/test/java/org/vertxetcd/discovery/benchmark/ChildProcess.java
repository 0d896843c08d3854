package org.vertxetcd.discovery.benchmark;

import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.support.ChildJvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;

/**
 * A benchmark's helper JVM (this JVM's class path) that reports on standard output as JSON lines and takes JSON
 * commands on standard input; the other lines it prints are passed through, named. Closing always ends it (SIGKILL
 * when it has not exited); a child exits by itself when its standard input closes, so it never outlives the harness.
 */
final class ChildProcess implements AutoCloseable {

  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

  private final String name;
  private final Process process;
  private final OutputStream commands;
  private final List<JsonObject> lines = new CopyOnWriteArrayList<>();

  private ChildProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.commands = process.getOutputStream();
    Thread reader = new Thread(this::readOutput, "child-output-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * @param name       a name for messages
   * @param main       the class whose {@code main} runs
   * @param jvmOptions options for its JVM
   * @param args       the arguments of {@code main}
   * @return the running child
   * @throws IOException when it cannot be started
   */
  static ChildProcess start(String name, Class<?> main, List<String> jvmOptions, String... args) throws IOException {
    return new ChildProcess(name, ChildJvm.builder(main, jvmOptions, args).start());
  }

  /**
   * Runs a child to its end and returns the last JSON line it printed.
   *
   * @throws IOException when it cannot be started
   */
  static JsonObject runToEnd(String name, Class<?> main, List<String> jvmOptions, String... args) throws IOException {
    try (ChildProcess child = start(name, main, jvmOptions, args)) {
      child.awaitExit(Duration.ofMinutes(10));
      if (child.process.exitValue() != 0 || child.lines.isEmpty()) {
        throw new IllegalStateException(name + " failed (exit " + child.process.exitValue() + ")");
      }
      return child.lines.get(child.lines.size() - 1);
    }
  }

  /** Prints one JSON line for the harness: what a child main calls to report. */
  static synchronized void report(JsonObject line) {
    OUT.println(line.encode());
  }

  /** A child's work, run by {@link #runMain}. */
  interface Main {
    void run() throws Exception;
  }

  /**
   * Runs a child main's work; when it fails, prints why and ends the JVM at once with status 1 (Vert.x's threads
   * would keep a JVM whose main thread died alive, and its harness waiting).
   *
   * @param main the child's work
   */
  static void runMain(Main main) {
    try {
      main.run();
    } catch (Throwable e) {
      e.printStackTrace();
      Runtime.getRuntime().halt(1);
    }
  }

  /**
   * What a child main runs last: reads one JSON command per line of standard input and hands it over, until the
   * harness closes it (or dies); then the child exits.
   *
   * @param handler takes each command
   * @throws IOException when standard input cannot be read
   */
  static void serveCommands(Consumer<JsonObject> handler) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      handler.accept(new JsonObject(line));
    }
    Runtime.getRuntime().halt(0);
  }

  /**
   * @param kind    the {@code kind} of the line wanted
   * @param timeout how long to wait for it
   * @return the first line of that kind
   */
  JsonObject awaitLine(String kind, Duration timeout) {
    return awaitLine(kind, line -> kind.equals(line.getString("kind")), timeout);
  }

  /**
   * @param what    what is awaited, for the message
   * @param match   the line wanted
   * @param timeout how long to wait for it
   * @return the first matching line
   * @throws IllegalStateException when the child exited without printing it
   */
  JsonObject awaitLine(String what, Predicate<JsonObject> match, Duration timeout) {
    JsonObject line = await().alias(name + " waiting for " + what).atMost(timeout).pollInterval(Duration.ofMillis(5))
      .until(() -> lines.stream().filter(match).findFirst().orElse(null), found -> found != null || !isAlive());
    if (line == null) {
      throw new IllegalStateException(name + " exited (" + process.exitValue() + ") before " + what);
    }
    return line;
  }

  /**
   * @param kind the {@code kind} of the lines wanted
   * @return the lines of that kind printed so far
   */
  List<JsonObject> lines(String kind) {
    return lines.stream().filter(line -> kind.equals(line.getString("kind"))).toList();
  }

  /** @param command one command line for the child */
  void send(JsonObject command) {
    try {
      commands.write((command.encode() + "\n").getBytes(StandardCharsets.UTF_8));
      commands.flush();
    } catch (IOException e) {
      throw new IllegalStateException(name + " does not take commands (has it exited?)", e);
    }
  }

  /** @return the child's process id */
  long pid() {
    return process.pid();
  }

  /** @return whether it still runs */
  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Sends SIGTERM: the child's shutdown hooks run. Through the process handle: {@code Process.destroy} also closes
   * the child's standard input, which ends a child in {@link #serveCommands} at once, before its hooks are done.
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** Sends SIGKILL and waits for the end: a crash. */
  void kill() {
    process.destroyForcibly();
    awaitExit(Duration.ofSeconds(30));
  }

  /** @param timeout how long to wait for the child to exit */
  void awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + " did not exit within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted waiting for " + name, e);
    }
  }

  private void readOutput() {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
      StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("{")) {
          lines.add(new JsonObject(line));
        } else {
          System.out.println("[" + name + "] " + line);
        }
      }
    } catch (IOException e) {
      System.err.println("[" + name + "] output closed: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      awaitExit(Duration.ofSeconds(30));
    }
  }
}
