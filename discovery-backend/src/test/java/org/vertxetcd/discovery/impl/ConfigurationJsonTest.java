package org.vertxetcd.discovery.impl;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.vertxetcd.discovery.impl.ConfigurationJson.Type;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shorthand no option of the public API has yet: a boolean given as a string. (Numbers given as strings and
 * comma-separated lists are tested through {@code EtcdBackendOptions}, in the public API's tests.)
 */
class ConfigurationJsonTest {

  private static final Map<String, Type> SCHEMA = Map.of("flag", Type.BOOLEAN);

  @Test
  void aBooleanMayBeAStringInAnyCase() {
    assertEquals(true, normalize(true).getValue("flag"));
    assertEquals(true, normalize("true").getValue("flag"));
    assertEquals(false, normalize(" FALSE ").getValue("flag"));
  }

  @Test
  void anythingElseIsRefusedNamingTheKey() {
    for (Object wrong : List.of("yes", 1, new JsonObject())) {
      IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> normalize(wrong));
      assertTrue(error.getMessage().contains("'flag' must be true or false"), error.getMessage());
    }
  }

  private static JsonObject normalize(Object flag) {
    return ConfigurationJson.normalize(new JsonObject().put("flag", flag), SCHEMA, List.of(), "");
  }
}
