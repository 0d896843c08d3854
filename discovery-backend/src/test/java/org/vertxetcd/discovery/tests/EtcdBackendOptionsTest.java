package org.vertxetcd.discovery.tests;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyStoreOptionsBase;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdImportOptions;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The options' JSON form, read by the generated converter after the keys were checked: every key is read, written
 * and copied; the documented shorthands are expanded; a value of the wrong type names its key. Values are compared
 * getter by getter with what the JSON says, never through {@code equals} or {@code toJson}, which would agree with
 * a converter that skips a key.
 */
class EtcdBackendOptionsTest {

  /**
   * The TLS options are two fields, whom to trust and what to present, each of three families: a configuration
   * sets one of each, so every family is read in one of these cases.
   */
  enum TlsFamily {
    PEM("pemTrustOptions", "pemKeyCertOptions") {
      @Override
      JsonObject trust() {
        return new JsonObject().put("certPaths", new JsonArray().add("/etc/ca-1.pem").add("/etc/ca-2.pem"))
          .put("certValues", new JsonArray().add(jsonForm("ca in memory")));
      }

      @Override
      JsonObject keyCert() {
        return new JsonObject().put("certPaths", new JsonArray().add("/etc/client.pem"))
          .put("keyPaths", new JsonArray().add("/etc/client-key.pem"))
          .put("certValues", new JsonArray().add(jsonForm("certificate in memory")))
          .put("keyValues", new JsonArray().add(jsonForm("key in memory")));
      }

      @Override
      void assertRead(EtcdBackendOptions options) {
        PemTrustOptions trust = options.getPemTrustOptions();
        assertEquals(List.of("/etc/ca-1.pem", "/etc/ca-2.pem"), trust.getCertPaths());
        assertEquals(List.of(Buffer.buffer("ca in memory")), trust.getCertValues());
        PemKeyCertOptions keyCert = options.getPemKeyCertOptions();
        assertEquals(List.of("/etc/client.pem"), keyCert.getCertPaths());
        assertEquals(List.of("/etc/client-key.pem"), keyCert.getKeyPaths());
        assertEquals(List.of(Buffer.buffer("certificate in memory")), keyCert.getCertValues());
        assertEquals(List.of(Buffer.buffer("key in memory")), keyCert.getKeyValues());
      }
    },
    JKS("trustStoreOptions", "keyStoreOptions") {
      @Override
      void assertRead(EtcdBackendOptions options) {
        assertStore("trust", options.getTrustStoreOptions());
        assertStore("key", options.getKeyStoreOptions());
      }
    },
    PKCS12("pfxTrustOptions", "pfxKeyCertOptions") {
      @Override
      void assertRead(EtcdBackendOptions options) {
        assertStore("trust", options.getPfxTrustOptions());
        assertStore("key", options.getPfxKeyCertOptions());
      }
    };

    /** The getters of every family, by key: a configuration of one family leaves the others empty. */
    private static final List<Function<EtcdBackendOptions, Object>> TRUST_GETTERS = List.of(
      EtcdBackendOptions::getPemTrustOptions, EtcdBackendOptions::getTrustStoreOptions,
      EtcdBackendOptions::getPfxTrustOptions);
    private static final List<Function<EtcdBackendOptions, Object>> KEY_CERT_GETTERS = List.of(
      EtcdBackendOptions::getPemKeyCertOptions, EtcdBackendOptions::getKeyStoreOptions,
      EtcdBackendOptions::getPfxKeyCertOptions);

    final String trustKey;
    final String keyCertKey;

    TlsFamily(String trustKey, String keyCertKey) {
      this.trustKey = trustKey;
      this.keyCertKey = keyCertKey;
    }

    /** @return the JSON of the trust options (a key store unless overridden) */
    JsonObject trust() {
      return store("trust");
    }

    /** @return the JSON of the key and certificate options (a key store unless overridden) */
    JsonObject keyCert() {
      return store("key");
    }

