package org.vertxetcd.discovery.impl;

import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * What lookups read: the registry's watched ranges (the whole prefix, or one per service in scope), this node's own
 * records outside its scope, then each import, answered on the caller's thread without a lock or a context switch.
 * Every answer is made of copies.
 */
public final class RegistryView {

  private final RegistryRanges ranges;
  private final List<WatchedRange> imports;

  /**
   * @param ranges  the registry's ranges and own view
   * @param imports the imports' ranges
   */
  public RegistryView(RegistryRanges ranges, List<WatchedRange> imports) {
    this.ranges = ranges;
    this.imports = List.copyOf(imports);
  }

  /** @return copies of every record */
  public List<Record> all() {
    return fromEveryView(RecordCache::all);
  }

  /**
   * @param registration a registration id
   * @return a copy of the record, or {@code null} when there is none
   */
  public Record get(String registration) {
    RecordCache.Entry entry = ranges.current(registration);
    for (int i = 0; entry == null && i < imports.size(); i++) {
      entry = imports.get(i).cache().current(registration);
    }
    return entry == null ? null : entry.record().view();
  }

  /**
   * @param name   a service name (exact)
   * @param filter Vert.x's record filter, {@code null} for none; only UP records unless it names a status
   * @return copies of the matching records of that service; the cost depends on its records only
   */
  public List<Record> lookup(String name, JsonObject filter) {
    return ofService(name, filter, RecordCache::byName);
  }

  /**
   * @param name   a service name (exact)
   * @param filter as for {@link #lookup}
   * @return the current entries of the matching records (the cache's records: do not mutate them), with their keys'
   *     revisions
   */
  public List<RecordCache.Entry> lookupEntries(String name, JsonObject filter) {
    return ofService(name, filter, RecordCache::entriesByName);
  }

  /** Reads one service from the view that holds it (its range or the own view) and from every import. */
  private <T> List<T> ofService(String name, JsonObject filter, ServiceRead<T> read) {
    Predicate<CachedRecord> accept = filter == null || filter.getString("status") == null
      ? record -> record.getStatus() == Status.UP : record -> true;
    Predicate<CachedRecord> matching = filter == null || filter.isEmpty() ? accept
      : accept.and(record -> record.match(filter));
    WatchedRange range = ranges.rangeOf(name);
    List<T> results = read.apply(range == null ? ranges.ownView() : range.cache(), name, matching);
    for (WatchedRange imported : imports) {
      results.addAll(read.apply(imported.cache(), name, matching));
    }
    return results;
  }

  /** Reads one service out of one view. */
  private interface ServiceRead<T> {
    List<T> apply(RecordCache view, String name, Predicate<CachedRecord> filter);
  }

  /**
   * @param name the service to read, {@code null} for all
   * @return the records every range's watch applied (this node's undelivered writes left out): what the published
   *     events have described so far
   */
  public List<CachedRecord> applied(String name) {
    List<CachedRecord> applied = new ArrayList<>();
    for (WatchedRange range : ranges.ranges()) {
      addApplied(applied, range.cache(), name);
    }
    imports.forEach(imported -> addApplied(applied, imported.cache(), name));
    return applied;
  }

  private static void addApplied(List<CachedRecord> records, RecordCache view, String name) {
    Collection<RecordCache.Entry> entries = name == null ? view.appliedEntries() : view.appliedEntries(name);
    entries.forEach(entry -> records.add(entry.record()));
  }

  /** @return the import that holds a record with that registration id, {@code null} when none does */
  public WatchedRange importHolding(String registration) {
    for (WatchedRange imported : imports) {
      if (imported.cache().current(registration) != null) {
        return imported;
      }
    }
    return null;
  }

  /** @return a count of the view's changes: while it stays the same, so do the answers of lookups */
  public long changeCount() {
    // A range that joins the scope changes the count too.
    return sumOverCaches(RecordCache::changeCount) + ranges.ranges().size();
  }

  /**
   * @return whether a change is being applied to the view now: a lookup that starts then may see part of it even if
   *     {@link #changeCount()} is the same after it
   */
  public boolean isChanging() {
    return sumOverCaches(cache -> cache.changeCount() % 2) > 0;
  }

  /** @return the number of records in the view, imports included */
  public int size() {
    return (int) sumOverCaches(RecordCache::size);
  }

  /** Sums a figure of every cache the view reads (without a list of them: the resolver asks on every request). */
  private long sumOverCaches(ToLongFunction<RecordCache> figure) {
    long sum = figure.applyAsLong(ranges.ownView());
    for (WatchedRange range : ranges.ranges()) {
      sum += figure.applyAsLong(range.cache());
    }
    for (WatchedRange imported : imports) {
      sum += figure.applyAsLong(imported.cache());
    }
    return sum;
  }

  /**
   * Every view's answer: the registry's ranges, the own view, then each import. The first range's answer is the list
   * the others are added to: a registry of one range costs no copy.
   */
  private List<Record> fromEveryView(Function<RecordCache, List<Record>> read) {
    List<WatchedRange> watched = ranges.ranges();
    List<Record> records = watched.isEmpty() ? new ArrayList<>() : read.apply(watched.get(0).cache());
    for (int i = 1; i < watched.size(); i++) {
      records.addAll(read.apply(watched.get(i).cache()));
    }
    if (ranges.ownView().size() > 0) {
      records.addAll(read.apply(ranges.ownView()));
    }
    for (WatchedRange imported : imports) {
      records.addAll(read.apply(imported.cache()));
    }
    return records;
  }
}
