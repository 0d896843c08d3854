package org.vertxetcd.launcher;


import java.util.stream.Collectors;

/**
 * A JVM that starts an etcd cluster, prints its members' process ids and waits: a test kills this JVM with SIGKILL
 * to check that its etcd processes do not outlive it.
 */
public final class ClusterHolder {

  private ClusterHolder() {
  }

  /**
   * @param args the number of members
   * @throws Exception when etcd cannot start
   */
  public static void main(String[] args) throws Exception {
    EtcdCluster cluster = EtcdCluster.builder().members(Integer.parseInt(args[0])).build().start();
    System.out.println("pids " + cluster.members().stream().map(member -> Long.toString(member.pid()))
      .collect(Collectors.joining(",")));
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
