#!/usr/bin/env bash
# Fetches etcd 3.5.16 (Debian trixie's etcd-server and etcd-client packages) into .work/etcd-3.5/ and prints the path
# of its etcd binary (etcdctl stands beside it). Nothing is installed: the packages come from the Debian mirror this
# machine already uses, through a source list and package lists of their own, and are unpacked with dpkg-deb.
# Does nothing but print the path when the unpacked binary is already there. Use it as
#   ETCD_BINARY=$(scripts/fetch-etcd-3.5.sh) mvn -B verify
set -euo pipefail
cd "$(dirname "$0")/.."

version=3.5.16
work="$PWD/.work/etcd-3.5"
root="$work/root"
etcd="$root/usr/bin/etcd"

# The whole output first: grep -q reading the pipe directly stops at its match, and etcd, still writing its next
# lines, dies of SIGPIPE, which pipefail makes the pipeline's status (3 calls in 100 failed that way).
reports_version() {
  local reported
  [ -x "$etcd" ] && reported=$("$etcd" --version 2>/dev/null) && grep -qx "etcd Version: $version" <<<"$reported"
}

# The URI of the machine's own Debian archive (the entry serving its release), so no other mirror is contacted.
debian_mirror() {
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v codename="$codename" '
      /^URIs:/ { uris = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == codename) suite = 1 }
      /^[[:space:]]*$/ { if (suite && uris) print uris; uris = ""; suite = 0 }
      END { if (suite && uris) print uris }'
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed 's/\[[^]]*\]//' | awk -v codename="$codename" '
      $1 == "deb" && $3 == codename { print $2 }'
    echo "http://deb.debian.org/debian"
  } | head -n 1
}

if ! reports_version; then
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$root"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) trixie main" >"$work/sources.list"
  apt_options=(-q -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
  echo "Fetching etcd $version (Debian trixie's etcd-server and etcd-client) into $work" >&2
  apt-get "${apt_options[@]}" update >&2
  rm -f "$work"/*.deb
  (cd "$work" && apt-get "${apt_options[@]}" download etcd-server etcd-client) >&2
  for deb in "$work"/*.deb; do
    dpkg-deb -x "$deb" "$root"
  done
  if ! reports_version; then
    echo "The fetched etcd is not $version: $("$etcd" --version 2>&1 | head -n 1)" >&2
    exit 1
  fi
fi
echo "$etcd"
