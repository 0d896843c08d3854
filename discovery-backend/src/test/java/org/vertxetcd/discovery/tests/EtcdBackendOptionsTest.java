package org.vertxetcd.discovery.tests;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import org.vertxetcd.discovery.EtcdBackendOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EtcdBackendOptionsTest {

  @Test
  void defaultsAreThoseOfTheDesign() {
    EtcdBackendOptions options = new EtcdBackendOptions(new JsonObject().put("backend-name", "etcd"));
    assertEquals(List.of("http://127.0.0.1:2379"), options.getEndpoints());
    assertEquals("/vertx/discovery", options.getPrefix());
    assertEquals(10, options.getTtl());
    assertEquals("vertx.discovery.announce", options.getAnnounceAddress());
    assertEquals("vertx.discovery.etcd.events", options.getEventsAddress());
    assertEquals(5000, options.getRequestTimeout());
    assertEquals(1_572_864, options.getMaxRequestBytes());
  }

  @Test
  void jsonFormRoundTrips() {
    EtcdBackendOptions options = new EtcdBackendOptions()
      .setEndpoints(List.of("http://10.0.0.1:2379", "http://10.0.0.2:2379"))
      .setPrefix("/team-a/services")
      .setTtl(4)
      .setAnnounceAddress("a")
      .setEventsAddress("e")
      .setRequestTimeout(1234)
      .setMaxRequestBytes(4096);
    assertEquals(options, new EtcdBackendOptions(options.toJson()));
    assertEquals(options, new EtcdBackendOptions(options));
  }

  @Test
  void endpointsMayBeOneCommaSeparatedString() {
    EtcdBackendOptions options = new EtcdBackendOptions(new JsonObject()
      .put("endpoints", "http://a:2379, http://b:2379"));
    assertEquals(List.of("http://a:2379", "http://b:2379"), options.getEndpoints());
  }

  @Test
  void numbersMayBeStrings() {
    assertEquals(7, new EtcdBackendOptions(new JsonObject().put("ttl", "7")).getTtl());
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', value = {
    "endpoints       | []                       | 'endpoints' at least one etcd endpoint is required",
    "endpoints       | [\"localhost:2379\"]     | 'endpoints' 'localhost:2379' is not an etcd client URL",
    "endpoints       | [\"http://exa mple:1\"]  | 'endpoints' 'http://exa mple:1' is not an etcd client URL",
    "endpoints       | [\"http://host\"]        | 'endpoints' 'http://host' is not an etcd client URL",
    "ttl             | 0                        | 'ttl' must be at least 1 second, was 0",
    "prefix          | \"\"                     | 'prefix' must not be empty",
    "prefix          | \"/\"                    | 'prefix' must not be empty",
    "requestTimeout  | 0                        | 'requestTimeout' must be at least 1 millisecond",
    "eventsAddress   | \" \"                    | 'eventsAddress' must not be empty",
  })
  void invalidValuesAreRefusedNamingTheKey(String key, String json, String message) {
    JsonObject config = new JsonObject().put(key, new JsonObject("{\"v\":" + json + "}").getValue("v"));
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
      () -> new EtcdBackendOptions(config).validate());
    assertTrue(error.getMessage().contains(message), error.getMessage());
  }

  @Test
  void wrongTypesAreRefusedNamingTheKey() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
      () -> new EtcdBackendOptions(new JsonObject().put("ttl", new JsonArray())));
    assertTrue(error.getMessage().contains("'ttl' must be an integer"), error.getMessage());
    error = assertThrows(IllegalArgumentException.class,
      () -> new EtcdBackendOptions(new JsonObject().put("endpoints", new JsonArray().add(1))));
    assertTrue(error.getMessage().contains("'endpoints' must be an array of strings"), error.getMessage());
  }

  @Test
  void trailingSlashOfThePrefixIsIgnored() {
    assertEquals("/a/b", new EtcdBackendOptions().setPrefix("/a/b//").normalizedPrefix());
  }
}
