package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.impl.interop.EndpointExporter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Which part of the registry this node follows: the whole prefix (one watched range), or, with {@code services}, one
 * watched range per service in its scope (joined by more at their first use with {@code onDemand}). The node's own
 * records of services outside its scope are kept in a view no watch follows, so that it reads its writes without
 * receiving other nodes' records of those services.
 * <p>
 * Ranges are added on the registry's context; lookups read them from any thread.
 */
public final class RegistryRanges {

  private final ContextInternal context;
  private final EtcdBackendOptions options;
  private final Function<String, WatchedRange> newServiceRange;
  private final Supplier<WatchedRange> wholeRegistry;
  private final EndpointExporter exporter;
  private final RecordCache ownView = RecordCache.ofOwnWrites();
  /** The watched range of each service in scope, {@code null} when the whole registry is one range. */
  private final Map<String, WatchedRange> byService;
  private volatile List<WatchedRange> ranges = List.of();

  /**
   * @param context         the registry's context
   * @param options         the registry's options ({@code services}, {@code onDemand})
   * @param wholeRegistry   makes the range of the whole prefix
   * @param newServiceRange makes the range of one service, not started
   * @param exporter        exports this node's records the own view holds (the watch does it for the others)
   */
  public RegistryRanges(ContextInternal context, EtcdBackendOptions options, Supplier<WatchedRange> wholeRegistry,
                        Function<String, WatchedRange> newServiceRange, EndpointExporter exporter) {
    this.context = context;
    this.options = options;
    this.newServiceRange = newServiceRange;
    this.wholeRegistry = wholeRegistry;
    this.exporter = exporter;
    this.byService = options.getServices() == null && !options.isOnDemand() ? null : new LinkedHashMap<>();
  }

  /** Makes the ranges of the initial scope (not started): once, when what they apply changes with exists. */
  public void createInitialRanges() {
    if (byService == null) {
      ranges = List.of(wholeRegistry.get());
      return;
    }
    if (options.getServices() != null) {
      options.getServices().forEach(service -> byService.put(service, newServiceRange.apply(service)));
    }
    ranges = List.copyOf(byService.values());
  }

  /**
   * Makes a write of this node visible to its lookups at once: in the service's range until its watch delivers it,
   * or in the own view for a service outside the scope.
   *
   * @param service      the record's service
   * @param registration its registration id
   * @param entry        the written entry, {@code null} for a removal
   * @param revision     the revision etcd gave the write
   */
  public void recordWrite(String service, String registration, RecordCache.Entry entry, long revision) {
    WatchedRange range = rangeOf(service);
    if (range != null) {
      range.cache().recordLocalWrite(registration, entry, revision);
      return;
    }
    RecordCache.Entry previous = ownView.current(registration);
    ownView.recordLocalWrite(registration, entry, revision);
    if (entry != null) {
      exporter.onOwnRecord(entry.record(), entry.lease());
    } else if (previous != null) {
      exporter.onRecordGone(previous.record());
    }
  }

  /**
   * A service joined the scope and its range was listed: its records are the range's, not the own view's.
   *
   * @param service the service
   */
  public void moveIntoScope(String service) {
    List<String> moved = new ArrayList<>();
    ownView.appliedEntries(service).forEach(entry -> moved.add(entry.record().getRegistration()));
    moved.forEach(registration -> ownView.apply(registration, null));
  }

  /** @return the watched ranges of the registry (not the imports), as they are now */
  public List<WatchedRange> ranges() {
    return ranges;
  }

  /** @return this node's own records of services outside its scope */
  public RecordCache ownView() {
    return ownView;
  }

  /**
   * @param service a service name
   * @return the range that follows it, {@code null} when it is outside this node's scope
   */
  public WatchedRange rangeOf(String service) {
    return byService == null ? ranges.get(0) : byService.get(service);
  }

  /**
   * @param service a service name
   * @return where this node's writes of that service are made visible: its range, or the own view
   */
  public RecordCache cacheFor(String service) {
    WatchedRange range = rangeOf(service);
    return range == null ? ownView : range.cache();
  }

  /**
   * @param registration a registration id
   * @return the current entry of that record in any of the registry's views, {@code null} when none holds it
   */
  public RecordCache.Entry current(String registration) {
    for (WatchedRange range : ranges) {
      RecordCache.Entry entry = range.cache().current(registration);
      if (entry != null) {
        return entry;
      }
    }
    return ownView.current(registration);
  }

  /**
   * Brings a service into the scope at its first use, when {@code onDemand} is set; on the registry's context.
   *
   * @param service   the service
   * @param what      what the caller is doing, for the error message
   * @param deadline  when the caller stops waiting
   * @return completes once the service's range has synced, at once when it had; fails at the deadline
   */
  public Future<Void> ensure(String service, String what, Deadline deadline) {
    WatchedRange range = rangeOf(service);
    if (range == null && options.isOnDemand()) {
      range = newServiceRange.apply(service);
      byService.put(service, range);
      List<WatchedRange> grown = new ArrayList<>(ranges);
      grown.add(range);
      ranges = Collections.unmodifiableList(grown);
      range.start();
    }
    return range == null ? context.succeededFuture() : range.whenSynced(what, deadline.remainingMs());
  }

  /**
   * @param service a service name
   * @return whether a call for that service can go on at once: no range to join or sync first
   */
  public boolean isReady(String service) {
    WatchedRange range = rangeOf(service);
    return range == null ? !options.isOnDemand() : range.firstSync().succeeded();
  }
}
