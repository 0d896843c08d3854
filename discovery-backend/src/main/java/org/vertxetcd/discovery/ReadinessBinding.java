package org.vertxetcd.discovery;

import io.vertx.core.Future;

/**
 * A readiness check bound to the status of this node's records ({@link EtcdRegistry#bindReadiness}).
 */
public interface ReadinessBinding {

  /**
   * Stops checking; records the check took out of service are put back UP (the node no longer waits on it).
   *
   * @return completes at once
   */
  Future<Void> cancel();
}
