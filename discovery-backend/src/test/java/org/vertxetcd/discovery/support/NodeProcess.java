package org.vertxetcd.discovery.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * A {@link DiscoveryNode} running in a JVM of its own, for tests that need separate processes: crash it with
 * SIGKILL, freeze it with SIGSTOP, or close it gracefully. Everything it prints is kept for assertions; closing this
 * object always ends the process.
 */
public final class NodeProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final OutputStream commands;
  /** Guarded by itself: what the node printed, by kind; a line is appended, never copied with the others. */
  private final Map<String, List<JsonObject>> linesByKind = new HashMap<>();
  /** The results of commands, by command id: a caller waits for its own without scanning everything printed. */
  private final Map<Integer, JsonObject> results = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger();

  private NodeProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.commands = process.getOutputStream();
    Thread reader = new Thread(this::readOutput, "node-output-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a node and waits until its registry has synced.
   *
   * @param name   a name for messages
   * @param config the backend configuration
   * @return the running node
   * @throws IOException when the JVM cannot be started
   */
  public static NodeProcess start(String name, JsonObject config) throws IOException {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1",
      "-cp", System.getProperty("java.class.path"), DiscoveryNode.class.getName(), config.encode())
      .redirectError(ProcessBuilder.Redirect.INHERIT)
      .start();
    NodeProcess node = new NodeProcess(name, process);
    try {
      node.awaitLine("ready", () -> node.lines("ready").stream().findFirst().orElse(null), Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
    return node;
  }

  /**
   * Sends a command and waits for its result.
   *
   * @param command the command, e.g. {@code {"cmd":"publish","name":"a","count":3}}
   * @return its result
   */
  public Object call(JsonObject command) {
    int id = nextId.incrementAndGet();
    send(command.copy().put("id", id));
    JsonObject reply = awaitLine(command.getString("cmd"), () -> results.remove(id), Duration.ofMinutes(5));
    if (!"done".equals(reply.getString("kind"))) {
      throw new IllegalStateException(name + " failed " + command.encode() + ": " + reply.getString("error"));
    }
    return reply.getValue("result");
  }

  /**
   * @param service the service name
   * @param count   how many records
   * @return their registration ids
   */
  public List<String> publish(String service, int count) {
    JsonArray registrations = (JsonArray) call(new JsonObject().put("cmd", "publish").put("name", service)
      .put("count", count));
    return registrations.stream().map(String.class::cast).collect(Collectors.toList());
  }

  /**
   * @param service     the service name
   * @param records     how many records to take through JOIN, UPDATE, UPDATE, LEAVE
   * @param concurrency how many at a time
   * @return their registration ids
   */
  public List<String> churn(String service, int records, int concurrency) {
    JsonArray registrations = (JsonArray) call(new JsonObject().put("cmd", "churn").put("name", service)
      .put("records", records).put("concurrency", concurrency));
    return registrations.stream().map(String.class::cast).collect(Collectors.toList());
  }

  /**
   * @param kind the {@code kind} of the lines wanted
   * @return the lines of that kind the node printed so far
   */
  public List<JsonObject> lines(String kind) {
    synchronized (linesByKind) {
      return List.copyOf(linesByKind.getOrDefault(kind, List.of()));
    }
  }

  /** @return the change events this node received so far */
  public List<JsonObject> events() {
    return lines("event").stream().map(line -> line.getJsonObject("event")).collect(Collectors.toList());
  }

  /** @return the process id */
  public long pid() {
    return process.pid();
  }

  /** Closes Vert.x gracefully (revoking the lease) and waits for the process to exit. */
  public void closeGracefully() {
    requestClose();
    awaitExit();
  }

  /** Asks the node to close Vert.x gracefully and exit, without waiting. */
  public void requestClose() {
    send(new JsonObject().put("cmd", "close"));
  }

  /** Crashes the node with SIGKILL: its lease is left to expire. */
  public void kill() {
    signal("KILL");
    awaitExit();
  }

  /** Freezes the node with SIGSTOP. */
  public void pause() {
    signal("STOP");
  }

  /** Resumes a frozen node with SIGCONT. */
  public void resume() {
    signal("CONT");
  }

  /** @return whether the process is still alive */
  public boolean isAlive() {
    return process.isAlive();
  }

  private JsonObject awaitLine(String what, Callable<JsonObject> line, Duration timeout) {
    JsonObject found = await().alias(name + " waiting for " + what).atMost(timeout)
      .pollInterval(Duration.ofMillis(20)).until(line, printed -> printed != null || !isAlive());
    if (found == null) {
      throw new IllegalStateException(name + " exited while waiting for " + what);
    }
    return found;
  }

  private void send(JsonObject command) {
    try {
      commands.write((command.encode() + "\n").getBytes(StandardCharsets.UTF_8));
      commands.flush();
    } catch (IOException e) {
      throw new IllegalStateException(name + " does not accept commands (has it exited?)", e);
    }
  }

  private void signal(String signal) {
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot signal " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits up to 30 s for the process to exit. */
  public void awaitExit() {
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " did not exit within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void readOutput() {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
      StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("{")) {
          keep(new JsonObject(line));
        } else {
          System.out.println("[" + name + "] " + line);
        }
      }
    } catch (IOException e) {
      System.err.println("[" + name + "] output closed: " + e.getMessage());
    }
  }

  private void keep(JsonObject line) {
    Integer id = line.getInteger("id");
    if (id != null) {
      results.put(id, line);
      return;
    }
    synchronized (linesByKind) {
      linesByKind.computeIfAbsent(line.getString("kind"), kind -> new ArrayList<>()).add(line);
    }
  }

  /** Ends the process whatever its state. */
  @Override
  public void close() {
    if (process.isAlive()) {
      signal("CONT");
      process.destroyForcibly();
      awaitExit();
    }
  }
}
