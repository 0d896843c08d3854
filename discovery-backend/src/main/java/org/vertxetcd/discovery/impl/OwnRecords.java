package org.vertxetcd.discovery.impl;

import io.vertx.servicediscovery.Record;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The records this node registered (to register them again after a lease loss) and the writes it has in flight (to
 * tell, when the watch delivers a change, whether this node made it and through which path).
 * <p>
 * Used on the registry's context only.
 */
public final class OwnRecords {

  /** Who made a change. */
  public enum Origin {
    /** Another node or client. */
    REMOTE,
    /** A store, update or remove call on this node: Vert.x's ServiceDiscovery announces it itself. */
    CALL,
    /** This node's self-healing (re-registration, clean-up): nobody announced it yet. */
    RECOVERY
  }

  /** A write of this node whose change the watch has not delivered yet. */
  public static final class PendingWrite {
    private final String registration;
    private final String name;
    private final KeyChange.Kind kind;
    private final Origin origin;
    private long revision = -1;
    private long confirmedNanos;

    PendingWrite(String registration, String name, KeyChange.Kind kind, Origin origin) {
      this.registration = registration;
      this.name = name;
      this.kind = kind;
      this.origin = origin;
    }

    boolean matches(KeyChange.Kind changeKind, long changeRevision) {
      return kind == changeKind && (revision == -1 || revision == changeRevision);
    }

    /** @return the path that made the write */
    public Origin origin() {
      return origin;
    }

    /** @return when etcd acknowledged the write ({@code System.nanoTime()}), 0 when its answer was lost */
    public long confirmedNanos() {
      return confirmedNanos;
    }
  }

  private final Map<String, Record> records = new HashMap<>();
  private final Map<String, Deque<PendingWrite>> pending = new HashMap<>();
  private boolean uncertainPuts;

  /**
   * @param registration a registration id
   * @return whether this node registered it and has not removed it
   */
  public boolean holds(String registration) {
    return records.containsKey(registration);
  }

  /**
   * @param registration a registration id
   * @return the record as this node last wrote or saw it, {@code null} when not held
   */
  public Record get(String registration) {
    return records.get(registration);
  }

  /** @return how many records this node holds */
  public int size() {
    return records.size();
  }

  /** @return a snapshot of the held records */
  public List<Record> all() {
    return List.copyOf(records.values());
  }

  /**
   * @param record a record this node registers or updates, with its registration id
   */
  public void hold(Record record) {
    records.put(record.getRegistration(), record);
  }

  /**
   * @param registration a registration id this node no longer registers
   */
  public void release(String registration) {
    records.remove(registration);
  }

  /**
   * Notes a write about to be sent.
   *
   * @param registration the record's registration id
   * @param name         the record's service name
   * @param kind         put or delete
   * @param origin       the path that makes it
   * @return a handle to confirm or abandon the write
   */
  public PendingWrite expect(String registration, String name, KeyChange.Kind kind, Origin origin) {
    PendingWrite write = new PendingWrite(registration, name, kind, origin);
    pending.computeIfAbsent(registration, key -> new ArrayDeque<>()).add(write);
    return write;
  }

  /**
   * @param write    a pending write etcd applied
   * @param revision the revision etcd gave it
   */
  public void confirmed(PendingWrite write, long revision) {
    write.revision = revision;
    write.confirmedNanos = System.nanoTime();
  }

  /**
   * @param write a pending write that failed (or whose outcome is unknown): its change, if any, counts as remote
   */
  public void abandon(PendingWrite write) {
    if (write.kind == KeyChange.Kind.PUT) {
      // etcd may have applied it all the same: a key of this node's lease that it does not hold may linger.
      uncertainPuts = true;
    }
    Deque<PendingWrite> writes = pending.get(write.registration);
    if (writes != null && writes.remove(write) && writes.isEmpty()) {
      pending.remove(write.registration);
    }
  }

  /**
   * @param registration the registration id of a change the watch delivered
   * @param kind         its kind
   * @param revision     its revision
   * @return the write of this node that made it (consumed), {@code null} when another node or client made it
   */
  public PendingWrite attribute(String registration, KeyChange.Kind kind, long revision) {
    Deque<PendingWrite> writes = pending.get(registration);
    if (writes == null) {
      return null;
    }
    for (Iterator<PendingWrite> it = writes.iterator(); it.hasNext(); ) {
      PendingWrite write = it.next();
      if (write.matches(kind, revision)) {
        it.remove();
        if (writes.isEmpty()) {
          pending.remove(registration);
        }
        return write;
      }
    }
    return null;
  }

  /**
   * @param registration a registration id
   * @return whether a write of this node for it is in flight
   */
  public boolean hasPending(String registration) {
    return pending.containsKey(registration);
  }

  /**
   * @return whether a put failed (or lost its answer) since the last call: etcd may hold a key of this node's lease
   *     that it does not hold
   */
  public boolean takeUncertainPuts() {
    boolean uncertain = uncertainPuts;
    uncertainPuts = false;
    return uncertain;
  }

  /**
   * Drops confirmed writes a watch has passed without delivering (their change was superseded in a relist).
   *
   * @param revision the revision the watch reached
   * @param service  the service that watch follows, {@code null} for all
   */
  public void forgetUpTo(long revision, String service) {
    if (pending.isEmpty()) {
      return;
    }
    pending.values().removeIf(writes -> {
      writes.removeIf(write -> write.revision != -1 && write.revision <= revision
        && (service == null || service.equals(write.name)));
      return writes.isEmpty();
    });
  }
}
