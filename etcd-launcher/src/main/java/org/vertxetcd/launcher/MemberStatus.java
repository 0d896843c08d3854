package org.vertxetcd.launcher;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one etcd member says of itself ({@code etcdctl endpoint status}): its id, the leader it follows and its Raft
 * term. Member ids are unsigned 64-bit numbers, kept as the decimal strings etcdctl prints.
 */
public final class MemberStatus {

  /** The leader id etcd reports while a member knows no leader. */
  public static final String NO_LEADER = "0";

  private static final Pattern FIELD = Pattern.compile("^\"(\\w+)\" : (.*)$", Pattern.MULTILINE);

  private final String memberId;
  private final String leaderId;
  private final long raftTerm;

  private MemberStatus(String memberId, String leaderId, long raftTerm) {
    this.memberId = memberId;
    this.leaderId = leaderId;
    this.raftTerm = raftTerm;
  }

  /**
   * @param fields what {@code etcdctl endpoint status -w fields} printed for one endpoint
   * @return the status it describes
   * @throws IllegalArgumentException when a field is missing
   */
  static MemberStatus parse(String fields) {
    Map<String, String> values = new HashMap<>();
    Matcher matcher = FIELD.matcher(fields);
    while (matcher.find()) {
      values.put(matcher.group(1), matcher.group(2).trim());
    }
    return new MemberStatus(required(values, "MemberID", fields), required(values, "Leader", fields),
      Long.parseLong(required(values, "RaftTerm", fields)));
  }

  private static String required(Map<String, String> values, String name, String fields) {
    String value = values.get(name);
    if (value == null) {
      throw new IllegalArgumentException("No " + name + " in etcdctl's endpoint status: " + fields);
    }
    return value;
  }

  /** @return the member's own id */
  public String memberId() {
    return memberId;
  }

  /** @return the id of the leader it follows, {@link #NO_LEADER} when it knows none */
  public String leaderId() {
    return leaderId;
  }

  /** @return whether it knows a leader (itself or another member) */
  public boolean hasLeader() {
    return !NO_LEADER.equals(leaderId);
  }

  /** @return whether it is the leader itself */
  public boolean isLeader() {
    return memberId.equals(leaderId);
  }

  /** @return its Raft term: a member cut off from the leader stays behind it, or counts up on its own elections */
  public long raftTerm() {
    return raftTerm;
  }

  @Override
  public String toString() {
    return "member " + memberId + " (leader " + leaderId + ", term " + raftTerm + ")";
  }
}
