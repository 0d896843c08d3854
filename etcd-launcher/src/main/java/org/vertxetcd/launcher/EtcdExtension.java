package org.vertxetcd.launcher;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Starts real etcd processes for a test class and stops them when it ends, also when it fails:
 * <pre>
 * &#64;RegisterExtension
 * static EtcdExtension etcd = EtcdExtension.members(3);
 * </pre>
 * Each test takes a fresh key prefix from {@link #newPrefix()}, so tests never see each other's records.
 */
public final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {

  private final int members;
  private final UnaryOperator<EtcdCluster.Builder> customizer;
  private EtcdCluster cluster;

  private EtcdExtension(int members, UnaryOperator<EtcdCluster.Builder> customizer) {
    this.members = members;
    this.customizer = customizer;
  }

  /**
   * @param members the number of members
   * @return an extension starting a cluster of that size
   */
  public static EtcdExtension members(int members) {
    return new EtcdExtension(members, builder -> builder);
  }

  /**
   * @param members    the number of members
   * @param customizer adjusts the cluster (TLS flags, timings)
   * @return an extension starting a customised cluster of that size
   */
  public static EtcdExtension members(int members, UnaryOperator<EtcdCluster.Builder> customizer) {
    return new EtcdExtension(members, customizer);
  }

  /**
   * Starts the cluster before the class's first test.
   *
   * @param context the test class's context
   * @throws Exception when etcd cannot start
   */
  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    cluster = customizer.apply(EtcdCluster.builder().members(members)).build().start();
  }

  /**
   * Stops every process of the cluster and deletes its data.
   *
   * @param context the test class's context
   */
  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** @return the running cluster */
  public EtcdCluster cluster() {
    return cluster;
  }

  /** @return the client URLs of every member */
  public List<String> endpoints() {
    return cluster.endpoints();
  }

  /** @return a key prefix no other test uses */
  public static String newPrefix() {
    return "/test/" + UUID.randomUUID();
  }

  /**
   * @param args etcdctl command and arguments
   * @return its standard output
   */
  public String etcdctl(String... args) {
    return cluster.etcdctl(args);
  }
}
