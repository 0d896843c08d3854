package org.vertxetcd.discovery;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The etcd cluster as this node's client sees it ({@link EtcdRegistry#clusterStatus()}): its members, which one
 * leads, each member's database size and raft term, and the cluster's alarms (e.g. {@code NOSPACE}).
 */
public final class ClusterStatus {

  /** One member of the cluster. */
  public static final class Member {
    private final String id;
    private final String name;
    private final List<String> clientUrls;
    private final boolean leader;
    private final String version;
    private final long dbSizeBytes;
    private final long dbSizeInUseBytes;
    private final long raftTerm;
    private final String error;

    /**
     * @param id               the member id, in hex
     * @param name             its name
     * @param clientUrls       its client URLs
     * @param leader           whether it leads the cluster
     * @param version          its etcd version, {@code null} when it did not answer
     * @param dbSizeBytes      its database size, 0 when it did not answer
     * @param dbSizeInUseBytes the part of it in use, 0 when it did not answer
     * @param raftTerm         its raft term, 0 when it did not answer
     * @param error            why it did not answer, {@code null} when it did
     */
    public Member(String id, String name, List<String> clientUrls, boolean leader, String version, long dbSizeBytes,
                  long dbSizeInUseBytes, long raftTerm, String error) {
      this.id = id;
      this.name = name;
      this.clientUrls = List.copyOf(clientUrls);
      this.leader = leader;
      this.version = version;
      this.dbSizeBytes = dbSizeBytes;
      this.dbSizeInUseBytes = dbSizeInUseBytes;
      this.raftTerm = raftTerm;
      this.error = error;
    }

    /** @return the member id, in hex */
    public String id() {
      return id;
    }

    /** @return its name */
    public String name() {
      return name;
    }

    /** @return its client URLs */
    public List<String> clientUrls() {
      return clientUrls;
    }

    /** @return whether it leads the cluster */
    public boolean leader() {
      return leader;
    }

    /** @return its etcd version, {@code null} when it did not answer */
    public String version() {
      return version;
    }

    /** @return its database size in bytes, 0 when it did not answer */
    public long dbSizeBytes() {
      return dbSizeBytes;
    }

    /** @return the bytes of its database in use, 0 when it did not answer */
    public long dbSizeInUseBytes() {
      return dbSizeInUseBytes;
    }

    /** @return its raft term, 0 when it did not answer */
    public long raftTerm() {
      return raftTerm;
    }

    /** @return why it did not answer, {@code null} when it did */
    public String error() {
      return error;
    }

    /** @return the JSON form */
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("name", name).put("clientUrls", new JsonArray(clientUrls))
        .put("leader", leader).put("version", version).put("dbSizeBytes", dbSizeBytes)
        .put("dbSizeInUseBytes", dbSizeInUseBytes).put("raftTerm", raftTerm).put("error", error);
    }
  }

  private final List<Member> members;
  private final long revision;
  private final List<String> alarms;

  /**
   * @param members  the members
   * @param revision the revision of the registry's view
   * @param alarms   the cluster's alarms, as {@code member-id: ALARM}
   */
  public ClusterStatus(List<Member> members, long revision, List<String> alarms) {
    this.members = List.copyOf(members);
    this.revision = revision;
    this.alarms = List.copyOf(alarms);
  }

  /** @return the members */
  public List<Member> members() {
    return members;
  }

  /** @return the member that leads, {@code null} when none answered as leader */
  public Member leader() {
    return members.stream().filter(Member::leader).findFirst().orElse(null);
  }

  /** @return the revision of the registry's view */
  public long revision() {
    return revision;
  }

  /** @return the cluster's alarms, e.g. {@code 8e9e05c52164694d: NOSPACE}; empty when none */
  public List<String> alarms() {
    return alarms;
  }

  /** @return the JSON form */
  public JsonObject toJson() {
    Member leader = leader();
    return new JsonObject()
      .put("members", new JsonArray(members.stream().map(Member::toJson).collect(Collectors.toList())))
      .put("leader", leader == null ? null : leader.name())
      .put("revision", revision)
      .put("alarms", new JsonArray(alarms));
  }
}
