package org.vertxetcd.discovery.impl;

import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What lookups read: the registry's own view followed by each import's, answered on the caller's thread without a
 * lock or a context switch. Every answer is made of copies.
 */
public final class RegistryView {

  private final WatchedRange own;
  private final List<WatchedRange> imports;

  /**
   * @param own     the registry's own range
   * @param imports the imports' ranges
   */
  public RegistryView(WatchedRange own, List<WatchedRange> imports) {
    this.own = own;
    this.imports = List.copyOf(imports);
  }

  /** @return copies of every record */
  public List<Record> all() {
    return fromEveryRange(RecordCache::all);
  }

  /**
   * @param registration a registration id
   * @return a copy of the record, or {@code null} when there is none
   */
  public Record get(String registration) {
    Record record = own.cache().get(registration);
    for (int i = 0; record == null && i < imports.size(); i++) {
      record = imports.get(i).cache().get(registration);
    }
    return record;
  }

  /**
   * @param name   a service name (exact)
   * @param filter Vert.x's record filter, {@code null} for none; only UP records unless it names a status
   * @return copies of the matching records of that service; the cost depends on its records only
   */
  public List<Record> lookup(String name, JsonObject filter) {
    Predicate<CachedRecord> accept = filter == null || filter.getString("status") == null
      ? record -> record.getStatus() == Status.UP : record -> true;
    Predicate<CachedRecord> matching = filter == null || filter.isEmpty() ? accept
      : accept.and(record -> record.match(filter));
    return fromEveryRange(view -> view.byName(name, matching));
  }

  /**
   * @param name the service to read, {@code null} for all
   * @return the records every range's watch applied (this node's undelivered writes left out): what the published
   *     events have described so far
   */
  public List<CachedRecord> applied(String name) {
    List<CachedRecord> applied = new ArrayList<>();
    addApplied(applied, own.cache(), name);
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
    long changes = own.cache().changeCount();
    for (WatchedRange imported : imports) {
      changes += imported.cache().changeCount();
    }
    return changes;
  }

  /** @return the number of records in the view, imports included */
  public int size() {
    int size = own.cache().size();
    for (WatchedRange imported : imports) {
      size += imported.cache().size();
    }
    return size;
  }

  /** The answer of the registry's own range, followed by each import's. */
  private List<Record> fromEveryRange(Function<RecordCache, List<Record>> read) {
    List<Record> records = read.apply(own.cache());
    for (WatchedRange imported : imports) {
      records.addAll(read.apply(imported.cache()));
    }
    return records;
  }
}
