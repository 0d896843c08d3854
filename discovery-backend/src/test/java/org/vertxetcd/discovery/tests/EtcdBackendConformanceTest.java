package org.vertxetcd.discovery.tests;

import io.vertx.servicediscovery.spi.ServiceDiscoveryBackend;
import io.vertx.servicediscovery.spi.ServiceDiscoveryBackendTest;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.launcher.EtcdCluster;
import org.vertxetcd.launcher.EtcdExtension;

import java.io.IOException;

/**
 * Vert.x's own conformance suite for discovery backends (JUnit 4, from vertx-service-discovery's test jar), run
 * against a real etcd. Each test gets a Vert.x instance and a key prefix of its own.
 */
public class EtcdBackendConformanceTest extends ServiceDiscoveryBackendTest {

  private static EtcdCluster etcd;

  @BeforeClass
  public static void startEtcd() throws IOException {
    etcd = EtcdCluster.builder().build().start();
  }

  @AfterClass
  public static void stopEtcd() {
    etcd.close();
  }

  @Override
  protected ServiceDiscoveryBackend createBackend() {
    EtcdBackendService backend = new EtcdBackendService();
    backend.init(vertx, new EtcdBackendOptions()
      .setEndpoints(etcd.endpoints())
      .setPrefix(EtcdExtension.newPrefix()));
    return backend;
  }
}
