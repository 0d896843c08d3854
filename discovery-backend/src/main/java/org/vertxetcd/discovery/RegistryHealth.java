package org.vertxetcd.discovery;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The state of a node's registry, for health checks and dashboards: whether its view follows etcd and whether its
 * lease (so its records) is known to be alive. Changes are also published on the {@code stateAddress}.
 * <pre>
 * healthChecks.register("etcd-discovery", promise -&gt; {
 *   RegistryHealth health = registry.health();
 *   promise.complete(health.healthy() ? Status.OK(health.toJson()) : Status.KO(health.toJson()));
 * });
 * </pre>
 */
public final class RegistryHealth {

  /** Whether the node's view follows etcd. */
  public enum ViewState {
    /** The first list has not completed yet: lookups wait. */
    SYNCING,
    /** The watch follows etcd. */
    FRESH,
    /** The watch is broken (etcd unreachable, no leader): lookups answer from the last good view. */
    STALE
  }

  /** Whether the node's records are known to be registered. */
  public enum LeaseState {
    /** The node has registered nothing yet, so it holds no lease. */
    NONE,
    /** etcd confirmed the lease within its TTL. */
    ALIVE,
    /** etcd has not confirmed the lease for a whole TTL: the records may have expired. */
    UNCONFIRMED,
    /** etcd reported the lease gone; a new one is granted and the records are registered again. */
    LOST
  }

  /** What changed, as published on the {@code stateAddress}. */
  public enum Change {
    /** The view stopped following etcd. */
    VIEW_STALE,
    /** The view follows etcd again (or for the first time). */
    VIEW_FRESH,
    /** No keep-alive was confirmed for a whole TTL. */
    LEASE_UNCONFIRMED,
    /** etcd confirmed a lease that was unconfirmed: the records were kept. */
    LEASE_CONFIRMED,
    /** etcd reported the lease gone: the node's records were deleted. */
    LEASE_LOST,
    /** A new lease is granted and every record of the node is registered again. */
    LEASE_RESTORED
  }

  /** The state of one import (a range of keys where services that are not Vert.x register). */
  public static final class ImportHealth {
    private final String prefix;
    private final ViewState view;
    private final String lastError;

    /**
     * @param prefix    the import's prefix
     * @param view      whether its view follows etcd
     * @param lastError why it does not, {@code null} when it does
     */
    public ImportHealth(String prefix, ViewState view, String lastError) {
      this.prefix = prefix;
      this.view = view;
      this.lastError = view == ViewState.FRESH ? null : lastError;
    }

    /** @return the import's prefix */
    public String prefix() {
      return prefix;
    }

    /** @return whether its view follows etcd */
    public ViewState view() {
      return view;
    }

    /** @return why it does not follow etcd, {@code null} when it does */
    public String lastError() {
      return lastError;
    }

    /** @return {@code {"prefix":"/services/","view":"FRESH","lastError":null}} */
    public JsonObject toJson() {
      return new JsonObject().put("prefix", prefix).put("view", view.name()).put("lastError", lastError);
    }
  }

  private final ViewState view;
  private final LeaseState lease;
  private final long leaseId;
  private final long revision;
  private final int records;
  private final int ownRecords;
  private final List<ImportHealth> imports;
  private final Map<String, String> problems;
  private final String lastError;

  /**
   * @param view       whether the view follows etcd
   * @param lease      whether the lease is known to be alive
   * @param leaseId    the current lease, 0 for none
   * @param revision   the last etcd revision the view applied
   * @param records    the records in the registry's own view (imports not included)
   * @param ownRecords the records this node registered
   * @param imports    the state of each import
   * @param problems   errors that waiting cannot fix (permission denied, wrong credentials), by what failed
   * @param lastError  the last error met while talking to etcd; kept only while not {@link #healthy()}
   */
  public RegistryHealth(ViewState view, LeaseState lease, long leaseId, long revision, int records, int ownRecords,
                        List<ImportHealth> imports, Map<String, String> problems, String lastError) {
    this.view = view;
    this.lease = lease;
    this.leaseId = leaseId;
    this.revision = revision;
    this.records = records;
    this.ownRecords = ownRecords;
    this.imports = List.copyOf(imports);
    this.problems = Collections.unmodifiableMap(new TreeMap<>(problems));
    this.lastError = healthy() ? null : lastError;
  }

