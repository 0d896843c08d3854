package org.vertxetcd.discovery.impl;

import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.impl.interop.EndpointExporter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies what etcd reports to the view, in revision order, and publishes one event per change: each watched change
 * as it comes, and for a full list (after a compaction) the difference between the view and the list.
 * <p>
 * Runs on the registry's context.
 */
public final class ChangeApplier {

  /**
   * What a range holding this node's own records needs beyond the view (an import has none of it).
   *
   * @param own      the records this node holds and its writes in flight
   * @param lease    this node's lease
   * @param recovery told when one of this node's records is deleted by someone else
   * @param exporter told about this node's records as the watch applies them
   * @param metrics  times this node's writes until the watch delivers them
   */
  public record OwnSide(OwnRecords own, LeaseSession lease, Recovery recovery, EndpointExporter exporter,
                        RegistryMetrics metrics) {
  }

  private final KeyFormat format;
  private final RecordCache cache;
  private final OwnSide side;
  private final EventPublisher publisher;
  private final BadKeys badKeys = new BadKeys();

  /**
   * @param format    how keys stand for records
   * @param cache     the view
   * @param side      this node's own records, {@code null} for a range that never holds them (an import)
   * @param publisher publishes the events
   */
  public ChangeApplier(KeyFormat format, RecordCache cache, OwnSide side, EventPublisher publisher) {
    this.format = format;
    this.cache = cache;
    this.side = side;
    this.publisher = publisher;
  }

  /** @return how many keys are skipped as not a record */
  public int badKeys() {
    return badKeys.size();
  }

  /**
   * Brings the view to a full list of the prefix.
   *
   * @param keys     every key, in key order
   * @param revision the revision of the list
   * @param publish  whether to publish the differences as events (not for the first list)
   */
  public void applyList(List<KeyChange> keys, long revision, boolean publish) {
    if (cache.size() == 0 && !publish) {
      applyFirstList(keys);
      return;
    }
    Map<String, KeyChange> listed = new HashMap<>();
    Set<String> bad = new HashSet<>();
    for (KeyChange key : keys) {
      String problem = problemOf(key, listed.get(key.parsed() == null ? null : key.parsed().registration()));
      if (problem == null) {
        listed.put(key.parsed().registration(), key);
      } else {
        bad.add(key.displayKey());
        badKeys.report(key.displayKey(), problem);
      }
    }
    badKeys.retainOnly(bad);
    List<KeyChange> differences = new ArrayList<>();
    listed.forEach((registration, key) -> {
      RecordCache.Entry known = cache.applied(registration);
      if (known == null || known.modRevision() != key.modRevision()
        || !known.record().getName().equals(key.parsed().name())) {
        differences.add(key);
      }
    });
    for (RecordCache.Entry entry : cache.appliedEntries()) {
      KeyChange listedKey = listed.get(entry.record().getRegistration());
      if (listedKey == null || !listedKey.parsed().name().equals(entry.record().getName())) {
        differences.add(KeyChange.deleted(format, new KeyLayout.ParsedKey(entry.record().getName(),
          entry.record().getRegistration()), revision));
      }
    }
    if (publish) {
      // In revision order; leaves first within a revision, so that a record that moved to another key leaves before
      // it joins again.
      differences.sort(Comparator.comparingLong(KeyChange::modRevision)
        .thenComparing(change -> change.kind() == KeyChange.Kind.PUT));
    }
    differences.forEach(change -> apply(change, publish));
  }

  /** The first list: nothing to compare with and nothing to publish, so each valid key goes straight to the view. */
  private void applyFirstList(List<KeyChange> keys) {
    Set<String> bad = new HashSet<>();
    for (KeyChange key : keys) {
      RecordCache.Entry sibling = key.parsed() == null ? null : cache.applied(key.parsed().registration());
      String problem = sibling != null ? usedBy(sibling.record()) : key.problem();
      if (problem == null) {
        cache.apply(key.parsed().registration(), new RecordCache.Entry(key.record(), key.modRevision(), key.lease()));
      } else {
        bad.add(key.displayKey());
        badKeys.report(key.displayKey(), problem);
      }
    }
    badKeys.retainOnly(bad);
  }

