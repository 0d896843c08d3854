package org.vertxetcd.demo;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdRegistry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The time left on the lease of each instance's node, as etcd says: the records are grouped by the lease their key
 * is bound to ({@link EtcdRegistry#leaseOf}), and each lease is asked about once ({@link EtcdRegistry#leaseTimeToLive}),
 * however many records share it: a node's records all share its lease.
 */
final class LeaseClock {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseClock.class);

  private final EtcdRegistry registry;
  private long queries;
  private boolean failing;

  /**
   * @param registry the registry whose view knows the leases
   */
  LeaseClock(EtcdRegistry registry) {
    this.registry = registry;
  }

  /**
   * @param registrations the instances
   * @return {@code {"<registration>": {"lease": "694d8c3ab1c2d00f", "secondsLeft": 4}}}: {@code secondsLeft} -1 when
   *     etcd no longer knows the lease; {@code error} instead when etcd could not say; instances without a lease (an
   *     imported key written without one) are left out. Never fails.
   */
  Future<JsonObject> timesLeft(Collection<String> registrations) {
    Map<Long, List<String>> byLease = new LinkedHashMap<>();
    registrations.forEach(registration -> {
      long lease = registry.leaseOf(registration);
      if (lease != 0) {
        byLease.computeIfAbsent(lease, id -> new ArrayList<>()).add(registration);
      }
    });
    List<Future<JsonObject>> answers = new ArrayList<>(byLease.size());
    byLease.keySet().forEach(lease -> answers.add(timeLeft(lease)));
    return Future.join(answers).transform(done -> {
      JsonObject times = new JsonObject();
      int i = 0;
      for (List<String> sharing : byLease.values()) {
        JsonObject answer = answers.get(i++).result();
        sharing.forEach(registration -> times.put(registration, answer));
      }
      return Future.succeededFuture(times);
    });
  }

  private Future<JsonObject> timeLeft(long lease) {
    queries++;
    JsonObject answer = new JsonObject().put("lease", Long.toHexString(lease));
    return registry.leaseTimeToLive(lease)
      .map(seconds -> {
        failing = false;
        return answer.put("secondsLeft", seconds);
      })
      .otherwise(error -> {
        // Shown next to each instance of that lease; logged once per run of failures, not every few seconds.
        if (!failing) {
          LOG.warn("Cannot read the time left on lease {}: {}", Long.toHexString(lease), error.getMessage());
        }
        failing = true;
        return answer.put("error", String.valueOf(error.getMessage()));
      });
  }

  /** @return how many leases etcd was asked about so far */
  long queries() {
    return queries;
  }
}
