package org.vertxetcd.discovery;

import io.vertx.core.json.JsonObject;
import io.vertx.core.json.JsonArray;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Converter and mapper for {@link org.vertxetcd.discovery.EtcdImportOptions}.
 * NOTE: This class has been automatically generated from the {@link org.vertxetcd.discovery.EtcdImportOptions} original class using Vert.x codegen.
 */
public class EtcdImportOptionsConverter {

   static void fromJson(Iterable<java.util.Map.Entry<String, Object>> json, EtcdImportOptions obj) {
    for (java.util.Map.Entry<String, Object> member : json) {
      switch (member.getKey()) {
        case "prefix":
          if (member.getValue() instanceof String) {
            obj.setPrefix((String)member.getValue());
          }
          break;
        case "format":
          if (member.getValue() instanceof String) {
            obj.setFormat(org.vertxetcd.discovery.EtcdImportOptions.Format.valueOf((String)member.getValue()));
          }
          break;
        case "service":
          if (member.getValue() instanceof String) {
            obj.setService((String)member.getValue());
          }
          break;
        case "type":
          if (member.getValue() instanceof String) {
            obj.setType((String)member.getValue());
          }
          break;
      }
    }
  }

   static void toJson(EtcdImportOptions obj, JsonObject json) {
    toJson(obj, json.getMap());
  }

   static void toJson(EtcdImportOptions obj, java.util.Map<String, Object> json) {
    if (obj.getPrefix() != null) {
      json.put("prefix", obj.getPrefix());
    }
    if (obj.getFormat() != null) {
      json.put("format", obj.getFormat().name());
    }
    if (obj.getService() != null) {
      json.put("service", obj.getService());
    }
    if (obj.getType() != null) {
      json.put("type", obj.getType());
    }
  }
}
