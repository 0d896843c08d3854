package org.vertxetcd.discovery;

import io.vertx.core.json.JsonObject;

/**
 * What this node's clients saw of one instance through an {@link EtcdAddressResolver} and its
 * {@link EtcdAddressResolver#loadBalancer load balancer}: requests, failures, recent latency, ejection.
 */
public final class InstanceStatistics {

  private final String name;
  private final String registration;
  private final long requests;
  private final long failures;
  private final double latencyP50Millis;
  private final double latencyP99Millis;
  private final boolean ejected;

  /**
   * @param name             the service
   * @param registration     the instance's registration id
   * @param requests         requests answered (a response ended) since the resolver started
   * @param failures         requests that failed (connection refused, reset, timeout)
   * @param latencyP50Millis the median time from a request's start to its response's end, over the recent requests
   * @param latencyP99Millis the 99th percentile of it
   * @param ejected          whether the instance is ejected from this node's selections now
   */
  public InstanceStatistics(String name, String registration, long requests, long failures, double latencyP50Millis,
                            double latencyP99Millis, boolean ejected) {
    this.name = name;
    this.registration = registration;
    this.requests = requests;
    this.failures = failures;
    this.latencyP50Millis = latencyP50Millis;
    this.latencyP99Millis = latencyP99Millis;
    this.ejected = ejected;
  }

  /** @return the service */
  public String name() {
    return name;
  }

  /** @return the instance's registration id */
  public String registration() {
    return registration;
  }

  /** @return the requests it answered since the resolver started */
  public long requests() {
    return requests;
  }

  /** @return the requests to it that failed (connection refused, reset, timeout) */
  public long failures() {
    return failures;
  }

  /** @return the median latency of its recent requests, in milliseconds (0 without any) */
  public double latencyP50Millis() {
    return latencyP50Millis;
  }

  /** @return the 99th percentile latency of its recent requests, in milliseconds (0 without any) */
  public double latencyP99Millis() {
    return latencyP99Millis;
  }

  /** @return whether it is ejected from this node's selections now */
  public boolean ejected() {
    return ejected;
  }

  /** @return the JSON form */
  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("registration", registration).put("requests", requests)
      .put("failures", failures).put("latencyP50Millis", latencyP50Millis).put("latencyP99Millis", latencyP99Millis)
      .put("ejected", ejected);
  }
}
