package org.vertxetcd.discovery.impl;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;

/**
 * Builds the TLS context of the etcd client from Vert.x's TLS options ({@code caFile}, {@code certFile} and
 * {@code keyFile} are shorthands for PEM options). The files are read here, once, by the thread that builds the
 * client: never an event loop.
 */
public final class ClientTls {

  private ClientTls() {
  }

  /**
   * @param vertx   the application's Vert.x instance (resolves relative paths as Vert.x does)
   * @param options options with https:// endpoints
   * @return the client's TLS context: trusting the configured CAs (the JDK's without any), presenting the client
   *     certificate when one is configured
   * @throws EtcdDiscoveryException with reason {@link Reason#INVALID_CONFIGURATION}, naming the key, when a file or
   *                                key store does not hold what its key needs; messages never show what they hold
   */
  public static SslContext context(Vertx vertx, EtcdBackendOptions options) {
    SslContextBuilder ssl;
    try {
      ssl = GrpcSslContexts.forClient();
    } catch (IllegalStateException e) {
      throw unusable(EtcdBackendOptions.ENDPOINTS, "https:// needs ALPN, which this JVM lacks", e);
    }
    String trustKey = options.getCaFile() != null ? EtcdBackendOptions.CA_FILE : trustKey(options);
    TrustOptions trust = options.getCaFile() != null ? new PemTrustOptions().addCertPath(options.getCaFile())
      : options.getTrustOptions();
    if (trust != null) {
      try {
        ssl.trustManager(trust.getTrustManagerFactory(vertx));
      } catch (Exception e) {
        throw unusable(trustKey, "cannot be used to trust etcd's certificates: " + firstLine(e), e);
      }
    }
    String keyKey = options.getCertFile() != null ? EtcdBackendOptions.CERT_FILE + "/" + EtcdBackendOptions.KEY_FILE
      : keyCertKey(options);
    KeyCertOptions keyCert = options.getCertFile() != null ? new PemKeyCertOptions()
      .setCertPath(options.getCertFile()).setKeyPath(options.getKeyFile()) : options.getKeyCertOptions();
    if (keyCert != null) {
      try {
        ssl.keyManager(keyCert.getKeyManagerFactory(vertx));
      } catch (Exception e) {
        throw unusable(keyKey, "cannot be used as the client certificate and key: " + firstLine(e), e);
      }
    }
    try {
      return ssl.build();
    } catch (Exception e) {
      throw unusable(keyCert != null ? keyKey : trustKey, "cannot be used for TLS: " + firstLine(e), e);
    }
  }

  private static String trustKey(EtcdBackendOptions options) {
    return options.getPemTrustOptions() != null ? EtcdBackendOptions.PEM_TRUST_OPTIONS
      : options.getPfxTrustOptions() != null ? EtcdBackendOptions.PFX_TRUST_OPTIONS
      : EtcdBackendOptions.TRUST_STORE_OPTIONS;
  }

  private static String keyCertKey(EtcdBackendOptions options) {
    return options.getPemKeyCertOptions() != null ? EtcdBackendOptions.PEM_KEY_CERT_OPTIONS
      : options.getPfxKeyCertOptions() != null ? EtcdBackendOptions.PFX_KEY_CERT_OPTIONS
      : EtcdBackendOptions.KEY_STORE_OPTIONS;
  }

  /** The exceptions of key stores say what is wrong in their first line; PEM parsers may quote content after it. */
  private static String firstLine(Exception e) {
    Throwable shown = e.getCause() instanceof java.security.UnrecoverableKeyException ? e.getCause() : e;
    String message = shown.getMessage() == null ? shown.getClass().getSimpleName() : shown.getMessage();
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }

  private static EtcdDiscoveryException unusable(String key, String problem, Throwable cause) {
    return new EtcdDiscoveryException(Reason.INVALID_CONFIGURATION, "Invalid etcd discovery configuration: '" + key
      + "' " + problem, cause);
  }
}
