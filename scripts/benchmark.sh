#!/usr/bin/env bash
# Runs the benchmark harness: installs etcd, Redis and ZooKeeper from Debian's packages when missing, builds, then
# starts its own servers and prints the table BENCHMARKS.md reports (also written to
# discovery-backend/target/benchmark.md).
#
#   scripts/benchmark.sh                 the full run (about 15 minutes on 2 cores)
#   scripts/benchmark.sh --size tiny     every workload in seconds (what BenchmarkTest runs)
#   scripts/benchmark.sh --size large    the full run, plus a registry of a million records and more nodes
#   scripts/benchmark.sh --only lookup,nodes
#                                        some workloads: propagation, failure, registration, scale, scoped, million
#                                        (large only), metrics, nodes, proxy, routing, lookup
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
  exit 0
fi

# zkServer.sh stands for Debian's zookeeper package (the harness runs its jar with a configuration of its own).
PATH="$PATH:/usr/share/zookeeper/bin" scripts/install-packages.sh etcd:etcd-server etcdctl:etcd-client \
  redis-server:redis-server zkServer.sh:zookeeper

# -am builds the etcd launcher too; in the same run its classes stand on the class path as target/classes. Plain
# output: Maven 3.8's Jansi writes colour resets (ESC[0m) even in batch mode, unless told not to.
MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -q -Dstyle.color=never -pl discovery-backend -am \
  test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/benchmark.classpath
cd discovery-backend
exec java -Xmx3g -XX:+UseG1GC -cp "target/test-classes:target/classes:$(cat target/benchmark.classpath)" \
  org.vertxetcd.discovery.benchmark.Benchmark "$@"
