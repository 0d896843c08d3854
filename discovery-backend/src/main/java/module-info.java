/**
 * The etcd backend for Vert.x service discovery. Only {@code org.vertxetcd.discovery} is exported: everything in
 * its {@code impl} packages may change in any release.
 */
module org.vertxetcd.discovery {
  requires static io.vertx.codegen.api;
  requires static io.vertx.codegen.json;
  requires static io.vertx.metrics.micrometer;
  requires static micrometer.core;
  requires static io.vertx.healthcheck;

  requires transitive io.vertx.core;
  requires transitive vertx.service.discovery;
  requires jetcd.core;
  requires jetcd.common;
  requires io.grpc;
  requires io.grpc.netty;
  requires io.netty.handler;
  requires com.fasterxml.jackson.core;
  requires org.slf4j;

  exports org.vertxetcd.discovery;

  provides io.vertx.servicediscovery.spi.ServiceDiscoveryBackend with org.vertxetcd.discovery.EtcdBackendService;
}
