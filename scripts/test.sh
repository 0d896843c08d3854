#!/usr/bin/env bash
# Runs every test of the project on a fresh Debian machine: installs what the tests need from Debian's packages
# when it is missing (etcd-server and etcd-client), then builds with Maven and runs all tests against real etcd.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=MultiNodeTest -pl discovery-backend
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${missing[*]} from Debian's packages"
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

exec mvn -B verify "$@"
