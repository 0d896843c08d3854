package org.vertxetcd.discovery;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.impl.OptionsReader;

import org.vertxetcd.discovery.impl.ClientTls;
import org.vertxetcd.discovery.impl.KeyLayout;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Configuration of the etcd service-discovery backend, read from the {@code backendConfiguration} of
 * {@link io.vertx.servicediscovery.ServiceDiscoveryOptions}.
 * <p>
 * Every key of the JSON form is documented on its setter and in the README's configuration table. Two
 * {@code ServiceDiscovery} instances created on the same Vert.x instance with equal options share one etcd client,
 * one lease and one watch.
 */
@DataObject
public class EtcdBackendOptions {

  /** The name under which this backend registers itself: {@value}. */
  public static final String BACKEND_NAME = "etcd";

  /** Default etcd client URL: {@code http://127.0.0.1:2379}. */
  public static final List<String> DEFAULT_ENDPOINTS = List.of("http://127.0.0.1:2379");

  /** Default root of the registry's keys: {@value}. */
  public static final String DEFAULT_PREFIX = "/vertx/discovery";

  /** Default lease TTL in seconds: {@value}. */
  public static final int DEFAULT_TTL = 10;

  /** Default address of Vert.x's own announcements: {@value}. */
  public static final String DEFAULT_ANNOUNCE_ADDRESS = "vertx.discovery.announce";

  /** Default address of the typed change events: {@value}. */
  public static final String DEFAULT_EVENTS_ADDRESS = "vertx.discovery.etcd.events";

  /** Default address of the registry's state changes (lease lost and restored, view stale and fresh): {@value}. */
  public static final String DEFAULT_STATE_ADDRESS = "vertx.discovery.etcd.state";

  /** Default time in milliseconds an etcd request may take before it fails: {@value}. */
  public static final long DEFAULT_REQUEST_TIMEOUT = 5_000;

  /** Default largest number of writes in progress at once: {@value}. */
  public static final int DEFAULT_MAX_PENDING_WRITES = 10_000;

  /** Default largest request etcd accepts, in bytes (etcd's {@code --max-request-bytes} default): {@value}. */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 1_572_864;

  /** Configuration key: etcd client URLs. */
  public static final String ENDPOINTS = "endpoints";
  /** Configuration key: root of the registry's keys. */
  public static final String PREFIX = "prefix";
  /** Configuration key: lease TTL in seconds. */
  public static final String TTL = "ttl";
  /** Configuration key: event-bus address of Vert.x-format announcements. */
  public static final String ANNOUNCE_ADDRESS = "announceAddress";
  /** Configuration key: event-bus address of typed change events. */
  public static final String EVENTS_ADDRESS = "eventsAddress";
  /** Configuration key: event-bus address of registry state changes. */
  public static final String STATE_ADDRESS = "stateAddress";
  /** Configuration key: milliseconds an operation may wait for etcd. */
  public static final String REQUEST_TIMEOUT = "requestTimeout";
  /** Configuration key: largest number of writes in progress at once. */
  public static final String MAX_PENDING_WRITES = "maxPendingWrites";
  /** Configuration key: largest request etcd accepts. */
  public static final String MAX_REQUEST_BYTES = "maxRequestBytes";
  /** Configuration key: PEM file of the CA certificates that sign etcd's server certificates. */
  public static final String CA_FILE = "caFile";
  /** Configuration key: PEM file of the client certificate, for mutual TLS. */
  public static final String CERT_FILE = "certFile";
  /** Configuration key: PEM file of the client's unencrypted PKCS#8 private key, for mutual TLS. */
  public static final String KEY_FILE = "keyFile";
  /** Configuration key: etcd user name. */
  public static final String USER = "user";
  /** Configuration key: etcd password. */
  public static final String PASSWORD = "password";
  /** Key of the ranges of non-Vert.x registrations to import. */
  public static final String IMPORTS = "imports";
  /** Key of the prefix this node's records are exported under for gRPC clients. */
  public static final String GRPC_EXPORT_PREFIX = "grpcExportPrefix";

  private static final String HIDDEN = "********";

