package org.vertxetcd.discovery.impl.interop;

import io.vertx.core.internal.ContextInternal;
import org.vertxetcd.discovery.EtcdImportOptions;
import org.vertxetcd.discovery.impl.ChangeApplier;
import org.vertxetcd.discovery.impl.EtcdConnection;
import org.vertxetcd.discovery.impl.EventPublisher;
import org.vertxetcd.discovery.impl.PermanentFailures;
import org.vertxetcd.discovery.impl.RecordCache;
import org.vertxetcd.discovery.impl.WatchedRange;

/**
 * The instances of services that are not Vert.x, imported from their own range of keys: a watched range with the
 * same list-then-watch and self-healing as the registry's own, in a view of its own, published as events like every
 * other change. Imported records are never this node's: nothing is re-registered or exported.
 */
public final class Imports {

  private Imports() {
  }

  /**
   * @param options    the import, validated
   * @param context    the registry's context
   * @param connection the etcd connection
   * @param publisher  publishes the events
   * @param observer   told when the import syncs, turns stale or fresh
   * @param failures   where a list or watch etcd refuses is reported
   * @return the import's range, not started
   */
  public static WatchedRange range(EtcdImportOptions options, ContextInternal context, EtcdConnection connection,
                                   EventPublisher publisher, WatchedRange.Observer observer,
                                   PermanentFailures failures) {
    ImportedKeyFormat format = new ImportedKeyFormat(options);
    RecordCache cache = new RecordCache();
    ChangeApplier applier = new ChangeApplier(format, cache, null, publisher);
    return new WatchedRange("the import of " + format.root(), null, context, connection, format,
      cache, applier, observer, revision -> { }, failures);
  }
}
