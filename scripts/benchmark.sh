#!/usr/bin/env bash
# Runs the benchmark harness: installs etcd and Redis from Debian's packages when missing, builds, then starts its
# own etcd and Redis and prints the table BENCHMARKS.md reports (also written to discovery-backend/target/benchmark.md).
# scripts/benchmark.sh --size tiny runs every workload in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-packages.sh etcd:etcd-server etcdctl:etcd-client redis-server:redis-server

# -am builds the etcd launcher too; in the same run its classes stand on the class path as target/classes.
mvn -B -q -pl discovery-backend -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/benchmark.classpath
cd discovery-backend
exec java -Xmx3g -XX:+UseG1GC -cp "target/test-classes:target/classes:$(cat target/benchmark.classpath)" \
  org.vertxetcd.discovery.benchmark.Benchmark "$@"
