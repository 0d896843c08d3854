#!/usr/bin/env bash
# Runs every test of the project on a fresh Debian machine: installs what the tests need from Debian's packages
# when it is missing (etcd and etcdctl, Chromium for the dashboard test, docker-compose to validate the compose
# file, Redis for the benchmark's tiny run), then builds with Maven and runs all tests against real etcd processes,
# once on etcd 3.4 (the system's etcd, Debian bookworm's 3.4.23) and once on etcd 3.5 (Debian trixie's 3.5.16,
# fetched into .work/etcd-3.5 by scripts/fetch-etcd-3.5.sh, not installed). The second run leaves out the tests
# tagged etcd-version-independent (the docker-compose and browser tests, and the benchmark's tiny run). Both runs
# happen even when the first fails; the script fails when either does.
#   scripts/test.sh --etcd 3.5          one version only (or ETCD_VERSIONS=3.5), every test on it
#   scripts/test.sh -pl discovery-backend -Dtest=EventsTest    other arguments go to Maven
set -euo pipefail
cd "$(dirname "$0")/.."

# Plain output, as in scripts/demo.sh: without this JVM property Maven 3.8's Jansi writes colour resets (ESC[0m)
# even in batch mode without colours.
export MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true"

read -ra versions <<<"${ETCD_VERSIONS:-3.4 3.5}"
maven_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --etcd) versions=("${2:?--etcd takes a version: 3.4 or 3.5}"); shift 2 ;;
    --etcd=*) versions=("${1#--etcd=}"); shift ;;
    *) maven_args+=("$1"); shift ;;
  esac
done

# zkServer.sh stands for Debian's zookeeper package (the benchmark runs its jar with a configuration of its own).
PATH="$PATH:/usr/share/zookeeper/bin" scripts/install-packages.sh etcd:etcd-server etcdctl:etcd-client \
  chromium:chromium docker-compose:docker-compose redis-server:redis-server zkServer.sh:zookeeper

etcd_binary() {
  case "$1" in
    3.4) command -v etcd ;;
    3.5) scripts/fetch-etcd-3.5.sh ;;
    *) echo "Unknown etcd version '$1': 3.4 or 3.5" >&2; return 1 ;;
  esac
}

binaries=()
for version in "${versions[@]}"; do
  binaries+=("$(etcd_binary "$version")")
done

# A run of some modules (-pl) resolves the others from the local repository: install the modules they use.
for arg in "${maven_args[@]}"; do
  case "$arg" in
    -pl | -pl* | --projects | --projects=*)
      mvn -B -q -Dstyle.color=never -DskipTests install -pl etcd-launcher,discovery-backend
      break ;;
  esac
done

# Each run's output is kept in .work/test-etcd-VERSION.log, so that the summary at the end can name what failed in an
# earlier run whose output has long scrolled away.
mkdir -p .work
failed=()
for i in "${!versions[@]}"; do
  skip=()
  # -Dtest may name only tests the later runs leave out: that is not a failure there.
  [ "$i" -eq 0 ] || skip=(-DexcludedGroups=etcd-version-independent -Dsurefire.failIfNoSpecifiedTests=false)
  echo "=== Tests on etcd ${versions[$i]}: ${binaries[$i]} ($("${binaries[$i]}" --version | head -n 1))"
  log=".work/test-etcd-${versions[$i]}.log"
  if ! env -u ETCDCTL_BINARY ETCD_BINARY="${binaries[$i]}" mvn -B -Dstyle.color=never verify "${skip[@]}" \
      "${maven_args[@]}" 2>&1 | tee "$log"; then
    failed+=("${versions[$i]}")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  for version in "${failed[@]}"; do
    echo "=== What failed on etcd $version (the whole output: .work/test-etcd-$version.log)"
    # Maven's own summary of a failed module: the failing tests with their first message line, and the module.
    grep -E '<<< (FAILURE|ERROR)!|^\[ERROR\] (Failures:|Errors:|  )|FAILURE \[' ".work/test-etcd-$version.log" \
      | head -n 40 || true
  done
  echo "=== Tests FAILED on etcd ${failed[*]} (of ${versions[*]})"
  exit 1
fi
echo "=== Tests passed on etcd ${versions[*]}"