  /** Keys of the JSON form, plus the key Vert.x uses to select the backend. */
  private static final List<String> KNOWN_KEYS = List.of("backend-name", ENDPOINTS, PREFIX, TTL, ANNOUNCE_ADDRESS,
    EVENTS_ADDRESS, STATE_ADDRESS, REQUEST_TIMEOUT, MAX_PENDING_WRITES, MAX_REQUEST_BYTES, CA_FILE, CERT_FILE, KEY_FILE, USER, PASSWORD, IMPORTS,
    GRPC_EXPORT_PREFIX);

  private List<String> endpoints;
  private String prefix;
  private int ttl;
  private String announceAddress;
  private String eventsAddress;
  private String stateAddress;
  private long requestTimeout;
  private int maxPendingWrites;
  private int maxRequestBytes;
  private String caFile;
  private String certFile;
  private String keyFile;
  private String user;
  private String password;
  private List<EtcdImportOptions> imports;
  private String grpcExportPrefix;

  /**
   * Creates options with every default.
   */
  public EtcdBackendOptions() {
    endpoints = new ArrayList<>(DEFAULT_ENDPOINTS);
    prefix = DEFAULT_PREFIX;
    ttl = DEFAULT_TTL;
    announceAddress = DEFAULT_ANNOUNCE_ADDRESS;
    eventsAddress = DEFAULT_EVENTS_ADDRESS;
    stateAddress = DEFAULT_STATE_ADDRESS;
    requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    maxPendingWrites = DEFAULT_MAX_PENDING_WRITES;
    maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    imports = new ArrayList<>();
  }

  /**
   * Copy constructor.
   *
   * @param other the options to copy
   */
  public EtcdBackendOptions(EtcdBackendOptions other) {
    endpoints = new ArrayList<>(other.endpoints);
    prefix = other.prefix;
    ttl = other.ttl;
    announceAddress = other.announceAddress;
    eventsAddress = other.eventsAddress;
    stateAddress = other.stateAddress;
    requestTimeout = other.requestTimeout;
    maxPendingWrites = other.maxPendingWrites;
    maxRequestBytes = other.maxRequestBytes;
    caFile = other.caFile;
    certFile = other.certFile;
    keyFile = other.keyFile;
    user = other.user;
    password = other.password;
    imports = new ArrayList<>();
    other.imports.forEach(this::addImport);
    grpcExportPrefix = other.grpcExportPrefix;
  }

  /**
   * Reads options from their JSON form (the {@code backendConfiguration}); missing keys keep their default.
   *
   * @param json the JSON form, may be {@code null}
   * @throws IllegalArgumentException when a key holds a value of the wrong type; the message names the key
   */
  public EtcdBackendOptions(JsonObject json) {
    this();
    OptionsReader reader = new OptionsReader(json == null ? new JsonObject() : json, KNOWN_KEYS);
    reader.stringList(ENDPOINTS).ifPresent(this::setEndpoints);
    reader.string(PREFIX).ifPresent(this::setPrefix);
    reader.integer(TTL).ifPresent(this::setTtl);
    reader.string(ANNOUNCE_ADDRESS).ifPresent(this::setAnnounceAddress);
    reader.string(EVENTS_ADDRESS).ifPresent(this::setEventsAddress);
    reader.string(STATE_ADDRESS).ifPresent(this::setStateAddress);
    reader.longValue(REQUEST_TIMEOUT).ifPresent(this::setRequestTimeout);
    reader.integer(MAX_PENDING_WRITES).ifPresent(this::setMaxPendingWrites);
    reader.integer(MAX_REQUEST_BYTES).ifPresent(this::setMaxRequestBytes);
    reader.string(CA_FILE).ifPresent(this::setCaFile);
    reader.string(CERT_FILE).ifPresent(this::setCertFile);
    reader.string(KEY_FILE).ifPresent(this::setKeyFile);
    reader.string(USER).ifPresent(this::setUser);
    reader.string(PASSWORD).ifPresent(this::setPassword);
    reader.objectList(IMPORTS).ifPresent(list -> list.forEach(entry -> addImport(new EtcdImportOptions(entry))));
    reader.string(GRPC_EXPORT_PREFIX).ifPresent(this::setGrpcExportPrefix);
  }

  /**
   * Builds the JSON form of these options; {@code new EtcdBackendOptions(options.toJson())} equals {@code options}.
   * It holds the password: to show options, use {@link #toDisplayJson()}.
   *
   * @return the JSON form
   */
  public JsonObject toJson() {
    return toDisplayJson().put(PASSWORD, password);
  }

