package org.vertxetcd.demo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.EtcdBackendOptions;

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
  static final String DRAIN_TIMEOUT = "drain-timeout";
  static final String RETRY = "retry";
  static final String OUTLIER_CONSECUTIVE_FAILURES = "outlier-consecutive-failures";
  static final String OUTLIER_EJECTION_MILLIS = "outlier-ejection-millis";
  static final String MAX_EJECTED_PERCENT = "max-ejected-percent";
  static final String ZONE = "zone";
  static final String WEIGHT = "weight";
  static final String ADMIN_TOKEN = "admin-token";

  /** The demo's drain timeout, in milliseconds: a stopping greeter serves this long while OUT_OF_SERVICE. */
  static final int DEFAULT_DRAIN_TIMEOUT_MS = 2_000;

  private static final Set<String> OPTIONS = Set.of(ENDPOINTS, PREFIX, TTL, PORT, HOST, BIND, SERVICE, GREETERS,
    WORK_DIR, FORMAT, DRAIN_TIMEOUT, RETRY, OUTLIER_CONSECUTIVE_FAILURES, OUTLIER_EJECTION_MILLIS,
    MAX_EJECTED_PERCENT, ZONE, WEIGHT, ADMIN_TOKEN);

  /** Options no child process is given: the admin token is the gateway's alone, and a command line is public. */
  private static final Set<String> SECRETS = Set.of(ADMIN_TOKEN);

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

  /**
   * @param name     an option name
   * @param fallback the value when absent
   * @return the option's value as a boolean
   * @throws IllegalArgumentException when it is neither {@code true} nor {@code false}
   */
  public boolean getBoolean(String name, boolean fallback) {
    String value = values.get(name);
    if (value == null) {
      return fallback;
    }
    if (!value.equals("true") && !value.equals("false")) {
      throw new IllegalArgumentException("Option --" + name + " must be true or false, was '" + value + "'");
    }
    return Boolean.parseBoolean(value);
  }

  /** @return the directory for the demo's own etcd data and logs */
  public Path workDir() {
    return Paths.get(get(WORK_DIR, "demo-work"));
  }

  /**
   * @return the configuration of the etcd discovery backend: the demo's TTL (5 s) and drain timeout
   *     ({@value #DEFAULT_DRAIN_TIMEOUT_MS} ms), the library's outlier ejection defaults unless given
   */
  public JsonObject backendConfig() {
    JsonObject config = new JsonObject()
      .put("backend-name", "etcd")
      .put("endpoints", new JsonArray(endpoints()))
      .put("prefix", get(PREFIX, "/vertx/discovery"))
      .put("ttl", getInt(TTL, 5))
      .put(EtcdBackendOptions.DRAIN_TIMEOUT, getInt(DRAIN_TIMEOUT, DEFAULT_DRAIN_TIMEOUT_MS))
      .put(EtcdBackendOptions.OUTLIER_CONSECUTIVE_FAILURES, getInt(OUTLIER_CONSECUTIVE_FAILURES,
        EtcdBackendOptions.DEFAULT_OUTLIER_CONSECUTIVE_FAILURES))
      .put(EtcdBackendOptions.OUTLIER_EJECTION_MILLIS, getInt(OUTLIER_EJECTION_MILLIS,
        (int) EtcdBackendOptions.DEFAULT_OUTLIER_EJECTION_MILLIS))
      .put(EtcdBackendOptions.MAX_EJECTED_PERCENT, getInt(MAX_EJECTED_PERCENT,
        EtcdBackendOptions.DEFAULT_MAX_EJECTED_PERCENT));
    if (values.containsKey(ZONE)) {
      config.put(EtcdBackendOptions.ZONE, get(ZONE, null));
    }
    return config;
  }

  /** @return the configuration of a {@link GreeterVerticle}, the backend's included */
  public JsonObject greeterConfig() {
    JsonObject config = new JsonObject()
      .put("host", get(HOST, "127.0.0.1"))
      .put("bind", get(BIND, get(HOST, "127.0.0.1")))
      .put("port", getInt(PORT, 0))
      .put("discovery", backendConfig());
    if (values.containsKey(WEIGHT)) {
      config.put("weight", getInt(WEIGHT, 1));
    }
    return config;
  }

  /** @return the configuration of a {@link GatewayVerticle}, the backend's and the admin tokens included */
  public JsonObject gatewayConfig() {
    return new JsonObject()
      .put("port", getInt(PORT, 8080))
      .put("service", get(SERVICE, "greeter"))
      .put("retry", getBoolean(RETRY, true))
      .put("adminTokens", get(ADMIN_TOKEN, ""))
      .put("discovery", backendConfig());
  }

  /**
   * @return the options as command-line arguments, to pass them on to a child process; secrets (the admin token)
   *     left out
   */
  public List<String> toArgs() {
    return values.entrySet().stream().filter(entry -> !SECRETS.contains(entry.getKey()))
      .sorted(Map.Entry.comparingByKey())
      .flatMap(entry -> java.util.stream.Stream.of("--" + entry.getKey(), entry.getValue()))
      .collect(Collectors.toList());
  }
}
