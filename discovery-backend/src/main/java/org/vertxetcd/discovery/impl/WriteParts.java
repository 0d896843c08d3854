package org.vertxetcd.discovery.impl;

import io.vertx.core.internal.ContextInternal;

/**
 * What the parts that write this node's records ({@link RecordWriter}, {@link Recovery}) share: one holder, so that
 * both are wired from the same pieces.
 *
 * @param context    the registry's context, where they run
 * @param connection the etcd connection
 * @param layout     the key layout
 * @param ranges     the views of the registry, for this node's own writes and the keys of known records
 * @param own        the records this node holds and its writes in flight
 * @param lease      this node's lease
 * @param batcher    writes new keys, many per transaction
 * @param metrics    counts the records registered again
 */
public record WriteParts(ContextInternal context, EtcdConnection connection, KeyLayout layout, RegistryRanges ranges,
                         OwnRecords own, LeaseSession lease, PutIfAbsentBatcher batcher, RegistryMetrics metrics) {
}
