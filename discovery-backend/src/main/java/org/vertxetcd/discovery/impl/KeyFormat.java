package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.ByteSequence;

import java.nio.charset.StandardCharsets;

/**
 * How the keys of one watched range of etcd stand for records: this registry's own layout, or the format of
 * services registered by non-Vert.x clients that the registry imports. The range is every key that starts with
 * {@code {prefix}/}.
 */
public abstract class KeyFormat {

  private final String root;
  private final ByteSequence rootKey;
  private final ByteSequence rootEnd;

  /**
   * @param prefix the range's prefix without trailing slash
   */
  protected KeyFormat(String prefix) {
    this(prefix, prefix);
  }

  /**
   * @param prefix      the prefix keys are parsed under, without trailing slash
   * @param rangePrefix the prefix of the watched range, without trailing slash: {@code prefix} or a part of it
   */
  protected KeyFormat(String prefix, String rangePrefix) {
    this.root = prefix + "/";
    this.rootKey = ByteSequence.from(rangePrefix + "/", StandardCharsets.UTF_8);
    // '0' follows '/' in ASCII: [rangePrefix/, rangePrefix0) is exactly the keys starting with rangePrefix/.
    this.rootEnd = ByteSequence.from(rangePrefix + "0", StandardCharsets.UTF_8);
  }

  /** @return {@code {prefix}/}, where every key this format parses starts */
  public String root() {
    return root;
  }

  /** @return the first key of the watched range as text, e.g. {@code /vertx/discovery/greeter/} */
  public String rangeRoot() {
    return rootKey.toString(StandardCharsets.UTF_8);
  }

  /** @return the first key of the range */
  public ByteSequence rangeStart() {
    return rootKey;
  }

  /** @return the end (exclusive) of the range */
  public ByteSequence rangeEnd() {
    return rootEnd;
  }

  /**
   * @param key a key read from etcd
   * @return the service name and registration id it stands for, or {@code null} when it does not fit the format
   */
  public abstract KeyLayout.ParsedKey parse(ByteSequence key);

  /** @return what a key must look like, for the message about a key that does not fit */
  public abstract String expectedKey();

  /**
   * @param name         a service name
   * @param registration a registration id
   * @return the key of that record
   */
  public abstract ByteSequence key(String name, String registration);

  /**
   * @param key   the parsed key the value was read under
   * @param value the stored bytes
   * @return the record they stand for, frozen
   * @throws RecordCodec.InvalidRecordException when the value does not stand for a record under that key
   */
  public abstract CachedRecord decode(KeyLayout.ParsedKey key, byte[] value) throws RecordCodec.InvalidRecordException;
}
