package org.vertxetcd.discovery.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What lookups hand out: views of the cache that no caller can use to change it.
 */
class CachedRecordTest {

  private final CachedRecord cached = RecordCodec.snapshot(new Record().setName("svc").setRegistration("r1")
    .setStatus(Status.UP).setType("http-endpoint")
    .setLocation(new JsonObject().put("host", "10.0.0.1").put("port", 80))
    .setMetadata(new JsonObject().put("zone", "eu").put("tags", new JsonArray().add("a"))
      .put("nested", new JsonObject().put("k", "v"))));

  @Test
  void aViewHasTheRecordsContentAndItsOwnMutableCopies() {
    Record view = cached.view();
    assertEquals(cached, view);
    assertEquals(cached.toJson(), view.toJson());

    view.getMetadata().put("zone", "us");
    view.getMetadata().getJsonObject("nested").put("k", "changed");
    view.getMetadata().getJsonArray("tags").add("b");
    view.getLocation().put("port", 81);
    view.setName("renamed").setStatus(Status.DOWN);

    assertEquals("eu", cached.getMetadata().getString("zone"));
    assertEquals("v", cached.getMetadata().getJsonObject("nested").getString("k"));
    assertEquals(List.of("a"), cached.getMetadata().getJsonArray("tags").getList());
    assertEquals(80, cached.getLocation().getInteger("port"));
    assertEquals("svc", cached.getName());
    assertEquals("eu", cached.view().getMetadata().getString("zone"), "other views are unaffected");
  }

  @Test
  void theCachesJsonRefusesEveryChange() {
    JsonObject metadata = cached.getMetadata();
    assertThrows(UnsupportedOperationException.class, () -> metadata.put("zone", "us"));
    assertThrows(UnsupportedOperationException.class, () -> metadata.remove("zone"));
    assertThrows(UnsupportedOperationException.class, () -> metadata.getJsonObject("nested").put("k", "x"));
    assertThrows(UnsupportedOperationException.class, () -> metadata.getJsonArray("tags").add("b"));
    assertThrows(UnsupportedOperationException.class, () -> metadata.fieldNames().clear());
    // Vert.x's copy constructor reads fields directly: a copy of an untouched view shares frozen JSON, which throws
    // rather than letting the cache be changed.
    Record copied = new Record(cached.view());
    assertThrows(UnsupportedOperationException.class, () -> copied.getMetadata().put("zone", "us"));
    assertEquals("eu", cached.getMetadata().getString("zone"));
  }

  @Test
  void copiesOfFrozenJsonAreMutableAndKeepTheKeyOrder() {
    JsonObject copy = cached.getMetadata().copy();
    copy.put("added", true);
    assertEquals(List.of("zone", "tags", "nested", "added"), List.copyOf(copy.fieldNames()));
    assertEquals("{\"zone\":\"eu\",\"tags\":[\"a\"],\"nested\":{\"k\":\"v\"}}", cached.getMetadata().encode());
  }

  @Test
  void matchAnswersLikeVertxsOwnWithoutCopyingTheMetadata() {
    Record plain = new Record().setName("Greeter").setRegistration("r-1").setType("http-endpoint")
      .setStatus(Status.OUT_OF_SERVICE).setLocation(new JsonObject().put("host", "h"))
      .setMetadata(new JsonObject().put("zone", "EU").put("weight", 3).put("tags", new JsonObject().put("a", 1)));
    CachedRecord view = (CachedRecord) RecordCodec.snapshot(plain).view();
    List<JsonObject> filters = List.of(new JsonObject(), new JsonObject().put("name", "greeter"),
      new JsonObject().put("name", "other"), new JsonObject().put("name", "*"),
      new JsonObject().put("registration", "r-1"), new JsonObject().put("status", "out_of_service"),
      new JsonObject().put("status", "UP"), new JsonObject().put("type", "HTTP-ENDPOINT"),
      new JsonObject().put("zone", "eu"), new JsonObject().put("zone", "*"), new JsonObject().put("missing", "*"),
      new JsonObject().put("weight", 3), new JsonObject().put("weight", "3"), new JsonObject().put("weight", 3L),
      new JsonObject().put("tags", new JsonObject().put("a", 1)), new JsonObject(Map.of("tags", Map.of("a", 1))),
      new JsonObject().put("name", "greeter").put("zone", "us"), new JsonObject().put("name", "greeter").put("zone",
        "eu").put("status", "*"));
    for (JsonObject filter : filters) {
      assertEquals(plain.match(filter), view.match(filter), "filter " + filter.encode());
    }
  }
}
