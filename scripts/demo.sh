#!/usr/bin/env bash
# Runs the demo on a fresh Debian machine: installs etcd from Debian's packages when it is missing, builds the demo,
# then starts a local etcd (data in demo-work/), three greeters and the gateway with its live dashboard on
# http://localhost:8080/. Ctrl-C stops everything it started.
# Options go to the demo, e.g. scripts/demo.sh --greeters 5 --port 9090, or --endpoints http://etcd:2379 to use an
# existing etcd instead of starting one.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-packages.sh etcd:etcd-server etcdctl:etcd-client

echo "Building the demo (mvn package)..."
mvn -B -q -DskipTests package -pl demo-services -am
exec java -jar demo-services/target/vertx-etcd-demo.jar demo "$@"
