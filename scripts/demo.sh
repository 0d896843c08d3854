#!/usr/bin/env bash
# Runs the demo on a fresh Debian machine: installs etcd from Debian's packages when it is missing, builds the demo,
# then starts a local etcd (data in demo-work/), three greeters and the gateway with its live dashboard on
# http://localhost:8080/. Ctrl-C stops everything it started.
# Options go to the demo, e.g. scripts/demo.sh --greeters 5 --port 9090, or --endpoints http://etcd:2379 to use an
# existing etcd instead of starting one; scripts/demo.sh --help lists them (it builds, but installs nothing).
set -euo pipefail
cd "$(dirname "$0")/.."

wants_help=false
for arg in "$@"; do
  case "$arg" in
    -h|--help) wants_help=true ;;
  esac
done

if [[ "$wants_help" == true ]]; then
  echo "usage: scripts/demo.sh [--option value]...  (installs etcd if missing, builds, then runs the demo command"
  echo "below with these options)"
else
  scripts/install-packages.sh etcd:etcd-server etcdctl:etcd-client
fi

echo "Building the demo (mvn package)..."
# Plain output: batch mode has no colours, but Maven 3.8's Jansi still writes colour resets (ESC[0m) when it
# uninstalls itself, unless told not to by a JVM system property.
MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -q -Dstyle.color=never -DskipTests package -pl demo-services -am
exec java -jar demo-services/target/vertx-etcd-demo.jar demo "$@"
