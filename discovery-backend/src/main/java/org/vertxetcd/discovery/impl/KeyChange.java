package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.vertx.servicediscovery.Record;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
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
  private final CachedRecord record;
  private final String problem;
  private final long modRevision;
  private final long lease;

  private KeyChange(Kind kind, ByteSequence key, KeyLayout.ParsedKey parsed, CachedRecord record, String problem,
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
   * @param format how keys stand for records
   * @param kind   put or delete
   * @param kv     the key as etcd reported it
   * @return the decoded change
   */
  public static KeyChange decode(KeyFormat format, Kind kind, KeyValue kv) {
    ByteSequence key = kv.getKey();
    KeyLayout.ParsedKey parsed = format.parse(key);
    if (parsed == null) {
      return new KeyChange(kind, key, null, null, "the key is not " + format.expectedKey(), kv.getModRevision(),
        kv.getLease());
    }
    if (kind == Kind.DELETE) {
      return new KeyChange(kind, key, parsed, null, null, kv.getModRevision(), kv.getLease());
    }
    try {
      CachedRecord record = format.decode(parsed, kv.getValue().getBytes());
      return new KeyChange(kind, key, parsed, record, null, kv.getModRevision(), kv.getLease());
    } catch (RecordCodec.InvalidRecordException e) {
      return new KeyChange(kind, key, parsed, null, e.getMessage(), kv.getModRevision(), kv.getLease());
    }
  }

  /**
   * @param format   how keys stand for records
   * @param parsed   the name and registration of a record that is gone
   * @param revision the revision at which it was found gone
   * @return a delete of that record's key
   */
  public static KeyChange deleted(KeyFormat format, KeyLayout.ParsedKey parsed, long revision) {
    return new KeyChange(Kind.DELETE, format.key(parsed.name(), parsed.registration()), parsed, null, null, revision, 0);
  }

  /**
   * @param key raw key bytes
   * @return a printable form for log messages: control characters and bytes that are not UTF-8 escaped as
   *     {@code \\xNN}, long keys shortened
   */
  public static String displayKey(byte[] key) {
    StringBuilder shown = new StringBuilder();
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
    ByteBuffer in = ByteBuffer.wrap(key, 0, Math.min(key.length, MAX_KEY_IN_MESSAGES));
    CharBuffer out = CharBuffer.allocate(key.length);
    while (in.hasRemaining()) {
      CoderResult result = decoder.decode(in, out, true);
      appendPrintable(shown, out.flip());
      out.clear();
      if (!result.isError()) {
        break;
      }
      for (int i = 0; i < result.length(); i++) {
        appendEscaped(shown, in.get());
      }
    }
    if (key.length > MAX_KEY_IN_MESSAGES) {
      shown.append("...");
    }
    return shown.toString();
  }

  private static void appendPrintable(StringBuilder shown, CharSequence text) {
    text.codePoints().forEach(cp -> {
      if (Character.isISOControl(cp)) {
        appendEscaped(shown, (byte) cp);
      } else {
        shown.appendCodePoint(cp);
      }
    });
  }

  private static void appendEscaped(StringBuilder shown, byte b) {
    shown.append(String.format("\\x%02x", b & 0xFF));
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
  public CachedRecord record() {
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
