package org.vertxetcd.discovery;

import io.vertx.core.json.JsonObject;
import io.vertx.core.json.JsonArray;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Converter and mapper for {@link org.vertxetcd.discovery.ReadinessOptions}.
 * NOTE: This class has been automatically generated from the {@link org.vertxetcd.discovery.ReadinessOptions} original class using Vert.x codegen.
 */
public class ReadinessOptionsConverter {

   static void fromJson(Iterable<java.util.Map.Entry<String, Object>> json, ReadinessOptions obj) {
    for (java.util.Map.Entry<String, Object> member : json) {
      switch (member.getKey()) {
        case "intervalMillis":
          if (member.getValue() instanceof Number) {
            obj.setIntervalMillis(((Number)member.getValue()).longValue());
          }
          break;
        case "failureThreshold":
          if (member.getValue() instanceof Number) {
            obj.setFailureThreshold(((Number)member.getValue()).intValue());
          }
          break;
        case "successThreshold":
          if (member.getValue() instanceof Number) {
            obj.setSuccessThreshold(((Number)member.getValue()).intValue());
          }
          break;
      }
    }
  }

   static void toJson(ReadinessOptions obj, JsonObject json) {
    toJson(obj, json.getMap());
  }

   static void toJson(ReadinessOptions obj, java.util.Map<String, Object> json) {
    json.put("intervalMillis", obj.getIntervalMillis());
    json.put("failureThreshold", obj.getFailureThreshold());
    json.put("successThreshold", obj.getSuccessThreshold());
  }
}
