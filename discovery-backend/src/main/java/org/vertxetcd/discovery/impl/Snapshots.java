package org.vertxetcd.discovery.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistrySnapshot;
import org.vertxetcd.discovery.RegistrySubscription;

import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Snapshots of the view and subscriptions to its changes: a snapshot holds exactly what the published events have
 * described so far (this node's own completed writes included: it waits for the watch to deliver them), and a
 * subscriber added in the same task on the registry's context receives exactly the changes after it.
 */
public final class Snapshots {

  private final ContextInternal context;
  private final EtcdBackendOptions options;
  private final ViewSync sync;
  private final RegistryRanges ranges;
  private final RegistryView view;
  private final Subscribers subscribers;

  /**
   * @param context     the registry's context
   * @param options     the registry's options
   * @param sync        the view's first sync
   * @param ranges      the registry's ranges
   * @param view        the view across ranges
   * @param subscribers the subscribers, who receive the events
   */
  public Snapshots(ContextInternal context, EtcdBackendOptions options, ViewSync sync, RegistryRanges ranges,
                   RegistryView view, Subscribers subscribers) {
    this.context = context;
    this.options = options;
    this.sync = sync;
    this.ranges = ranges;
    this.view = view;
    this.subscribers = subscribers;
  }

  /**
   * @return every record the watch applied, with the revision they are at
   */
  public Future<RegistrySnapshot> snapshot() {
    return take(null, "take a snapshot of the registry", () -> null).map(Taken::snapshot);
  }

  /**
   * @param name    the service to follow, {@code null} for all
   * @param caller  where the handler runs
   * @param handler receives every change after the snapshot, exactly once and in revision order
   * @return the subscription, with a snapshot like {@link #snapshot()}'s (of that service only, with a name)
   */
  public Future<RegistrySubscription> subscribe(String name, Context caller, Handler<RegistryEvent> handler) {
    String what = name == null ? "subscribe to the registry" : "subscribe to service '" + name + "'";
    return take(name, what, () -> subscribers.add(name, caller, handler))
      .map(taken -> new Subscription(taken.snapshot(), taken.subscriber()));
  }

  /** Takes a snapshot and, in the same task on the registry's context, adds the subscriber {@code subscribe} makes. */
  private Future<Taken> take(String name, String what, Supplier<Subscribers.Subscriber> subscribe) {
    Promise<Taken> taken = context.promise();
    Deadline deadline = Deadline.after(options.getRequestTimeout());
    context.runOnContext(v -> sync.afterFirstSync(what, deadline)
      .compose(synced -> name == null ? context.succeededFuture() : ranges.ensure(name, what, deadline))
      .compose(joined -> Future.all(rangesOf(name).stream()
        .map(range -> range.whenApplied(range.cache().newestLocalWrite(), what, deadline.remainingMs()))
        .collect(Collectors.toList())))
      .map(applied -> new Taken(snapshotOf(view.applied(name), rangesOf(name)), subscribe.get()))
      .onComplete(taken));
    return taken.future();
  }

  /** The ranges a snapshot of that service (or of everything) reads. */
  private List<WatchedRange> rangesOf(String name) {
    WatchedRange range = name == null ? null : ranges.rangeOf(name);
    return range != null ? List.of(range) : name == null ? ranges.ranges() : List.of();
  }

  /**
   * A snapshot is at the revision of its range; across several ranges (a scoped view), at the smallest, so every
   * change delivered after it has a greater revision.
   */
  private static RegistrySnapshot snapshotOf(List<CachedRecord> records, List<WatchedRange> read) {
    long revision = read.stream().mapToLong(range -> range.cache().revision()).min().orElse(0);
    return new RegistrySnapshot(records.stream().map(CachedRecord::view).collect(Collectors.toList()), revision);
  }

  /**
   * A snapshot, and the subscriber added with it if any.
   *
   * @param snapshot   the snapshot
   * @param subscriber the subscriber, {@code null} for a snapshot alone
   */
  private record Taken(RegistrySnapshot snapshot, Subscribers.Subscriber subscriber) {
  }

  private final class Subscription implements RegistrySubscription {
    private final RegistrySnapshot snapshot;
    private final Subscribers.Subscriber subscriber;

    Subscription(RegistrySnapshot snapshot, Subscribers.Subscriber subscriber) {
      this.snapshot = snapshot;
      this.subscriber = subscriber;
    }

    @Override
    public RegistrySnapshot snapshot() {
      return snapshot;
    }

    @Override
    public Future<Void> cancel() {
      // No delivery reaches the handler after this; the registry forgets the subscriber in its own time.
      subscriber.cancel();
      context.runOnContext(v -> subscribers.remove(subscriber));
      return Future.succeededFuture();
    }
  }
}