  /**
   * @return the JSON form for logs and screens: the password, when set, is replaced by {@code ********}
   */
  public JsonObject toDisplayJson() {
    JsonObject json = new JsonObject()
      .put(ENDPOINTS, new JsonArray(new ArrayList<>(endpoints)))
      .put(PREFIX, prefix)
      .put(TTL, ttl)
      .put(ANNOUNCE_ADDRESS, announceAddress)
      .put(EVENTS_ADDRESS, eventsAddress)
      .put(STATE_ADDRESS, stateAddress)
      .put(REQUEST_TIMEOUT, requestTimeout)
      .put(MAX_PENDING_WRITES, maxPendingWrites)
      .put(MAX_REQUEST_BYTES, maxRequestBytes);
    putIfSet(json, CA_FILE, caFile);
    putIfSet(json, CERT_FILE, certFile);
    putIfSet(json, KEY_FILE, keyFile);
    putIfSet(json, USER, user);
    putIfSet(json, PASSWORD, password == null ? null : HIDDEN);
    if (!imports.isEmpty()) {
      json.put(IMPORTS, new JsonArray(imports.stream().map(EtcdImportOptions::toJson).collect(Collectors.toList())));
    }
    putIfSet(json, GRPC_EXPORT_PREFIX, grpcExportPrefix);
    return json;
  }

  private static void putIfSet(JsonObject json, String key, String value) {
    if (value != null) {
      json.put(key, value);
    }
  }

  /**
   * Checks that these options describe a usable registry.
   *
   * @return these options
   * @throws IllegalArgumentException naming the first invalid key and what is wrong with it
   */
  public EtcdBackendOptions validate() {
    if (endpoints == null || endpoints.isEmpty()) {
      throw invalid(ENDPOINTS, "at least one etcd endpoint is required, e.g. [\"http://127.0.0.1:2379\"]");
    }
    endpoints.forEach(EtcdBackendOptions::validateEndpoint);
    if (prefix == null || prefix.isBlank() || normalizedPrefix().isEmpty()) {
      throw invalid(PREFIX, "must not be empty (the registry needs its own root, e.g. \"/vertx/discovery\")");
    }
    if (ttl < 1) {
      throw invalid(TTL, "must be at least 1 second, was " + ttl);
    }
    requireAddress(ANNOUNCE_ADDRESS, announceAddress);
    requireAddress(EVENTS_ADDRESS, eventsAddress);
    requireAddress(STATE_ADDRESS, stateAddress);
    if (requestTimeout < 1) {
      throw invalid(REQUEST_TIMEOUT, "must be at least 1 millisecond, was " + requestTimeout);
    }
    if (maxPendingWrites < 1) {
      throw invalid(MAX_PENDING_WRITES, "must be at least 1, was " + maxPendingWrites);
    }
    if (maxRequestBytes < 1024) {
      throw invalid(MAX_REQUEST_BYTES, "must be at least 1024 bytes, was " + maxRequestBytes);
    }
    validateSecurity();
    validateInterop();
    return this;
  }

  /** Imported and exported ranges must stay apart from the registry and each other: each key has one meaning. */
  private void validateInterop() {
    List<String> ranges = new ArrayList<>();
    ranges.add(normalizedPrefix() + "/");
    for (EtcdImportOptions imported : imports) {
      String importPrefix = imported.normalizedPrefix();
      if (importPrefix.isEmpty()) {
        throw invalid(IMPORTS, "entry " + imported.toJson().encode() + " needs a non-empty '"
          + EtcdImportOptions.PREFIX + "'");
      }
      if (imported.getService() != null && imported.getService().isEmpty()) {
        throw invalid(IMPORTS, "entry " + imported.toJson().encode() + " has an empty '"
          + EtcdImportOptions.SERVICE + "'");
      }
      requireApart(IMPORTS, importPrefix + "/", ranges);
      ranges.add(importPrefix + "/");
    }
    if (grpcExportPrefix != null) {
      String exportPrefix = normalizedGrpcExportPrefix();
      if (exportPrefix.isEmpty()) {
        throw invalid(GRPC_EXPORT_PREFIX, "must not be empty when set");
      }
      requireApart(GRPC_EXPORT_PREFIX, exportPrefix + "/", ranges);
    }
  }

