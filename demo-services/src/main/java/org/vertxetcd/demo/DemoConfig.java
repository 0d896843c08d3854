package org.vertxetcd.demo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The demo's command-line options. Every option {@code --some-name value} can also be given as the environment
 * variable {@code SOME_NAME} (handy in containers); the command line wins.
 */
public final class DemoConfig {

  static final String ENDPOINTS = "endpoints";
  static final String PREFIX = "prefix";
  static final String TTL = "ttl";
  static final String PORT = "port";
  static final String HOST = "host";
  static final String BIND = "bind";
  static final String SERVICE = "service";
  static final String GREETERS = "greeters";
  static final String WORK_DIR = "work-dir";
  static final String FORMAT = "format";

  private static final Set<String> OPTIONS = Set.of(ENDPOINTS, PREFIX, TTL, PORT, HOST, BIND, SERVICE, GREETERS,
    WORK_DIR, FORMAT);

  private final Map<String, String> values;

  private DemoConfig(Map<String, String> values) {
    this.values = values;
  }

  /**
   * @param args        {@code --name value} pairs
   * @param environment the environment, for options not on the command line
   * @return the options
   * @throws IllegalArgumentException naming an unknown option or one without value
   */
  public static DemoConfig parse(List<String> args, Map<String, String> environment) {
    Map<String, String> values = new HashMap<>();
    OPTIONS.forEach(option -> {
      String fromEnvironment = environment.get(option.toUpperCase().replace('-', '_'));
      if (fromEnvironment != null && !fromEnvironment.isBlank()) {
        values.put(option, fromEnvironment.trim());
      }
    });
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String option = arg.startsWith("--") ? arg.substring(2) : null;
      if (option == null || !OPTIONS.contains(option)) {
        throw new IllegalArgumentException("Unknown option '" + arg + "'; options: " + OPTIONS.stream().sorted()
          .map(name -> "--" + name).collect(Collectors.joining(" ")));
      }
      if (i + 1 >= args.size()) {
        throw new IllegalArgumentException("Option " + arg + " needs a value");
      }
      values.put(option, args.get(++i));
    }
    return new DemoConfig(values);
  }

  /** @return whether etcd endpoints were given; without them the demo starts its own etcd */
  public boolean hasEndpoints() {
    return values.containsKey(ENDPOINTS);
  }

  /** @return the etcd endpoints, {@code http://127.0.0.1:2379} by default */
  public List<String> endpoints() {
    return Arrays.stream(values.getOrDefault(ENDPOINTS, "http://127.0.0.1:2379").split(","))
      .map(String::trim).filter(endpoint -> !endpoint.isEmpty()).collect(Collectors.toList());
  }

  /**
   * @param endpoints the etcd endpoints to use
   * @return a copy of these options with those endpoints
   */
  public DemoConfig withEndpoints(List<String> endpoints) {
    Map<String, String> copy = new HashMap<>(values);
    copy.put(ENDPOINTS, String.join(",", endpoints));
    return new DemoConfig(copy);
  }

  /**
   * @param name    an option name
   * @param fallback the value when absent
   * @return the option's value
   */
  public String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  /**
   * @param name     an option name
   * @param fallback the value when absent
   * @return the option's value as an integer
   * @throws IllegalArgumentException when it is not one
   */
  public int getInt(String name, int fallback) {
    String value = values.get(name);
    try {
      return value == null ? fallback : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Option --" + name + " must be a number, was '" + value + "'");
    }
  }

  /** @return the directory for the demo's own etcd data and logs */
  public Path workDir() {
    return Paths.get(get(WORK_DIR, "demo-work"));
  }

  /** @return the configuration of the etcd discovery backend */
  public JsonObject backendConfig() {
    return new JsonObject()
      .put("backend-name", "etcd")
      .put("endpoints", new JsonArray(endpoints()))
      .put("prefix", get(PREFIX, "/vertx/discovery"))
      .put("ttl", getInt(TTL, 5));
  }

  /** @return the options as command-line arguments, to pass them on to a child process */
  public List<String> toArgs() {
    return values.entrySet().stream().sorted(Map.Entry.comparingByKey())
      .flatMap(entry -> java.util.stream.Stream.of("--" + entry.getKey(), entry.getValue()))
      .collect(Collectors.toList());
  }
}
