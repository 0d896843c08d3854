package org.vertxetcd.discovery;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.impl.ConfigurationJson;
import org.vertxetcd.discovery.impl.ConfigurationJson.Type;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a readiness check drives the status of this node's records ({@link EtcdRegistry#bindReadiness}): checked every
 * {@code intervalMillis}; {@code failureThreshold} failures in a row turn the records {@code OUT_OF_SERVICE},
 * {@code successThreshold} successes in a row turn them {@code UP} again (the thresholds damp a flapping check, as
 * Kubernetes' readiness probes do).
 */
@DataObject
@JsonGen(publicConverter = false)
public class ReadinessOptions {

  /** Default time between two checks, in milliseconds: {@value}. */
  public static final long DEFAULT_INTERVAL_MILLIS = 5_000;
  /** Default failures in a row that take the records out of service: {@value}. */
  public static final int DEFAULT_FAILURE_THRESHOLD = 3;
  /** Default successes in a row that put them back: {@value}. */
  public static final int DEFAULT_SUCCESS_THRESHOLD = 1;

  private static final Map<String, Type> SCHEMA = Map.of("intervalMillis", Type.LONG, "failureThreshold",
    Type.INTEGER, "successThreshold", Type.INTEGER);

  private long intervalMillis = DEFAULT_INTERVAL_MILLIS;
  private int failureThreshold = DEFAULT_FAILURE_THRESHOLD;
  private int successThreshold = DEFAULT_SUCCESS_THRESHOLD;

  /** Creates options with every default. */
  public ReadinessOptions() {
  }

  /**
   * Copy constructor.
   *
   * @param other the options to copy
   */
  public ReadinessOptions(ReadinessOptions other) {
    intervalMillis = other.intervalMillis;
    failureThreshold = other.failureThreshold;
    successThreshold = other.successThreshold;
  }

  /**
   * @param json the JSON form: {@code intervalMillis}, {@code failureThreshold}, {@code successThreshold}
   * @throws IllegalArgumentException when a value has the wrong type; the message names the key
   */
  public ReadinessOptions(JsonObject json) {
    ReadinessOptionsConverter.fromJson(ConfigurationJson.normalize(json, SCHEMA, List.of(), "readiness "), this);
  }

  /** @return the JSON form */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    ReadinessOptionsConverter.toJson(this, json);
    return json;
  }

  /**
   * @return these options
   * @throws IllegalArgumentException naming the first invalid value
   */
  public ReadinessOptions validate() {
    if (intervalMillis < 1 || failureThreshold < 1 || successThreshold < 1) {
      throw new IllegalArgumentException("Invalid readiness options " + toJson().encode()
        + ": the interval and both thresholds must be at least 1");
    }
    return this;
  }

  /** @return the time between two checks, in milliseconds */
  public long getIntervalMillis() {
    return intervalMillis;
  }

  /**
   * @param intervalMillis the time between two checks, in milliseconds (default {@value #DEFAULT_INTERVAL_MILLIS})
   * @return a reference to this, so the API can be used fluently
   */
  public ReadinessOptions setIntervalMillis(long intervalMillis) {
    this.intervalMillis = intervalMillis;
    return this;
  }

  /** @return the failures in a row that take the records out of service */
  public int getFailureThreshold() {
    return failureThreshold;
  }

  /**
   * @param failureThreshold the failures in a row that take the records out of service (default
   *                         {@value #DEFAULT_FAILURE_THRESHOLD}); a check that fails or does not answer within the
   *                         interval counts as a failure
   * @return a reference to this, so the API can be used fluently
   */
  public ReadinessOptions setFailureThreshold(int failureThreshold) {
    this.failureThreshold = failureThreshold;
    return this;
  }

  /** @return the successes in a row that put the records back in service */
  public int getSuccessThreshold() {
    return successThreshold;
  }

  /**
   * @param successThreshold the successes in a row that put the records back in service (default
   *                         {@value #DEFAULT_SUCCESS_THRESHOLD})
   * @return a reference to this, so the API can be used fluently
   */
  public ReadinessOptions setSuccessThreshold(int successThreshold) {
    this.successThreshold = successThreshold;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReadinessOptions && intervalMillis == ((ReadinessOptions) o).intervalMillis
      && failureThreshold == ((ReadinessOptions) o).failureThreshold
      && successThreshold == ((ReadinessOptions) o).successThreshold;
  }

  @Override
  public int hashCode() {
    return Objects.hash(intervalMillis, failureThreshold, successThreshold);
  }

  @Override
  public String toString() {
    return "ReadinessOptions" + toJson().encode();
  }
}