  private static void requireApart(String key, String range, List<String> others) {
    for (String other : others) {
      if (range.startsWith(other) || other.startsWith(range)) {
        throw invalid(key, "'" + range + "' overlaps '" + other + "': the registry, each import and the export "
          + "need key ranges of their own");
      }
    }
  }

  private void validateSecurity() {
    long secure = endpoints.stream().filter(endpoint -> endpoint.trim().startsWith("https://")).count();
    if (secure != 0 && secure != endpoints.size()) {
      throw invalid(ENDPOINTS, "mixes http:// and https:// URLs: TLS is for all members or none");
    }
    if (secure == 0 && (caFile != null || certFile != null || keyFile != null)) {
      throw invalid(caFile != null ? CA_FILE : certFile != null ? CERT_FILE : KEY_FILE,
        "is set but the endpoints are http:// URLs; use https:// endpoints for TLS");
    }
    if ((certFile == null) != (keyFile == null)) {
      throw invalid(certFile == null ? CERT_FILE : KEY_FILE, "is needed too: mutual TLS takes both "
        + CERT_FILE + " and " + KEY_FILE);
    }
    requireReadable(CA_FILE, caFile);
    requireReadable(CERT_FILE, certFile);
    requireReadable(KEY_FILE, keyFile);
    if (secure != 0) {
      try {
        ClientTls.context(this);
      } catch (ClientTls.UnusableFileException e) {
        throw invalid(e.key(), e.getMessage());
      }
    }
    if ((user == null) != (password == null)) {
      throw invalid(user == null ? USER : PASSWORD, "is needed too: etcd authentication takes both " + USER
        + " and " + PASSWORD);
    }
    if (user != null && user.isBlank()) {
      throw invalid(USER, "must not be empty");
    }
  }

  private static void requireReadable(String key, String file) {
    if (file != null && !Files.isReadable(Paths.get(file))) {
      throw invalid(key, "'" + file + "' is not a readable file");
    }
  }

