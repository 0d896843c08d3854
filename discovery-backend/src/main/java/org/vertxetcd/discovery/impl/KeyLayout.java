package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.ByteSequence;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * The one place that knows how records map to etcd keys:
 * <pre>
 *   {prefix}/{service name, percent-encoded}/{registration id}  ->  record.toJson(), UTF-8
 * </pre>
 * The name is percent-encoded as in RFC 3986: every byte of its UTF-8 form except the unreserved characters
 * {@code A-Z a-z 0-9 - . _ ~} becomes {@code %XX}, so a name may hold {@code /}, spaces, {@code %} or any unicode
 * and still be exactly one key segment. Keys under the prefix that do not have exactly these two segments do not
 * belong to the layout.
 */
public final class KeyLayout extends KeyFormat {

  /**
   * The name and registration id a key stands for.
   *
   * @param name         the decoded service name
   * @param registration the registration id
   */
  public record ParsedKey(String name, String registration) {
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private final String prefix;

  /**
   * @param prefix the registry prefix without trailing slash
   */
  public KeyLayout(String prefix) {
    super(prefix);
    this.prefix = prefix;
  }

  private KeyLayout(String prefix, String service) {
    super(prefix, prefix + "/" + encodeName(service));
    this.prefix = prefix;
  }

  /**
   * @param service a service name
   * @return the same layout, whose watched range is that service's keys only: {@code {prefix}/{encoded name}/}
   */
  public KeyLayout forService(String service) {
    return new KeyLayout(prefix, service);
  }

  /**
   * @param name         the service name
   * @param registration the registration id
   * @return the key of that record
   */
  @Override
  public ByteSequence key(String name, String registration) {
    return ByteSequence.from(keyString(name, registration), StandardCharsets.UTF_8);
  }

  /**
   * @param name         the service name
   * @param registration the registration id
   * @return the key of that record, as text
   */
  public String keyString(String name, String registration) {
    return root() + encodeName(name) + "/" + registration;
  }

  /**
   * @param key a key read from etcd
   * @return the name and registration it stands for, or {@code null} when it does not fit the layout (or its
   *     registration id holds control characters or whitespace)
   */
  @Override
  public ParsedKey parse(ByteSequence key) {
    String text = decodeUtf8(key.getBytes());
    if (text == null || !text.startsWith(root())) {
      return null;
    }
    String rest = text.substring(root().length());
    int slash = rest.indexOf('/');
    if (slash <= 0 || slash == rest.length() - 1 || rest.indexOf('/', slash + 1) >= 0) {
      return null;
    }
    String name = decodeName(rest.substring(0, slash));
    String registration = rest.substring(slash + 1);
    return name == null || !isPrintableToken(registration) ? null : new ParsedKey(name, registration);
  }

  @Override
  public String expectedKey() {
    return "{prefix}/{percent-encoded name}/{registration}";
  }

  @Override
  public CachedRecord decode(ParsedKey key, byte[] value) throws RecordCodec.InvalidRecordException {
    return RecordCodec.decode(key, value);
  }

  /**
   * @param prefix a configured prefix
   * @return the prefix without trailing slashes (so {@code /a/} and {@code /a} name the same range)
   */
  public static String withoutTrailingSlashes(String prefix) {
    String normalized = prefix;
    while (normalized.endsWith("/")) {
      normalized = normalized.substring(0, normalized.length() - 1);
    }
    return normalized;
  }

  /** Registration ids show up in logs, events and dashboards: control characters and spaces would garble them. */
  private static boolean isPrintableToken(String registration) {
    return registration.codePoints().noneMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c));
  }

  /**
   * @param name a service name
   * @return its percent-encoded form, one key segment
   */
  public static String encodeName(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    StringBuilder encoded = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      int c = b & 0xFF;
      if (isUnreserved(c)) {
        encoded.append((char) c);
      } else {
        encoded.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return encoded.toString();
  }

  /**
   * @param segment a percent-encoded key segment
   * @return the name it encodes, or {@code null} when the segment is not the encoding {@link #encodeName} gives: a
   *     name has one key, so that a node whose view is scoped to that name (it watches the name's encoded prefix)
   *     sees the same records as a node that watches everything
   */
  public static String decodeName(String segment) {
    if (segment.chars().allMatch(KeyLayout::isUnreserved)) {
      // Nothing encoded: the common case needs no decoding.
      return segment;
    }
    String name = decodePercents(segment);
    return name != null && encodeName(name).equals(segment) ? name : null;
  }

  private static String decodePercents(String segment) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c == '%') {
        if (i + 2 >= segment.length()) {
          return null;
        }
        int high = Character.digit(segment.charAt(i + 1), 16);
        int low = Character.digit(segment.charAt(i + 2), 16);
        if (high < 0 || low < 0) {
          return null;
        }
        bytes.write(high << 4 | low);
        i += 2;
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        return null;
      }
    }
    return decodeUtf8(bytes.toByteArray());
  }

  private static boolean isUnreserved(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
      || c == '-' || c == '.' || c == '_' || c == '~';
  }

  private static String decodeUtf8(byte[] bytes) {
    String lenient = new String(bytes, StandardCharsets.UTF_8);
    if (lenient.indexOf('\uFFFD') < 0) {
      // Well-formed: the common case, without a strict decoder.
      return lenient;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