  /**
   * Applies the changes of one watch response.
   *
   * @param changes the changes, in revision order
   */
  public void applyChanges(List<KeyChange> changes) {
    for (KeyChange change : changes) {
      // A watch re-created after an error may repeat what was applied: exactly once means skipping it.
      if (change.modRevision() > cache.revision()) {
        KeyLayout.ParsedKey parsed = change.parsed();
        RecordCache.Entry known = parsed == null ? null : cache.applied(parsed.registration());
        boolean otherName = known != null && !known.record().getName().equals(parsed.name());
        if (known != null && !otherName && known.modRevision() == change.modRevision()) {
          // Applied already: the view stopped inside this revision (it is applied a slice at a time), and the watch
          // created again since sends all of it.
          continue;
        }
        if (parsed != null && !otherName) {
          apply(change, true);
        } else if (change.kind() == KeyChange.Kind.PUT) {
          badKeys.report(change.displayKey(), otherName ? usedBy(known.record()) : change.problem());
        } else {
          badKeys.clear(change.displayKey());
        }
      }
    }
  }

  /** Why a listed key cannot be applied, or {@code null} when it can. */
  private static String problemOf(KeyChange key, KeyChange listedWithSameRegistration) {
    if (key.parsed() != null && listedWithSameRegistration != null) {
      return usedBy(listedWithSameRegistration.record());
    }
    return key.problem();
  }

  private static String usedBy(Record owner) {
    return "registration " + owner.getRegistration() + " is already used by a record of service '" + owner.getName()
      + "'";
  }

  /** Applies a change of a key that fits the format, publishing its event. */
  private void apply(KeyChange change, boolean publish) {
    String registration = change.parsed().registration();
    CachedRecord record = change.record();
    if (record == null && change.kind() == KeyChange.Kind.PUT) {
      badKeys.report(change.displayKey(), change.problem());
    } else if (badKeys.size() > 0) {
      badKeys.clear(change.displayKey());
    }
    RecordCache.Entry previous = cache.apply(registration,
      record == null ? null : new RecordCache.Entry(record, change.modRevision(), change.lease()));
    if (record == null && previous == null) {
      return;
    }
    OwnRecords.Origin origin = side == null ? OwnRecords.Origin.REMOTE : ownChange(change, record, previous);
    if (publish) {
      RegistryEventType type = record == null ? RegistryEventType.LEAVE
        : previous == null ? RegistryEventType.JOIN : RegistryEventType.UPDATE;
      publisher.publish(type, record == null ? previous.record() : record, change.modRevision(), origin);
    }
    if (side != null && record == null && origin == OwnRecords.Origin.REMOTE && side.own().holds(registration)) {
      side.recovery().onOwnRecordDeleted(registration, previous, cache);
    }
  }

  /** Keeps this node's records, and their export, in step with the change; tells who made it. */
  private OwnRecords.Origin ownChange(KeyChange change, CachedRecord record, RecordCache.Entry previous) {
    String registration = change.parsed().registration();
    OwnRecords own = side.own();
    if (record != null && own.holds(registration) && change.lease() == side.lease().id()) {
      // Another client may have updated this node's record: register that version after a lease loss.
      own.hold(record);
    }
    if (record != null && own.holds(registration)) {
      side.exporter().onOwnRecord(record, change.lease());
    } else if (previous != null) {
      side.exporter().onRecordGone(previous.record());
    }
    OwnRecords.PendingWrite write = own.attribute(registration, change.kind(), change.modRevision());
    if (write == null) {
      return OwnRecords.Origin.REMOTE;
    }
    // The watch may deliver a write before its own answer is read: its delay is then none.
    side.metrics().watchDelay(write.confirmedNanos() == 0 ? 0 : System.nanoTime() - write.confirmedNanos());
    return write.origin();
  }
}