  private static void validateEndpoint(String endpoint) {
    URI uri;
    try {
      uri = endpoint == null ? null : new URI(endpoint.trim());
    } catch (Exception e) {
      uri = null;
    }
    boolean http = uri != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()));
    if (!http || uri.getHost() == null || uri.getPort() < 1) {
      throw invalid(ENDPOINTS, "'" + endpoint + "' is not an etcd client URL of the form http://host:port or "
        + "https://host:port");
    }
  }

  private static void requireAddress(String key, String address) {
    if (address == null || address.isBlank()) {
      throw invalid(key, "must not be empty");
    }
  }

  private static IllegalArgumentException invalid(String key, String problem) {
    return new IllegalArgumentException("Invalid etcd discovery configuration: '" + key + "' " + problem);
  }

  /**
   * @return the etcd client URLs
   */
  public List<String> getEndpoints() {
    return endpoints;
  }

  /**
   * Sets the etcd client URLs ({@code endpoints}, default {@code ["http://127.0.0.1:2379"]}); give every member of a
   * cluster so the client can fail over. In JSON this is an array of strings or one comma-separated string.
   *
   * @param endpoints the URLs, each {@code http://host:port} or {@code https://host:port}
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setEndpoints(List<String> endpoints) {
    this.endpoints = endpoints == null ? null : new ArrayList<>(endpoints);
    return this;
  }

  /**
   * Adds one etcd client URL.
   *
   * @param endpoint the URL, {@code http://host:port} or {@code https://host:port}
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions addEndpoint(String endpoint) {
    if (endpoints == null) {
      endpoints = new ArrayList<>();
    }
    endpoints.add(endpoint);
    return this;
  }

  /**
   * @return the root of this registry's keys, as configured
   */
  public String getPrefix() {
    return prefix;
  }

  /**
   * Sets the root of this registry's keys ({@code prefix}, default {@value #DEFAULT_PREFIX}). Records are stored at
   * {@code {prefix}/{URL-encoded name}/{registration}}; distinct prefixes are distinct registries. A trailing
   * {@code /} is ignored.
   *
   * @param prefix the key prefix
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setPrefix(String prefix) {
    this.prefix = prefix;
    return this;
  }

  /**
   * @return the prefix without trailing slashes, as used to build keys
   */
  public String normalizedPrefix() {
    return KeyLayout.withoutTrailingSlashes(prefix);
  }

  /**
   * @return the lease TTL in seconds
   */
  public int getTtl() {
    return ttl;
  }

  /**
   * Sets the TTL of this node's lease in seconds ({@code ttl}, default {@value #DEFAULT_TTL}): when this node stops
   * sending keep-alives (crash, network cut), etcd deletes its records after this long. etcd raises values under its
   * minimum (2 s by default).
   *
   * @param ttl the TTL in seconds, at least 1
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setTtl(int ttl) {
    this.ttl = ttl;
    return this;
  }

  /**
   * @return the address where remote changes are announced in Vert.x's own format
   */
  public String getAnnounceAddress() {
    return announceAddress;
  }

  /**
   * Sets where changes made by other nodes and expirations are announced in the format of Vert.x's
   * {@code ServiceDiscovery} ({@code announceAddress}, default {@value #DEFAULT_ANNOUNCE_ADDRESS}); keep it equal to
   * {@code ServiceDiscoveryOptions.getAnnounceAddress()}.
   *
   * @param announceAddress the event-bus address
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setAnnounceAddress(String announceAddress) {
    this.announceAddress = announceAddress;
    return this;
  }

  /**
   * @return the address where typed change events are published
   */
  public String getEventsAddress() {
    return eventsAddress;
  }

  /**
   * Sets where typed change events ({@link RegistryEvent}) are published, local-only
   * ({@code eventsAddress}, default {@value #DEFAULT_EVENTS_ADDRESS}).
   *
   * @param eventsAddress the event-bus address
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setEventsAddress(String eventsAddress) {
    this.eventsAddress = eventsAddress;
    return this;
  }

  /**
   * @return the address where the registry's state changes are published
   */
  public String getStateAddress() {
    return stateAddress;
  }

  /**
   * Sets where the registry publishes its state changes, local-only ({@code stateAddress}, default
   * {@value #DEFAULT_STATE_ADDRESS}): lease lost, unconfirmed, confirmed and restored; view stale and fresh. Each
   * message is {@code {"change":"LEASE_LOST","reason":"...","health":{...}}} (see {@link RegistryHealth}).
   *
   * @param stateAddress the event-bus address
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setStateAddress(String stateAddress) {
    this.stateAddress = stateAddress;
    return this;
  }

  /**
   * @return the time in milliseconds an etcd request may take
   */
  public long getRequestTimeout() {
    return requestTimeout;
  }

  /**
   * Sets how long, in milliseconds, one operation may wait for etcd before it fails ({@code requestTimeout}, default
   * {@value #DEFAULT_REQUEST_TIMEOUT}). It bounds writes, the wait of the first lookup for the initial sync and the
   * lease revocation on close.
   *
   * @param requestTimeout the timeout in milliseconds, at least 1
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setRequestTimeout(long requestTimeout) {
    this.requestTimeout = requestTimeout;
    return this;
  }

  /**
   * @return the largest number of writes in progress at once
   */
  public int getMaxPendingWrites() {
    return maxPendingWrites;
  }

  /**
   * Sets how many writes ({@code store}, {@code update}, {@code remove}) may be in progress at once
   * ({@code maxPendingWrites}, default {@value #DEFAULT_MAX_PENDING_WRITES}). While etcd is slow or unreachable,
   * writes beyond it fail at once with {@code OVERLOADED} instead of queueing without bound.
   *
   * @param maxPendingWrites the limit, at least 1
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setMaxPendingWrites(int maxPendingWrites) {
    this.maxPendingWrites = maxPendingWrites;
    return this;
  }

  /**
   * @return the largest request etcd accepts, in bytes
   */
  public int getMaxRequestBytes() {
    return maxRequestBytes;
  }

  /**
   * Sets the largest request the etcd cluster accepts, in bytes ({@code maxRequestBytes}, default
   * {@value #DEFAULT_MAX_REQUEST_BYTES}, etcd's default); keep it equal to the cluster's {@code --max-request-bytes}.
   * Records whose key and JSON exceed it are refused before they are sent.
   *
   * @param maxRequestBytes the limit in bytes
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setMaxRequestBytes(int maxRequestBytes) {
    this.maxRequestBytes = maxRequestBytes;
    return this;
  }

  /**
   * @return the PEM file of the certificate authorities trusted for etcd's server certificates, {@code null} for
   *     the JVM's default trust store
   */
  public String getCaFile() {
    return caFile;
  }

  /**
   * Sets the PEM file of the certificate authorities to trust for etcd's server certificates ({@code caFile});
   * without it, TLS trusts the JVM's default certificate authorities. Needs {@code https://} endpoints.
   *
   * @param caFile the PEM file path
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setCaFile(String caFile) {
    this.caFile = caFile;
    return this;
  }

  /**
   * @return the PEM file of this client's certificate chain, for mutual TLS
   */
  public String getCertFile() {
    return certFile;
  }

  /**
   * Sets the PEM file of the client certificate chain this node presents to etcd ({@code certFile}), for mutual TLS
   * ({@code --client-cert-auth}). Goes with {@code keyFile}.
   *
   * @param certFile the PEM file path
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setCertFile(String certFile) {
    this.certFile = certFile;
    return this;
  }

  /**
   * @return the PEM file of this client's private key, for mutual TLS
   */
  public String getKeyFile() {
    return keyFile;
  }

  /**
   * Sets the PEM file of the client's private key, unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----},
   * {@code keyFile}). Goes with {@code certFile}. Its content is never logged.
   *
   * @param keyFile the PEM file path
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setKeyFile(String keyFile) {
    this.keyFile = keyFile;
    return this;
  }

  /**
   * @return the etcd user name, {@code null} without authentication
   */
  public String getUser() {
    return user;
  }

  /**
   * Sets the etcd user this node authenticates as ({@code user}); goes with {@code password}. Its roles decide which
   * prefixes it may read and write.
   *
   * @param user the user name
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setUser(String user) {
    this.user = user;
    return this;
  }

  /**
   * @return the etcd password, {@code null} without authentication
   */
  public String getPassword() {
    return password;
  }

  /**
   * Sets the etcd password of {@code user} ({@code password}). It never appears in logs, error messages,
   * {@link #toString()} or {@link #toDisplayJson()}.
   *
   * @param password the password
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setPassword(String password) {
    this.password = password;
    return this;
  }

  /** @return the imported ranges of non-Vert.x registrations */
  public List<EtcdImportOptions> getImports() {
    return imports;
  }

  /**
   * Sets the ranges of etcd keys where services that are not Vert.x register ({@code imports}, none by default).
   * Their instances become read-only records: in lookups, events and the address resolver like any other.
   *
   * @param imports the imports
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setImports(List<EtcdImportOptions> imports) {
    this.imports = new ArrayList<>();
    if (imports != null) {
      imports.forEach(this::addImport);
    }
    return this;
  }

  /**
   * Adds one imported range.
   *
   * @param imported the import
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions addImport(EtcdImportOptions imported) {
    imports.add(new EtcdImportOptions(imported));
    return this;
  }

  /** @return the prefix this node's records are exported under for gRPC clients, {@code null} when not exported */
  public String getGrpcExportPrefix() {
    return grpcExportPrefix;
  }

  /**
   * Exports this node's records that have a host and port ({@code grpcExportPrefix}, unset by default) in the
   * format of etcd's gRPC endpoints manager: record {@code r} of service {@code s} is written at
   * {@code {grpcExportPrefix}/{s}/{r.registration}}, bound to this node's lease, so a gRPC client dialing
   * {@code etcd:///{grpcExportPrefix}/{s}} with etcd's resolver finds the instance.
   *
   * @param grpcExportPrefix the prefix, e.g. {@code services}
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdBackendOptions setGrpcExportPrefix(String grpcExportPrefix) {
    this.grpcExportPrefix = grpcExportPrefix;
    return this;
  }

  /** @return the gRPC export prefix without trailing slashes, {@code null} when not exported */
  public String normalizedGrpcExportPrefix() {
    return grpcExportPrefix == null ? null : KeyLayout.withoutTrailingSlashes(grpcExportPrefix.trim());
  }

  /** @return whether the endpoints use TLS */
  public boolean isTls() {
    return endpoints != null && !endpoints.isEmpty() && endpoints.get(0).trim().startsWith("https://");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EtcdBackendOptions && toJson().equals(((EtcdBackendOptions) o).toJson());
  }

  @Override
  public int hashCode() {
    return Objects.hash(toJson());
  }

  @Override
  public String toString() {
    return "EtcdBackendOptions" + toDisplayJson().encode();
  }
}
