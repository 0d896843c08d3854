package org.vertxetcd.discovery.impl;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.vertxetcd.discovery.EtcdBackendOptions;

import javax.net.ssl.SSLException;
import java.io.File;

/**
 * Builds the TLS context of the etcd client from the PEM files of the options. Reading them when the options are
 * validated turns a wrong file into an error naming its key at start-up, rather than a connection that never works.
 */
public final class ClientTls {

  /** A TLS file that cannot be used; the message names the file, never what it holds. */
  public static final class UnusableFileException extends Exception {
    private final String key;

    UnusableFileException(String key, String message, Throwable cause) {
      super(message, cause);
      this.key = key;
    }

    /** @return the configuration key of the file */
    public String key() {
      return key;
    }
  }

  private ClientTls() {
  }

  /**
   * @param options options with https:// endpoints
   * @return the client's TLS context: trusting {@code caFile} (the JDK's CAs without it), presenting {@code certFile}
   *     and {@code keyFile} when set
   * @throws UnusableFileException when a file does not hold what its key needs
   */
  public static SslContext context(EtcdBackendOptions options) throws UnusableFileException {
    SslContextBuilder ssl;
    try {
      ssl = GrpcSslContexts.forClient();
    } catch (IllegalStateException e) {
      throw new UnusableFileException(EtcdBackendOptions.ENDPOINTS, "https:// needs ALPN, which this JVM lacks", e);
    }
    if (options.getCaFile() != null) {
      try {
        ssl.trustManager(new File(options.getCaFile()));
      } catch (IllegalArgumentException e) {
        throw unusable(EtcdBackendOptions.CA_FILE, options.getCaFile(), "PEM CA certificates", e);
      }
    }
    if (options.getCertFile() != null) {
      try {
        ssl.keyManager(new File(options.getCertFile()), new File(options.getKeyFile()));
      } catch (IllegalArgumentException e) {
        boolean key = String.valueOf(e.getMessage()).contains("private key");
        throw key ? unusable(EtcdBackendOptions.KEY_FILE, options.getKeyFile(), "an unencrypted PKCS#8 PEM private "
          + "key", e) : unusable(EtcdBackendOptions.CERT_FILE, options.getCertFile(), "a PEM certificate", e);
      }
    }
    try {
      return ssl.build();
    } catch (SSLException e) {
      throw new UnusableFileException(options.getCertFile() != null ? EtcdBackendOptions.CERT_FILE
        : EtcdBackendOptions.CA_FILE, "cannot be used for TLS: " + e.getMessage(), e);
    }
  }

  private static UnusableFileException unusable(String key, String file, String expected, Exception cause) {
    return new UnusableFileException(key, "'" + file + "' does not hold " + expected, cause);
  }
}