    /** Checks every field of the options this family set, and that the other families are unset. */
    abstract void assertRead(EtcdBackendOptions options);

    void assertOnlyThisFamily(EtcdBackendOptions options) {
      for (List<Function<EtcdBackendOptions, Object>> getters : List.of(TRUST_GETTERS, KEY_CERT_GETTERS)) {
        for (int family = 0; family < getters.size(); family++) {
          Object read = getters.get(family).apply(options);
          if (family == ordinal()) {
            assertNotNull(read, name() + " options are read");
          } else {
            assertNull(read, "only the " + name() + " family is set: " + read);
          }
        }
      }
      assertRead(options);
    }

    private static JsonObject store(String role) {
      return new JsonObject().put("path", "/etc/" + role + ".store").put("password", role + "-password")
        .put("value", jsonForm(role + " store in memory")).put("alias", role + "-alias")
        .put("aliasPassword", role + "-alias-password");
    }

    private static void assertStore(String role, KeyStoreOptionsBase store) {
      assertEquals("/etc/" + role + ".store", store.getPath());
      assertEquals(role + "-password", store.getPassword());
      assertEquals(Buffer.buffer(role + " store in memory"), store.getValue());
      assertEquals(role + "-alias", store.getAlias());
      assertEquals(role + "-alias-password", store.getAliasPassword());
    }
  }

  /** Every key, each with a value other than its default, as a configuration file holds them. */
  private static JsonObject everyKey(TlsFamily tls) {
    return new JsonObject()
      .put("backend-name", "etcd")
      .put("endpoints", new JsonArray().add("https://10.0.0.1:2379").add("https://10.0.0.2:2379"))
      .put("prefix", "/team-a/services")
      .put("ttl", 4)
      .put("announceAddress", "team-a.announce")
      .put("eventsAddress", "team-a.events")
      .put("stateAddress", "team-a.state")
      .put("requestTimeout", 1234)
      .put("maxPendingWrites", 77)
      .put("maxRequestBytes", 4096)
      .put("caFile", "/etc/ca.pem")
      .put("certFile", "/etc/client.pem")
      .put("keyFile", "/etc/client-key.pem")
      .put("user", "alice")
      .put("password", "alice-secret")
      .put("imports", new JsonArray()
        .add(new JsonObject().put("prefix", "/legacy/services").put("format", "plain").put("service", "billing")
          .put("type", "http-endpoint"))
        .add(new JsonObject().put("prefix", "grpc/my-service").put("format", "grpc").put("service", "my-service")
          .put("type", "grpc")))
      .put("grpcExportPrefix", "grpc/exported")
      .put("services", new JsonArray().add("billing").add("search"))
      .put("onDemand", true)
      .put("drainTimeout", 2500)
      .put("zone", "eu-west-1a")
      .put("minZoneInstances", 3)
      .put("slowStartMillis", 9000)
      .put("outlierConsecutiveFailures", 7)
      .put("outlierEjectionMillis", 12000)
      .put("maxEjectedPercent", 20)
      .put("routingAddress", "team-a.routing")
      .put(tls.trustKey, tls.trust())
      .put(tls.keyCertKey, tls.keyCert());
  }

