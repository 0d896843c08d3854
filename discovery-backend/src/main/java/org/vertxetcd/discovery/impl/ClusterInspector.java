package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.vertx.core.Future;
import org.vertxetcd.discovery.ClusterStatus;

import java.net.URI;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * What an operator asks of the cluster: its members and their status, its alarms, the time left on a lease (jetcd's
 * cluster, maintenance and lease APIs), each call with the request timeout.
 */
public final class ClusterInspector {

  private final EtcdConnection connection;
  private final LongSupplier viewRevision;

  /**
   * @param connection   the registry's connection
   * @param viewRevision the revision of the registry's view
   */
  public ClusterInspector(EtcdConnection connection, LongSupplier viewRevision) {
    this.connection = connection;
    this.viewRevision = viewRevision;
  }

  /** @return the members, each with its status (or why it did not answer), and the alarms */
  public Future<ClusterStatus> status() {
    return connection.call("list the etcd members", () -> connection.cluster().listMember())
      .compose(list -> Future.all(list.getMembers().stream().map(this::member).collect(Collectors.toList()))
        .compose(all -> connection.call("list the etcd alarms", () -> connection.maintenance().listAlarms())
          .map(alarms -> new ClusterStatus(all.<ClusterStatus.Member>list(), viewRevision.getAsLong(),
            alarms.getAlarms().stream().map(alarm -> Long.toHexString(alarm.getMemberId()) + ": "
              + alarm.getAlarmType()).collect(Collectors.toList())))));
  }

  private Future<ClusterStatus.Member> member(Member member) {
    List<String> urls = member.getClientURIs().stream().map(URI::toString).collect(Collectors.toList());
    String id = Long.toHexString(member.getId());
    if (urls.isEmpty()) {
      return Future.succeededFuture(new ClusterStatus.Member(id, member.getName(), urls, false, null, 0, 0, 0,
        "it has not started"));
    }
    return connection.call("ask etcd member " + member.getName() + " for its status",
        () -> connection.maintenance().statusMember(urls.get(0)))
      .map(status -> answered(id, member, urls, status))
      .otherwise(error -> new ClusterStatus.Member(id, member.getName(), urls, false, null, 0, 0, 0,
        EtcdErrors.describe(error)));
  }

  private static ClusterStatus.Member answered(String id, Member member, List<String> urls, StatusResponse status) {
    return new ClusterStatus.Member(id, member.getName(), urls, status.getLeader() == member.getId(),
      status.getVersion(), status.getDbSize(), status.getDbSizeInUse(), status.getRaftTerm(),
      status.getErrorList().isEmpty() ? null : String.join("; ", status.getErrorList()));
  }

  /**
   * @param lease a lease id
   * @return the seconds it has left, -1 when etcd no longer knows it (expired, revoked)
   */
  public Future<Long> timeToLive(long lease) {
    return connection.call("ask etcd for the time left on lease " + Long.toHexString(lease),
        () -> connection.lease().timeToLive(lease, LeaseOption.DEFAULT))
      .map(response -> response.getTTL() <= 0 ? -1L : response.getTTL());
  }
}
