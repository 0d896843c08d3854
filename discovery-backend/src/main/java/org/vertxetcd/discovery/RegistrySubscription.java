package org.vertxetcd.discovery;

import io.vertx.core.Future;

/**
 * A subscription made with {@link EtcdRegistry#subscribe}: the registry as it was when the subscription started,
 * and after it, every change, exactly once and in revision order.
 */
public interface RegistrySubscription {

  /** @return the registry as of the start of the subscription */
  RegistrySnapshot snapshot();

  /**
   * Stops the delivery of events.
   *
   * @return completes when no more events will be delivered
   */
  Future<Void> cancel();
}
