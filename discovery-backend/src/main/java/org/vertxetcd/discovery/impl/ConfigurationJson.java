package org.vertxetcd.discovery.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Prepares a configuration object for a data object's generated converter, which silently skips values of the wrong
 * type: every known key is checked against its type (failing with a message that names the key), the documented
 * shorthands are expanded (a comma-separated string for a list of strings, a number or boolean given as a string),
 * and unknown keys are reported once as a warning (usually a typo).
 */
public final class ConfigurationJson {

  /** The JSON types of configuration values. */
  public enum Type {
    /** A string. */
    STRING("a string"),
    /** An integer, as a number without fraction or a string holding one. */
    INTEGER("an integer"),
    /** A long integer, as a number without fraction or a string holding one. */
    LONG("an integer"),
    /** {@code true} or {@code false}, as a boolean or a string. */
    BOOLEAN("true or false"),
    /** An array of strings, or one comma-separated string. */
    STRINGS("an array of strings"),
    /** An object. */
    OBJECT("an object"),
    /** An array of objects. */
    OBJECTS("an array of objects");

    private final String description;

    Type(String description) {
      this.description = description;
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(ConfigurationJson.class);

  private ConfigurationJson() {
  }

  /**
   * @param json      the configuration, may be {@code null}
   * @param schema    the type of every key the data object reads
   * @param tolerated keys that are not the data object's but are expected here (e.g. {@code backend-name})
   * @param where     where the object sits, for messages: {@code ""} at the top, e.g. {@code "'imports' entry "}
   * @return a copy with every value of its key's type, without {@code null} values
   * @throws IllegalArgumentException when a value has the wrong type; the message names the key
   */
  public static JsonObject normalize(JsonObject json, Map<String, Type> schema, List<String> tolerated,
                                     String where) {
    JsonObject normalized = new JsonObject();
    if (json == null) {
      return normalized;
    }
    List<String> unknown = json.fieldNames().stream()
      .filter(key -> !schema.containsKey(key) && !tolerated.contains(key)).sorted().collect(Collectors.toList());
    if (!unknown.isEmpty()) {
      LOG.warn("Ignoring unknown etcd discovery configuration keys {}{} (known keys: {})", where, unknown,
        schema.keySet().stream().sorted().collect(Collectors.toList()));
    }
    for (Map.Entry<String, Object> entry : json) {
      Type type = schema.get(entry.getKey());
      if (type != null && entry.getValue() != null) {
        normalized.put(entry.getKey(), value(entry.getKey(), type, entry.getValue(), where));
      }
    }
    return normalized;
  }

  private static Object value(String key, Type type, Object raw, String where) {
    switch (type) {
      case STRING:
        return require(raw instanceof String, key, type, raw, where);
      case INTEGER:
        long value = integer(key, type, raw, where);
        return value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? (int) value
          : require(false, key, type, raw, where);
      case LONG:
        return integer(key, type, raw, where);
      case BOOLEAN:
        if (raw instanceof String && ("true".equalsIgnoreCase(((String) raw).trim())
          || "false".equalsIgnoreCase(((String) raw).trim()))) {
          return Boolean.parseBoolean(((String) raw).trim());
        }
        return require(raw instanceof Boolean, key, type, raw, where);
      case STRINGS:
        if (raw instanceof String) {
          return new JsonArray(Arrays.stream(((String) raw).split(",")).map(String::trim).filter(s -> !s.isEmpty())
            .collect(Collectors.toList()));
        }
        return require(raw instanceof JsonArray && ((JsonArray) raw).stream().allMatch(String.class::isInstance), key,
          type, raw, where);
      case OBJECT:
        return require(raw instanceof JsonObject, key, type, raw, where);
      default:
        return require(raw instanceof JsonArray && ((JsonArray) raw).stream().allMatch(JsonObject.class::isInstance),
          key, type, raw, where);
    }
  }

  private static long integer(String key, Type type, Object raw, String where) {
    if (raw instanceof Number && ((Number) raw).doubleValue() == ((Number) raw).longValue()) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof String) {
      try {
        return Long.parseLong(((String) raw).trim());
      } catch (NumberFormatException e) {
        throw wrongType(key, type, raw, where);
      }
    }
    throw wrongType(key, type, raw, where);
  }

  private static Object require(boolean valid, String key, Type type, Object raw, String where) {
    if (!valid) {
      throw wrongType(key, type, raw, where);
    }
    return raw;
  }

  private static IllegalArgumentException wrongType(String key, Type type, Object actual, String where) {
    return new IllegalArgumentException("Invalid etcd discovery configuration: " + where + "'" + key + "' must be "
      + type.description + ", was " + (actual instanceof String ? "\"" + actual + "\""
      : actual.getClass().getSimpleName()));
  }

  /**
   * @param json a configuration's JSON form
   * @return a copy for logs and screens: passwords, private keys and key stores replaced by {@code ********}
   */
  public static JsonObject withoutSecrets(JsonObject json) {
    JsonObject shown = new JsonObject();
    json.forEach(entry -> shown.put(entry.getKey(), secret(entry.getKey()) && entry.getValue() != null ? "********"
      : withoutSecrets(entry.getValue())));
    return shown;
  }

  private static Object withoutSecrets(Object value) {
    if (value instanceof JsonObject) {
      return withoutSecrets((JsonObject) value);
    }
    if (value instanceof JsonArray) {
      return new JsonArray(((JsonArray) value).stream().map(ConfigurationJson::withoutSecrets)
        .collect(Collectors.toList()));
    }
    return value;
  }

  /** Passwords, in-memory private keys (PEM key values) and in-memory key stores. */
  private static boolean secret(String key) {
    return key.toLowerCase(java.util.Locale.ROOT).contains("password") || key.equals("keyValue")
      || key.equals("keyValues") || key.equals("value");
  }
}
