package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdImportOptions;

import java.util.List;

/**
 * The instances of one import: a list-then-watch of its range, with the same self-healing as the registry's own,
 * kept in a view of its own (revisions and the diff after a compaction are per watched range), and published as
 * events like every other change. Imported records are never this node's: nothing is re-registered or exported.
 * <p>
 * Runs on the registry's context.
 */
public final class ImportedServices implements RegistryWatcher.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(ImportedServices.class);

  private final ImportedKeyFormat format;
  private final RecordCache cache = new RecordCache();
  private final ChangeApplier applier;
  private final RegistryWatcher watcher;
  private final PromiseInternal<Void> firstSync;
  private boolean stale;

  /**
   * @param context    the registry's context
   * @param connection the etcd connection
   * @param options    the import, validated
   * @param lease      the registry's lease (never used for imported keys: they are not this node's)
   * @param publisher  publishes the events
   * @param recovery   the registry's recovery (never called for imported keys)
   */
  public ImportedServices(ContextInternal context, EtcdConnection connection, EtcdImportOptions options,
                          LeaseSession lease, EventPublisher publisher, Recovery recovery) {
    this.format = new ImportedKeyFormat(options);
    this.applier = new ChangeApplier(format, cache, new OwnRecords(), lease, publisher, recovery,
      new EndpointExporter(context, connection, null, lease::id));
    this.watcher = new RegistryWatcher(context, connection, format, cache::revision, this);
    this.firstSync = context.promise();
  }

  /** Lists and watches the range; on the registry's context. */
  public void start() {
    watcher.start();
  }

  /** @return completes once the range was listed the first time */
  public Future<Void> firstSync() {
    return firstSync.future();
  }

  /** @return the imported records */
  public RecordCache cache() {
    return cache;
  }

  /** @return the prefix the instances are registered under */
  public String root() {
    return format.root();
  }

  @Override
  public void onSnapshot(List<KeyChange> keys, long revision) {
    boolean initial = !firstSync.future().isComplete();
    applier.applyList(keys, revision, !initial);
    cache.advanceTo(revision);
    if (initial) {
      LOG.info("Imported {} instances registered under {} (revision {})", cache.size(), format.root(), revision);
      firstSync.tryComplete();
    }
  }

  @Override
  public void onChanges(List<KeyChange> changes, long revision) {
    applier.applyChanges(changes);
    cache.advanceTo(revision);
  }

  @Override
  public void onStale(Throwable cause) {
    if (!stale) {
      stale = true;
      LOG.warn("The import of {} stopped following etcd ({}); it answers from its last view and resumes with backoff",
        format.root(), EtcdErrors.unwrap(cause).getMessage());
    }
  }

  @Override
  public void onFresh() {
    if (stale) {
      stale = false;
      LOG.info("The import of {} follows etcd again", format.root());
    }
  }

  /** Stops watching and fails a first sync still waited for; on the registry's context. */
  public void close() {
    watcher.close();
    firstSync.tryFail(EtcdConnection.closedError("import " + format.root()));
  }
}
