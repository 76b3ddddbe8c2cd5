#!/usr/bin/env bash
# Makes sure Debian's PostgreSQL server binaries (initdb, postgres) are installed, for the tests
# that start a private PostgreSQL with @x/testing's startPostgres(). We never use the system
# cluster: the tests run initdb into a temp dir and start `postgres` on 127.0.0.1 themselves.
#
# - binaries present: prints where they are, exits 0;
# - missing and root: apt-get update + install `postgresql` non-interactively, with the default
#   cluster's creation and service start switched off (there may be no init system);
# - missing and not root: prints what to install, exits 1.
# It also installs Debian's zstd when the zstd command is missing (for the archive tests).
set -euo pipefail

# Where Debian puts the server binaries (overridable to test this script).
PG_LIB_DIR="${PG_LIB_DIR:-/usr/lib/postgresql}"

find_bindir() {
  local dir
  for dir in $(ls -d "$PG_LIB_DIR"/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

# The zstd tool too: the archive tests check our zstd frames with it, and read archives it made.
if ! command -v zstd >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then
    echo "zstd is missing. Install it as root, then run the tests again:" >&2
    echo "  apt-get update && apt-get install -y zstd" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends zstd
fi

if bindir=$(find_bindir); then
  echo "PostgreSQL server binaries: $bindir"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "PostgreSQL server binaries are missing (no $PG_LIB_DIR/<version>/bin/initdb)." >&2
  echo "Install Debian's PostgreSQL server as root, then run the tests again:" >&2
  echo "  apt-get update && apt-get install -y postgresql" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Do not create or start the default "main" cluster: nothing uses it, and in a container there is
# no init system to start it. createcluster.conf is read by postgresql-common's postinst; keep
# ours if the package ships its own copy (--force-confold).
mkdir -p /etc/postgresql-common
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
fi

# policy-rc.d exit code 101 tells invoke-rc.d not to start services during the install.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  added_policy=1
fi
cleanup() { if [ "$added_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

apt-get update -q
apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef \
  postgresql

if bindir=$(find_bindir); then
  echo "PostgreSQL server binaries: $bindir"
else
  echo "installed postgresql, but found no $PG_LIB_DIR/<version>/bin/initdb" >&2
  exit 1
fi
