package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.ByteSequence;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class KeyLayoutTest {

  private final KeyLayout layout = new KeyLayout("/vertx/discovery");

  @ParameterizedTest
  @ValueSource(strings = {"greeter", "a/b/c", "with space", "100%", "plus+sign", "ünïcödé 服务", "😀", "a%2Fb", "~._-"})
  void namesRoundTripThroughTheKey(String name) {
    String key = layout.keyString(name, "reg-1");
    assertEquals(1, key.substring("/vertx/discovery/".length()).chars().filter(c -> c == '/').count(), key);
    KeyLayout.ParsedKey parsed = layout.parse(bytes(key));
    assertEquals(name, parsed.name());
    assertEquals("reg-1", parsed.registration());
  }

  @Test
  void encodingIsPercentEncodingOfUtf8() {
    assertEquals("/vertx/discovery/my%20service%2Fv1/r", layout.keyString("my service/v1", "r"));
    assertEquals("/vertx/discovery/%C3%A9/r", layout.keyString("é", "r"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/vertx/discovery/only-name", "/vertx/discovery/a/b/c", "/vertx/discovery//r",
    "/vertx/discovery/name/", "/vertx/discoveryx/a/b", "/other/a/b", "/vertx/discovery/bad%zz/r",
    "/vertx/discovery/bad%C3/r", "/vertx/discovery/name/reg\u0001", "/vertx/discovery/name/reg 1",
    "/vertx/discovery/name/reg\t1", "/vertx/discovery/grüße/r", "/vertx/discovery/with space/r",
    "/vertx/discovery/greeter:v2/r", "/vertx/discovery/%67reeter/r", "/vertx/discovery/%c3%a9/r"})
  void keysOutsideTheLayoutAreRejected(String key) {
    assertNull(layout.parse(bytes(key)));
  }

  @Test
  void rangeCoversExactlyThePrefix() {
    assertEquals("/vertx/discovery/", layout.rangeStart().toString(StandardCharsets.UTF_8));
    assertEquals("/vertx/discovery0", layout.rangeEnd().toString(StandardCharsets.UTF_8));
  }

  private static ByteSequence bytes(String key) {
    return ByteSequence.from(key, StandardCharsets.UTF_8);
  }

  @Test
  void keysAreShownInLogsWithOddBytesEscaped() {
    byte[] invalidUtf8 = {'/', 'k', (byte) 0xFF, (byte) 0xFE, 'x'};
    assertEquals("/k\\xff\\xfex", KeyChange.displayKey(invalidUtf8));
    assertEquals("/svc/a\\x01b\\x09c é", KeyChange.displayKey("/svc/a\u0001b\tc é".getBytes(StandardCharsets.UTF_8)));
    assertEquals("x".repeat(200) + "...", KeyChange.displayKey("x".repeat(500).getBytes(StandardCharsets.UTF_8)));
  }
}
