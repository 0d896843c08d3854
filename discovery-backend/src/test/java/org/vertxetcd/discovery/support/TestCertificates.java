package org.vertxetcd.discovery.support;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates for TLS tests, generated when the test starts: a certificate authority, a server certificate for
 * 127.0.0.1 and localhost signed by it, a client certificate signed by it, and an unrelated authority (the wrong CA).
 * PEM files (private keys unencrypted PKCS#8, plus the client's key encrypted), and the client's certificate and key
 * and the authority as JKS and PKCS#12 key stores. The files go when the JVM exits.
 */
public final class TestCertificates {

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final Path dir;

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  /**
   * @return freshly generated certificates in a new temporary directory
   */
  public static TestCertificates generate() {
    try {
      Path dir = Files.createTempDirectory("test-certificates");
      dir.toFile().deleteOnExit();
      KeyPair ca = keyPair();
      X509CertificateHolder caCert = certificate("CN=test CA", ca, "CN=test CA", ca.getPrivate(), true, null);
      write(dir.resolve("ca.pem"), caCert);
      KeyPair server = keyPair();
      write(dir.resolve("server.pem"), certificate("CN=etcd", server, "CN=test CA", ca.getPrivate(), false,
        KeyPurposeId.id_kp_serverAuth));
      write(dir.resolve("server-key.pem"), server.getPrivate());
      KeyPair client = keyPair();
      write(dir.resolve("client.pem"), certificate("CN=client", client, "CN=test CA", ca.getPrivate(), false,
        KeyPurposeId.id_kp_clientAuth));
      write(dir.resolve("client-key.pem"), client.getPrivate());
      write(dir.resolve("client-key-encrypted.pem"), new JcaPKCS8Generator(client.getPrivate(),
        new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setProvider(new BouncyCastleProvider())
          .setPassword("pass".toCharArray()).build()));
      X509Certificate clientCert = jca(certificate("CN=client", client, "CN=test CA", ca.getPrivate(), false,
        KeyPurposeId.id_kp_clientAuth));
      for (String type : List.of("JKS", "PKCS12")) {
        KeyStore keys = KeyStore.getInstance(type);
        keys.load(null, null);
        keys.setKeyEntry("client", client.getPrivate(), STORE_PASSWORD.toCharArray(),
          new Certificate[] {clientCert});
        store(keys, dir.resolve("client." + type.toLowerCase(Locale.ROOT)));
        KeyStore trust = KeyStore.getInstance(type);
        trust.load(null, null);
        trust.setCertificateEntry("ca", jca(caCert));
        store(trust, dir.resolve("ca." + type.toLowerCase(Locale.ROOT)));
      }
      KeyPair other = keyPair();
      write(dir.resolve("other-ca.pem"), certificate("CN=other CA", other, "CN=other CA", other.getPrivate(), true,
        null));
      return new TestCertificates(dir);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot generate test certificates", e);
    }
  }

  /** The password of every key store here. */
  public static final String STORE_PASSWORD = "store-secret";

  /**
   * @param type {@code JKS} or {@code PKCS12}
   * @return a key store of that type holding the client certificate and its key, protected by
   *     {@link #STORE_PASSWORD}
   */
  public String clientKeyStore(String type) {
    return dir.resolve("client." + type.toLowerCase(Locale.ROOT)).toString();
  }

  /**
   * @param type {@code JKS} or {@code PKCS12}
   * @return a key store of that type holding the certificate authority, protected by {@link #STORE_PASSWORD}
   */
  public String trustStore(String type) {
    return dir.resolve("ca." + type.toLowerCase(Locale.ROOT)).toString();
  }

  /** @return the certificate authority that signed the server and client certificates */
  public String ca() {
    return dir.resolve("ca.pem").toString();
  }

  /** @return an authority that signed nothing here */
  public String otherCa() {
    return dir.resolve("other-ca.pem").toString();
  }

  /** @return the server certificate, for 127.0.0.1 and localhost */
  public String server() {
    return dir.resolve("server.pem").toString();
  }

  /** @return the server's private key */
  public String serverKey() {
    return dir.resolve("server-key.pem").toString();
  }

  /** @return the client certificate */
  public String client() {
    return dir.resolve("client.pem").toString();
  }

  /** @return the client's private key */
  public String clientKey() {
    return dir.resolve("client-key.pem").toString();
  }

  /** @return the client's private key, encrypted with a password */
  public String encryptedClientKey() {
    return dir.resolve("client-key-encrypted.pem").toString();
  }

  private static KeyPair keyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static X509CertificateHolder certificate(String subject, KeyPair keys, String issuer, PrivateKey signer,
                                                   boolean authority, KeyPurposeId purpose) throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer),
      BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
      Date.from(now.plus(Duration.ofDays(2))), new X500Name(subject), keys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(authority));
    if (authority) {
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    }
    return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer));
  }

  private static X509Certificate jca(X509CertificateHolder holder) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(holder);
  }

  private static void store(KeyStore store, Path file) throws Exception {
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, STORE_PASSWORD.toCharArray());
    }
    file.toFile().deleteOnExit();
  }

  private static void write(Path file, Object pem) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(pem instanceof PrivateKey ? new JcaPKCS8Generator((PrivateKey) pem, null) : pem);
    }
    Files.writeString(file, text.toString());
    file.toFile().deleteOnExit();
  }
}
