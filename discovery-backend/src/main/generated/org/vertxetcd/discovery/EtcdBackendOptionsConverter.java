package org.vertxetcd.discovery;

import io.vertx.core.json.JsonObject;
import io.vertx.core.json.JsonArray;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Converter and mapper for {@link org.vertxetcd.discovery.EtcdBackendOptions}.
 * NOTE: This class has been automatically generated from the {@link org.vertxetcd.discovery.EtcdBackendOptions} original class using Vert.x codegen.
 */
public class EtcdBackendOptionsConverter {

   static void fromJson(Iterable<java.util.Map.Entry<String, Object>> json, EtcdBackendOptions obj) {
    for (java.util.Map.Entry<String, Object> member : json) {
      switch (member.getKey()) {
        case "endpoints":
          if (member.getValue() instanceof JsonArray) {
            java.util.ArrayList<java.lang.String> list =  new java.util.ArrayList<>();
            ((Iterable<Object>)member.getValue()).forEach( item -> {
              if (item instanceof String)
                list.add((String)item);
            });
            obj.setEndpoints(list);
          }
          break;
        case "prefix":
          if (member.getValue() instanceof String) {
            obj.setPrefix((String)member.getValue());
          }
          break;
        case "ttl":
          if (member.getValue() instanceof Number) {
            obj.setTtl(((Number)member.getValue()).intValue());
          }
          break;
        case "announceAddress":
          if (member.getValue() instanceof String) {
            obj.setAnnounceAddress((String)member.getValue());
          }
          break;
        case "eventsAddress":
          if (member.getValue() instanceof String) {
            obj.setEventsAddress((String)member.getValue());
          }
          break;
        case "stateAddress":
          if (member.getValue() instanceof String) {
            obj.setStateAddress((String)member.getValue());
          }
          break;
        case "requestTimeout":
          if (member.getValue() instanceof Number) {
            obj.setRequestTimeout(((Number)member.getValue()).longValue());
          }
          break;
        case "maxPendingWrites":
          if (member.getValue() instanceof Number) {
            obj.setMaxPendingWrites(((Number)member.getValue()).intValue());
          }
          break;
        case "maxRequestBytes":
          if (member.getValue() instanceof Number) {
            obj.setMaxRequestBytes(((Number)member.getValue()).intValue());
          }
          break;
        case "caFile":
          if (member.getValue() instanceof String) {
            obj.setCaFile((String)member.getValue());
          }
          break;
        case "certFile":
          if (member.getValue() instanceof String) {
            obj.setCertFile((String)member.getValue());
          }
          break;
        case "keyFile":
          if (member.getValue() instanceof String) {
            obj.setKeyFile((String)member.getValue());
          }
          break;
        case "pemTrustOptions":
          if (member.getValue() instanceof JsonObject) {
            obj.setPemTrustOptions(new io.vertx.core.net.PemTrustOptions((io.vertx.core.json.JsonObject)member.getValue()));
          }
          break;
        case "trustStoreOptions":
          if (member.getValue() instanceof JsonObject) {
            obj.setTrustStoreOptions(new io.vertx.core.net.JksOptions((io.vertx.core.json.JsonObject)member.getValue()));
          }
          break;
        case "pfxTrustOptions":
          if (member.getValue() instanceof JsonObject) {
            obj.setPfxTrustOptions(new io.vertx.core.net.PfxOptions((io.vertx.core.json.JsonObject)member.getValue()));
          }
          break;
        case "pemKeyCertOptions":
          if (member.getValue() instanceof JsonObject) {
            obj.setPemKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions((io.vertx.core.json.JsonObject)member.getValue()));
          }
          break;
        case "keyStoreOptions":
          if (member.getValue() instanceof JsonObject) {
            obj.setKeyStoreOptions(new io.vertx.core.net.JksOptions((io.vertx.core.json.JsonObject)member.getValue()));
          }
          break;
        case "pfxKeyCertOptions":
          if (member.getValue() instanceof JsonObject) {
            obj.setPfxKeyCertOptions(new io.vertx.core.net.PfxOptions((io.vertx.core.json.JsonObject)member.getValue()));
          }
          break;
        case "user":
          if (member.getValue() instanceof String) {
            obj.setUser((String)member.getValue());
          }
          break;
        case "password":
          if (member.getValue() instanceof String) {
            obj.setPassword((String)member.getValue());
          }
          break;
        case "imports":
          if (member.getValue() instanceof JsonArray) {
            java.util.ArrayList<org.vertxetcd.discovery.EtcdImportOptions> list =  new java.util.ArrayList<>();
            ((Iterable<Object>)member.getValue()).forEach( item -> {
              if (item instanceof JsonObject)
                list.add(new org.vertxetcd.discovery.EtcdImportOptions((io.vertx.core.json.JsonObject)item));
            });
            obj.setImports(list);
          }
          break;
        case "grpcExportPrefix":
          if (member.getValue() instanceof String) {
            obj.setGrpcExportPrefix((String)member.getValue());
          }
          break;
        case "services":
          if (member.getValue() instanceof JsonArray) {
            java.util.ArrayList<java.lang.String> list =  new java.util.ArrayList<>();
            ((Iterable<Object>)member.getValue()).forEach( item -> {
              if (item instanceof String)
                list.add((String)item);
            });
            obj.setServices(list);
          }
          break;
        case "onDemand":
          if (member.getValue() instanceof Boolean) {
            obj.setOnDemand((Boolean)member.getValue());
          }
          break;
        case "drainTimeout":
          if (member.getValue() instanceof Number) {
            obj.setDrainTimeout(((Number)member.getValue()).longValue());
          }
          break;
        case "zone":
          if (member.getValue() instanceof String) {
            obj.setZone((String)member.getValue());
          }
          break;
        case "minZoneInstances":
          if (member.getValue() instanceof Number) {
            obj.setMinZoneInstances(((Number)member.getValue()).intValue());
          }
          break;
        case "slowStartMillis":
          if (member.getValue() instanceof Number) {
            obj.setSlowStartMillis(((Number)member.getValue()).longValue());
          }
          break;
        case "outlierConsecutiveFailures":
          if (member.getValue() instanceof Number) {
            obj.setOutlierConsecutiveFailures(((Number)member.getValue()).intValue());
          }
          break;
        case "outlierEjectionMillis":
          if (member.getValue() instanceof Number) {
            obj.setOutlierEjectionMillis(((Number)member.getValue()).longValue());
          }
          break;
        case "maxEjectedPercent":
          if (member.getValue() instanceof Number) {
            obj.setMaxEjectedPercent(((Number)member.getValue()).intValue());
          }
          break;
        case "routingAddress":
          if (member.getValue() instanceof String) {
            obj.setRoutingAddress((String)member.getValue());
          }
          break;
      }
    }
  }

   static void toJson(EtcdBackendOptions obj, JsonObject json) {
    toJson(obj, json.getMap());
  }

   static void toJson(EtcdBackendOptions obj, java.util.Map<String, Object> json) {
    if (obj.getEndpoints() != null) {
      JsonArray array = new JsonArray();
      obj.getEndpoints().forEach(item -> array.add(item));
      json.put("endpoints", array);
    }
    if (obj.getPrefix() != null) {
      json.put("prefix", obj.getPrefix());
    }
    json.put("ttl", obj.getTtl());
    if (obj.getAnnounceAddress() != null) {
      json.put("announceAddress", obj.getAnnounceAddress());
    }
    if (obj.getEventsAddress() != null) {
      json.put("eventsAddress", obj.getEventsAddress());
    }
    if (obj.getStateAddress() != null) {
      json.put("stateAddress", obj.getStateAddress());
    }
    json.put("requestTimeout", obj.getRequestTimeout());
    json.put("maxPendingWrites", obj.getMaxPendingWrites());
    json.put("maxRequestBytes", obj.getMaxRequestBytes());
    if (obj.getCaFile() != null) {
      json.put("caFile", obj.getCaFile());
    }
    if (obj.getCertFile() != null) {
      json.put("certFile", obj.getCertFile());
    }
    if (obj.getKeyFile() != null) {
      json.put("keyFile", obj.getKeyFile());
    }
    if (obj.getPemTrustOptions() != null) {
      json.put("pemTrustOptions", obj.getPemTrustOptions().toJson());
    }
    if (obj.getTrustStoreOptions() != null) {
      json.put("trustStoreOptions", obj.getTrustStoreOptions().toJson());
    }
    if (obj.getPfxTrustOptions() != null) {
      json.put("pfxTrustOptions", obj.getPfxTrustOptions().toJson());
    }
    if (obj.getPemKeyCertOptions() != null) {
      json.put("pemKeyCertOptions", obj.getPemKeyCertOptions().toJson());
    }
    if (obj.getKeyStoreOptions() != null) {
      json.put("keyStoreOptions", obj.getKeyStoreOptions().toJson());
    }
    if (obj.getPfxKeyCertOptions() != null) {
      json.put("pfxKeyCertOptions", obj.getPfxKeyCertOptions().toJson());
    }
    if (obj.getUser() != null) {
      json.put("user", obj.getUser());
    }
    if (obj.getPassword() != null) {
      json.put("password", obj.getPassword());
    }
    if (obj.getImports() != null) {
      JsonArray array = new JsonArray();
      obj.getImports().forEach(item -> array.add(item.toJson()));
      json.put("imports", array);
    }
    if (obj.getGrpcExportPrefix() != null) {
      json.put("grpcExportPrefix", obj.getGrpcExportPrefix());
    }
    if (obj.getServices() != null) {
      JsonArray array = new JsonArray();
      obj.getServices().forEach(item -> array.add(item));
      json.put("services", array);
    }
    json.put("onDemand", obj.isOnDemand());
    json.put("drainTimeout", obj.getDrainTimeout());
    if (obj.getZone() != null) {
      json.put("zone", obj.getZone());
    }
    json.put("minZoneInstances", obj.getMinZoneInstances());
    json.put("slowStartMillis", obj.getSlowStartMillis());
    json.put("outlierConsecutiveFailures", obj.getOutlierConsecutiveFailures());
    json.put("outlierEjectionMillis", obj.getOutlierEjectionMillis());
    json.put("maxEjectedPercent", obj.getMaxEjectedPercent());
    if (obj.getRoutingAddress() != null) {
      json.put("routingAddress", obj.getRoutingAddress());
    }
  }
}
