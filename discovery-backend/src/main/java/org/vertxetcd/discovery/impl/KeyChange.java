package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.vertx.servicediscovery.Record;

import java.nio.charset.StandardCharsets;

/**
 * One key under the prefix as etcd reported it (a watch event or a listed key), already decoded off the registry's
 * context: what it stands for in the key layout and, for a put, the record it holds or why it holds none.
 */
public final class KeyChange {

  /** Whether the key was written or deleted. */
  public enum Kind { PUT, DELETE }

  private static final int MAX_KEY_IN_MESSAGES = 200;

  private final Kind kind;
  private final ByteSequence key;
  private final KeyLayout.ParsedKey parsed;
  private final Record record;
  private final String problem;
  private final long modRevision;
  private final long lease;

  private KeyChange(Kind kind, ByteSequence key, KeyLayout.ParsedKey parsed, Record record, String problem,
                    long modRevision, long lease) {
    this.kind = kind;
    this.key = key;
    this.parsed = parsed;
    this.record = record;
    this.problem = problem;
    this.modRevision = modRevision;
    this.lease = lease;
  }

  /**
   * @param layout the key layout
   * @param kind   put or delete
   * @param kv     the key as etcd reported it
   * @return the decoded change
   */
  public static KeyChange decode(KeyLayout layout, Kind kind, KeyValue kv) {
    ByteSequence key = kv.getKey();
    KeyLayout.ParsedKey parsed = layout.parse(key);
    if (parsed == null) {
      return new KeyChange(kind, key, null, null, "the key is not {prefix}/{percent-encoded name}/{registration}",
        kv.getModRevision(), kv.getLease());
    }
    if (kind == Kind.DELETE) {
      return new KeyChange(kind, key, parsed, null, null, kv.getModRevision(), kv.getLease());
    }
    try {
      Record record = RecordCodec.decode(parsed, kv.getValue().getBytes());
      return new KeyChange(kind, key, parsed, record, null, kv.getModRevision(), kv.getLease());
    } catch (RecordCodec.InvalidRecordException e) {
      return new KeyChange(kind, key, parsed, null, e.getMessage(), kv.getModRevision(), kv.getLease());
    }
  }

  /**
   * @param layout   the key layout
   * @param parsed   the name and registration of a record that is gone
   * @param revision the revision at which it was found gone
   * @return a delete of that record's key
   */
  public static KeyChange deleted(KeyLayout layout, KeyLayout.ParsedKey parsed, long revision) {
    return new KeyChange(Kind.DELETE, layout.key(parsed.name(), parsed.registration()), parsed, null, null, revision, 0);
  }

  /**
   * @param key raw key bytes
   * @return a printable form for log messages: odd bytes escaped, long keys shortened
   */
  static String displayKey(byte[] key) {
    String text = new String(key, StandardCharsets.UTF_8);
    StringBuilder shown = new StringBuilder();
    text.codePoints().limit(MAX_KEY_IN_MESSAGES).forEach(cp -> {
      if (Character.isISOControl(cp) || cp == 0xFFFD) {
        shown.append(String.format("\\x%02x", cp & 0xFF));
      } else {
        shown.appendCodePoint(cp);
      }
    });
    if (text.length() > MAX_KEY_IN_MESSAGES) {
      shown.append("...");
    }
    return shown.toString();
  }

  /** @return put or delete */
  public Kind kind() {
    return kind;
  }

  /** @return the key in a form safe to print */
  public String displayKey() {
    return displayKey(key.getBytes());
  }

  /** @return the name and registration of the key, {@code null} when it does not fit the layout */
  public KeyLayout.ParsedKey parsed() {
    return parsed;
  }

  /** @return the record a put holds; {@code null} for a delete or an invalid value */
  public Record record() {
    return record;
  }

  /** @return why the key holds no valid record, {@code null} when it does or for a delete */
  public String problem() {
    return problem;
  }

  /** @return the revision of the change */
  public long modRevision() {
    return modRevision;
  }

  /** @return the lease of the key (0 for none or for a delete) */
  public long lease() {
    return lease;
  }
}
