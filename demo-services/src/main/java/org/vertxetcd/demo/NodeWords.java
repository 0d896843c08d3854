package org.vertxetcd.demo;

import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.RegistryHealth;

import java.util.Locale;

/**
 * This node's view of the registry and its lease, in plain words for the console: how current the view is (with the
 * registry's staleness meter when metrics are on) and whether the lease is known alive.
 */
final class NodeWords {

  private NodeWords() {
  }

  /**
   * @param health           the registry's state
   * @param stalenessSeconds seconds since etcd last confirmed the view current, {@code null} when not measured
   * @return {@code {"healthy": true, "view": "...", "lease": "...", "reason": null, "stalenessSeconds": 0.4}}
   */
  static JsonObject describe(RegistryHealth health, Double stalenessSeconds) {
    return new JsonObject()
      .put("healthy", health.healthy())
      .put("view", view(health, stalenessSeconds))
      .put("lease", lease(health))
      .put("reason", health.reason())
      .put("stalenessSeconds", stalenessSeconds);
  }

  private static String view(RegistryHealth health, Double stalenessSeconds) {
    String age = stalenessSeconds == null ? "" : String.format(Locale.ROOT, ", confirmed current %.1f s ago",
      stalenessSeconds);
    return switch (health.view()) {
      case SYNCING -> "not synced with etcd yet: lookups wait for the first list";
      case FRESH -> "in step with etcd at revision " + health.revision() + age;
      case STALE -> "stale: lookups answer from the last state etcd sent (revision " + health.revision() + ")" + age;
    };
  }

  private static String lease(RegistryHealth health) {
    String lease = "lease " + Long.toHexString(health.leaseId());
    return switch (health.lease()) {
      case NONE -> "no lease: this node registers nothing";
      case ALIVE -> lease + " is alive: etcd confirmed it within its TTL (" + health.ownRecords() + " records)";
      case UNCONFIRMED -> lease + " is unconfirmed: etcd has not confirmed it for a TTL, this node's records may have "
        + "expired";
      case LOST -> "the lease was lost: this node's records are being registered again";
    };
  }
}
