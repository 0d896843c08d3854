package org.vertxetcd.launcher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The peer links of a partitionable cluster: one {@link FaultProxy} in front of each member's peer port, advertised
 * as that member's peer URL, so every connection between two members passes through the proxy of the member it was
 * dialed to. Isolating a member cuts its own proxy (nobody reaches it) and, in every other proxy, the connections the
 * member opened (it reaches nobody: etcd also receives messages over the streams it dialed itself).
 */
final class PeerNetwork implements FaultProxy.ConnectionOrigins, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PeerNetwork.class);

  private final List<EtcdMember> members;
  private final List<FaultProxy> proxies = new ArrayList<>();
  private final Set<Integer> isolated = ConcurrentHashMap.newKeySet();

  /**
   * @param members the members, in index order, with their peer ports chosen
   * @throws IOException when a proxy cannot listen
   */
  PeerNetwork(List<EtcdMember> members) throws IOException {
    this.members = members;
    try {
      for (EtcdMember member : members) {
        proxies.add(new FaultProxy(member.listenPeerPort(), this));
      }
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  /**
   * @param index a member's index
   * @return the port the other members dial to reach it
   */
  int advertisedPort(int index) {
    return proxies.get(index).port();
  }

  /** @param index the member to cut off from the others, in both directions */
  void isolate(int index) {
    isolated.add(index);
    proxies.get(index).cutAndReset();
    proxies.forEach(FaultProxy::resetCutOffOrigins);
  }

  /** @param index the member to connect to the others again */
  void reconnect(int index) {
    isolated.remove(index);
    proxies.get(index).heal();
    proxies.forEach(FaultProxy::wake);
  }

  /**
   * @param index a member's index
   * @return whether it is cut off from the others
   */
  boolean isIsolated(int index) {
    return isolated.contains(index);
  }

  /** @return the index of the member whose process dialed this connection, or {@link FaultProxy#UNKNOWN_ORIGIN} */
  @Override
  public int originOf(Socket accepted) {
    try {
      OptionalLong inode = SocketOwners.dialerInode(accepted);
      if (inode.isPresent()) {
        for (EtcdMember member : members) {
          long pid = member.pid();
          if (pid > 0 && SocketOwners.holds(pid, inode.getAsLong())) {
            return member.index();
          }
        }
      }
    } catch (IOException e) {
      LOG.warn("Cannot tell which etcd member opened the peer connection from port {}: it is not cut with it",
        accepted.getPort(), e);
    }
    return FaultProxy.UNKNOWN_ORIGIN;
  }

  /** @return whether the member that dialed a connection is isolated */
  @Override
  public boolean isCutOff(int origin) {
    return isolated.contains(origin);
  }

  /** @return whether any of the proxies still listens */
  boolean isListening() {
    return proxies.stream().anyMatch(FaultProxy::isListening);
  }

  /** Stops every proxy and closes their connections. */
  @Override
  public void close() {
    proxies.forEach(FaultProxy::close);
  }
}
