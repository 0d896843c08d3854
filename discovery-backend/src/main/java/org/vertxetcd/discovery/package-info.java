/**
 * An etcd backend for Vert.x service discovery: {@link org.vertxetcd.discovery.EtcdBackendService} (selected with
 * {@code "backend-name": "etcd"}), its options {@link org.vertxetcd.discovery.EtcdBackendOptions}, direct access to
 * the registry ({@link org.vertxetcd.discovery.EtcdRegistry}: lookups by name, snapshots, subscriptions, health), its
 * change events ({@link org.vertxetcd.discovery.RegistryEvent}) and an address resolver for Vert.x clients
 * ({@link org.vertxetcd.discovery.EtcdAddressResolver}).
 */
@ModuleGen(name = "vertx-etcd-discovery", groupPackage = "org.vertxetcd")
package org.vertxetcd.discovery;

import io.vertx.codegen.annotations.ModuleGen;