  /**
   * @return whether the view and every import follow etcd, the node's records are known to be registered, and
   *     nothing failed for good
   */
  public boolean healthy() {
    return view == ViewState.FRESH && (lease == LeaseState.NONE || lease == LeaseState.ALIVE)
      && imports.stream().allMatch(imported -> imported.view() == ViewState.FRESH) && problems.isEmpty();
  }

  /** @return whether the view follows etcd */
  public ViewState view() {
    return view;
  }

  /** @return whether the node's records are known to be registered */
  public LeaseState lease() {
    return lease;
  }

  /** @return the current lease id, 0 for none */
  public long leaseId() {
    return leaseId;
  }

  /** @return the last etcd revision the view applied */
  public long revision() {
    return revision;
  }

  /** @return the number of records in the registry's own view (imports not included) */
  public int records() {
    return records;
  }

  /** @return the number of records this node registered */
  public int ownRecords() {
    return ownRecords;
  }

  /** @return the state of each import */
  public List<ImportHealth> imports() {
    return imports;
  }

  /**
   * @return errors that waiting cannot fix (etcd refused the credentials, the roles or a request), by what failed,
   *     e.g. {@code "re-registration" -> "Cannot register ...: etcd denied permission ..."}
   */
  public Map<String, String> problems() {
    return problems;
  }

  /**
   * @return what is wrong, in plain words, e.g. "the view is stale: it answers from the last state etcd sent (...)";
   *     {@code null} when healthy
   */
  public String reason() {
    if (healthy()) {
      return null;
    }
    StringBuilder reason = new StringBuilder();
    switch (view) {
      case SYNCING -> reason.append("the registry has not synced with etcd yet");
      case STALE -> reason.append("the view is stale: lookups answer from the last state etcd sent");
      default -> { }
    }
    switch (lease) {
      case UNCONFIRMED -> append(reason, "etcd has not confirmed the lease for a TTL: this node's records may have "
        + "expired");
      case LOST -> append(reason, "the lease was lost: this node's records are being registered again");
      default -> { }
    }
    imports.stream().filter(imported -> imported.view() != ViewState.FRESH).forEach(imported -> append(reason,
      "the import of " + imported.prefix() + " does not follow etcd"));
    problems.forEach((source, problem) -> append(reason, source + " fails: " + problem));
    if (lastError != null && problems.isEmpty()) {
      reason.append(" (").append(lastError).append(')');
    }
    return reason.toString();
  }

  private static void append(StringBuilder reason, String part) {
    reason.append(reason.length() == 0 ? "" : "; ").append(part);
  }

  /** @return the last error met while talking to etcd, {@code null} when things are fine */
  public String lastError() {
    return lastError;
  }

  /** @return the JSON form, as published on the {@code stateAddress} under {@code health} */
  public JsonObject toJson() {
    return new JsonObject()
      .put("healthy", healthy())
      .put("view", view.name())
      .put("lease", lease.name())
      .put("leaseId", Long.toHexString(leaseId))
      .put("revision", revision)
      .put("records", records)
      .put("ownRecords", ownRecords)
      .put("imports", new JsonArray(imports.stream().map(ImportHealth::toJson).collect(Collectors.toList())))
      .put("problems", new JsonObject(new LinkedHashMap<>(problems)))
      .put("lastError", lastError);
  }

  @Override
  public String toString() {
    return "RegistryHealth" + toJson().encode();
  }
}
