#!/usr/bin/env bash
# Runs every test of the project on a fresh Debian machine: installs what the tests need from Debian's packages
# when it is missing (etcd and etcdctl, Chromium for the dashboard test, docker-compose to validate the compose
# file, Redis for the benchmark's tiny run), then builds with Maven and runs all tests against real etcd processes.
# Extra arguments go to Maven, e.g. scripts/test.sh -pl discovery-backend -Dtest=EventsTest
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-packages.sh etcd:etcd-server etcdctl:etcd-client chromium:chromium docker-compose:docker-compose \
  redis-server:redis-server

exec mvn -B verify "$@"
