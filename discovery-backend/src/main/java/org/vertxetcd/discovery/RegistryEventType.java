package org.vertxetcd.discovery;

/**
 * What happened to a record, as seen in etcd's revision order.
 */
public enum RegistryEventType {
  /** A record appeared: stored by a node, written by another client, or re-registered after a lease loss. */
  JOIN,
  /** A record present before was written again: metadata, location or status changed. */
  UPDATE,
  /** A record disappeared: removed, deleted by hand, or expired with its node's lease. */
  LEAVE
}