  /** Checks every getter against {@link #everyKey}. */
  private static void assertEveryKey(TlsFamily tls, EtcdBackendOptions options) {
    assertEquals(List.of("https://10.0.0.1:2379", "https://10.0.0.2:2379"), options.getEndpoints());
    assertEquals("/team-a/services", options.getPrefix());
    assertEquals(4, options.getTtl());
    assertEquals("team-a.announce", options.getAnnounceAddress());
    assertEquals("team-a.events", options.getEventsAddress());
    assertEquals("team-a.state", options.getStateAddress());
    assertEquals(1234L, options.getRequestTimeout());
    assertEquals(77, options.getMaxPendingWrites());
    assertEquals(4096, options.getMaxRequestBytes());
    assertEquals("/etc/ca.pem", options.getCaFile());
    assertEquals("/etc/client.pem", options.getCertFile());
    assertEquals("/etc/client-key.pem", options.getKeyFile());
    assertEquals("alice", options.getUser());
    assertEquals("alice-secret", options.getPassword());
    assertEquals(2, options.getImports().size());
    assertImport(options.getImports().get(0), "/legacy/services", EtcdImportOptions.Format.PLAIN, "billing",
      "http-endpoint");
    assertImport(options.getImports().get(1), "grpc/my-service", EtcdImportOptions.Format.GRPC, "my-service",
      "grpc");
    assertEquals("grpc/exported", options.getGrpcExportPrefix());
    assertEquals(List.of("billing", "search"), options.getServices());
    assertTrue(options.isOnDemand());
    assertEquals(2500L, options.getDrainTimeout());
    assertEquals("eu-west-1a", options.getZone());
    assertEquals(3, options.getMinZoneInstances());
    assertEquals(9000L, options.getSlowStartMillis());
    assertEquals(7, options.getOutlierConsecutiveFailures());
    assertEquals(12000L, options.getOutlierEjectionMillis());
    assertEquals(20, options.getMaxEjectedPercent());
    assertEquals("team-a.routing", options.getRoutingAddress());
    tls.assertOnlyThisFamily(options);
  }

  private static void assertImport(EtcdImportOptions imported, String prefix, EtcdImportOptions.Format format,
                                   String service, String type) {
    assertEquals(prefix, imported.getPrefix());
    assertEquals(format, imported.getFormat());
    assertEquals(service, imported.getService());
    assertEquals(type, imported.getType());
  }

  @ParameterizedTest
  @EnumSource(TlsFamily.class)
  void everyKeyIsReadWrittenAndCopied(TlsFamily tls) {
    EtcdBackendOptions read = new EtcdBackendOptions(everyKey(tls));
    assertEveryKey(tls, read);
    // Through the text of its JSON form, as a configuration file takes it.
    assertEveryKey(tls, new EtcdBackendOptions(new JsonObject(read.toJson().encode())));
    assertEveryKey(tls, new EtcdBackendOptions(read));
  }

