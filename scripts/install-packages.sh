#!/usr/bin/env bash
# Installs Debian packages for the commands that are missing: install-packages.sh command:package [...]
# e.g. install-packages.sh etcd:etcd-server etcdctl:etcd-client. Runs apt-get as root (or through sudo).
set -euo pipefail

missing=()
for pair in "$@"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing ${missing[*]} from Debian's packages"
$sudo apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
