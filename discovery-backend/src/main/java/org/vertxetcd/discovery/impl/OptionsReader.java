package org.vertxetcd.discovery.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads typed values out of a configuration object, failing with a message that names the key when a value has the
 * wrong type, and warning once about keys nobody reads (usually a typo).
 */
public final class OptionsReader {

  private static final Logger LOG = LoggerFactory.getLogger(OptionsReader.class);

  private final JsonObject json;

  /**
   * @param json      the configuration
   * @param knownKeys every key the caller understands; others are reported as probably misspelt
   */
  public OptionsReader(JsonObject json, Collection<String> knownKeys) {
    this.json = json;
    List<String> unknown = json.fieldNames().stream().filter(key -> !knownKeys.contains(key)).sorted()
      .collect(Collectors.toList());
    if (!unknown.isEmpty()) {
      LOG.warn("Ignoring unknown etcd discovery configuration keys {} (known keys: {})", unknown, knownKeys);
    }
  }

  /**
   * @param key the key
   * @return its string value, if present
   */
  public Optional<String> string(String key) {
    return value(key, String.class, "a string");
  }

  /**
   * @param key the key
   * @return its integer value, if present (a JSON number without fraction, or a string holding one)
   */
  public Optional<Integer> integer(String key) {
    return longValue(key).map(value -> {
      if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
        throw wrongType(key, "an integer", value);
      }
      return value.intValue();
    });
  }

  /**
   * @param key the key
   * @return its long value, if present (a JSON number without fraction, or a string holding one)
   */
  public Optional<Long> longValue(String key) {
    Object raw = json.getValue(key);
    if (raw == null) {
      return Optional.empty();
    }
    if (raw instanceof Number && ((Number) raw).doubleValue() == ((Number) raw).longValue()) {
      return Optional.of(((Number) raw).longValue());
    }
    if (raw instanceof String) {
      try {
        return Optional.of(Long.parseLong(((String) raw).trim()));
      } catch (NumberFormatException e) {
        throw wrongType(key, "an integer", raw);
      }
    }
    throw wrongType(key, "an integer", raw);
  }

  /**
   * @param key the key
   * @return its value as a list of strings, if present: a JSON array of strings or one comma-separated string
   */
  public Optional<List<String>> stringList(String key) {
    Object raw = json.getValue(key);
    if (raw == null) {
      return Optional.empty();
    }
    if (raw instanceof String) {
      return Optional.of(Arrays.stream(((String) raw).split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .collect(Collectors.toList()));
    }
    if (raw instanceof JsonArray) {
      List<String> values = new ArrayList<>();
      for (Object item : (JsonArray) raw) {
        if (!(item instanceof String)) {
          throw wrongType(key, "an array of strings", raw);
        }
        values.add((String) item);
      }
      return Optional.of(values);
    }
    throw wrongType(key, "an array of strings", raw);
  }

  /**
   * @param key the key
   * @return its value as a list of JSON objects, if present
   */
  public Optional<List<JsonObject>> objectList(String key) {
    return value(key, JsonArray.class, "an array of objects").map(array -> {
      List<JsonObject> objects = new ArrayList<>();
      for (Object item : array) {
        if (!(item instanceof JsonObject)) {
          throw wrongType(key, "an array of objects", array);
        }
        objects.add((JsonObject) item);
      }
      return objects;
    });
  }

  private <T> Optional<T> value(String key, Class<T> type, String expected) {
    Object raw = json.getValue(key);
    if (raw == null) {
      return Optional.empty();
    }
    if (!type.isInstance(raw)) {
      throw wrongType(key, expected, raw);
    }
    return Optional.of(type.cast(raw));
  }

  private static IllegalArgumentException wrongType(String key, String expected, Object actual) {
    return new IllegalArgumentException("Invalid etcd discovery configuration: '" + key + "' must be " + expected
      + ", was " + actual.getClass().getSimpleName());
  }
}