  @Test
  void theRoundTripSetsEveryDocumentedKey() throws Exception {
    Set<String> documented = new HashSet<>();
    for (Field field : EtcdBackendOptions.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class
        && !field.getName().startsWith("DEFAULT_") && !field.getName().equals("BACKEND_NAME")) {
        documented.add((String) field.get(null));
      }
    }
    Set<String> covered = Arrays.stream(TlsFamily.values()).flatMap(tls -> everyKey(tls).fieldNames().stream())
      .filter(key -> !key.equals("backend-name")).collect(Collectors.toSet());
    assertEquals(documented, covered, "every configuration key is in the round trip");
  }

  @Test
  void defaultsAreThoseOfTheDesign() {
    EtcdBackendOptions options = new EtcdBackendOptions(new JsonObject().put("backend-name", "etcd"));
    assertEquals(List.of("http://127.0.0.1:2379"), options.getEndpoints());
    assertEquals("/vertx/discovery", options.getPrefix());
    assertEquals(10, options.getTtl());
    assertEquals("vertx.discovery.announce", options.getAnnounceAddress());
    assertEquals("vertx.discovery.etcd.events", options.getEventsAddress());
    assertEquals("vertx.discovery.etcd.state", options.getStateAddress());
    assertEquals(5000, options.getRequestTimeout());
    assertEquals(10_000, options.getMaxPendingWrites());
    assertEquals(1_572_864, options.getMaxRequestBytes());
    assertTrue(options.getImports().isEmpty());
    assertNull(options.getGrpcExportPrefix());
  }

  @Test
  void endpointsMayBeOneCommaSeparatedString() {
    EtcdBackendOptions options = new EtcdBackendOptions(new JsonObject()
      .put("endpoints", "http://a:2379, http://b:2379,,http://c:2379 "));
    assertEquals(List.of("http://a:2379", "http://b:2379", "http://c:2379"), options.getEndpoints());
  }

  @Test
  void numbersMayBeStrings() {
    EtcdBackendOptions options = new EtcdBackendOptions(new JsonObject().put("ttl", "7")
      .put("requestTimeout", " 1234 ").put("maxPendingWrites", "12").put("maxRequestBytes", "4096"));
    assertEquals(7, options.getTtl());
    assertEquals(1234L, options.getRequestTimeout());
    assertEquals(12, options.getMaxPendingWrites());
    assertEquals(4096, options.getMaxRequestBytes());
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', value = {
    "endpoints          | 5                         | 'endpoints' must be an array of strings, was Integer",
    "endpoints          | [1]                       | 'endpoints' must be an array of strings",
    "prefix             | 5                         | 'prefix' must be a string",
    "announceAddress    | true                      | 'announceAddress' must be a string",
    "eventsAddress      | {}                        | 'eventsAddress' must be a string",
    "stateAddress       | []                        | 'stateAddress' must be a string",
    "caFile             | 1                         | 'caFile' must be a string",
    "certFile           | 1                         | 'certFile' must be a string",
    "keyFile            | 1                         | 'keyFile' must be a string",
    "user               | 1                         | 'user' must be a string",
    "password           | 1                         | 'password' must be a string",
    "grpcExportPrefix   | 1                         | 'grpcExportPrefix' must be a string",
    "ttl                | []                        | 'ttl' must be an integer",
    "ttl                | \"soon\"                  | 'ttl' must be an integer, was \"soon\"",
    "ttl                | 1.5                       | 'ttl' must be an integer",
    "ttl                | 3000000000                | 'ttl' must be an integer",
    "maxPendingWrites   | \"many\"                  | 'maxPendingWrites' must be an integer",
    "maxRequestBytes    | false                     | 'maxRequestBytes' must be an integer",
    "requestTimeout     | \"5s\"                    | 'requestTimeout' must be an integer",
    "pemTrustOptions    | \"ca.pem\"                | 'pemTrustOptions' must be an object",
    "trustStoreOptions  | []                        | 'trustStoreOptions' must be an object",
    "pfxTrustOptions    | 1                         | 'pfxTrustOptions' must be an object",
    "pemKeyCertOptions  | \"client.pem\"            | 'pemKeyCertOptions' must be an object",
    "keyStoreOptions    | []                        | 'keyStoreOptions' must be an object",
    "pfxKeyCertOptions  | 1                         | 'pfxKeyCertOptions' must be an object",
    "imports            | \"/legacy\"               | 'imports' must be an array of objects",
    "imports            | [\"/legacy\"]             | 'imports' must be an array of objects",
    "imports            | [{\"prefix\": 1}]         | 'imports' entry 'prefix' must be a string",
    "imports            | [{\"format\": \"xml\"}]   | 'imports' entry 'format' must be \"plain\" or \"grpc\"",
  })
  void aValueOfTheWrongTypeIsRefusedNamingTheKey(String key, String json, String message) {
    assertRefused(key, json, message, EtcdBackendOptions::new);
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
    assertRefused(key, json, message, config -> new EtcdBackendOptions(config).validate());
  }

  /** Reads a configuration holding one key, expecting a refusal whose message names the key. */
  private static void assertRefused(String key, String json, String message, Consumer<JsonObject> read) {
    JsonObject config = new JsonObject().put(key, new JsonObject("{\"v\":" + json + "}").getValue("v"));
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> read.accept(config));
    assertTrue(error.getMessage().contains(message), error.getMessage());
  }

  @Test
  void trailingSlashOfThePrefixIsIgnored() {
    assertEquals("/a/b", new EtcdBackendOptions().setPrefix("/a/b//").normalizedPrefix());
  }

  /** @return how JSON holds a buffer of this text (base64), as a configuration file gives in-memory TLS material */
  private static String jsonForm(String text) {
    return new JsonObject().put("v", Buffer.buffer(text)).getString("v");
  }
}
