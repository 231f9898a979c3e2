#!/usr/bin/env bash
# Builds the extra engines of the test matrix (Redis 7.2, Valkey 8) once from the release sources
# in ../shared/engines (or $RCK_ENGINE_SOURCES) into ~/.cache/rck/engines/<name>/bin/, keyed by the
# tarball's sha256: a re-run whose checksum matches the built one does nothing. The checksum is
# also checked against the sources' README, so a changed tarball is refused rather than built.
# Usage: build-engines.sh [name...]   (names: redis-7.2.6 valkey-8.0.1; default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCES="${RCK_ENGINE_SOURCES:-$(cd .. && pwd)/shared/engines}"
CACHE="${RCK_ENGINE_CACHE:-$HOME/.cache/rck/engines}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ ! -f "$SOURCES/README.md" ]; then
  echo "build-engines: no engine sources at $SOURCES (set RCK_ENGINE_SOURCES)" >&2
  exit 1
fi
names=("$@")
if [ ${#names[@]} = 0 ]; then
  for t in "$SOURCES"/*.tar.gz; do names+=("$(basename "$t" .tar.gz)"); done
fi

deps_checked=""
need_deps() {
  [ -n "$deps_checked" ] && return
  deps_checked=1
  if ! command -v make >/dev/null || ! command -v cc >/dev/null || ! command -v pkg-config >/dev/null \
     || ! dpkg -s libssl-dev >/dev/null 2>&1; then
    echo "build-engines: installing build-essential, pkg-config and libssl-dev from the OS packages" >&2
    $SUDO apt-get install -y -q build-essential pkg-config libssl-dev >/dev/null 2>&1 || {
      $SUDO apt-get update -q >/dev/null
      $SUDO apt-get install -y -q build-essential pkg-config libssl-dev >/dev/null
    }
  fi
}

for name in "${names[@]}"; do
  tarball="$SOURCES/$name.tar.gz"
  if [ ! -f "$tarball" ]; then echo "build-engines: no source $tarball" >&2; exit 1; fi
  sum="$(sha256sum "$tarball" | cut -d' ' -f1)"
  if ! grep -q "| $name.tar.gz |.*| $sum |" "$SOURCES/README.md"; then
    echo "build-engines: $tarball has sha256 $sum, not the one in $SOURCES/README.md" >&2
    exit 1
  fi
  dest="$CACHE/$name"
  if [ "$(cat "$dest/source.sha256" 2>/dev/null || true)" = "$sum" ]; then continue; fi
  need_deps
  engine="${name%%-*}"   # redis | valkey
  echo "build-engines: building $name (make BUILD_TLS=yes, a few minutes)" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  tar -xzf "$tarball" -C "$work"
  make -C "$work/$name" -j"$(nproc)" BUILD_TLS=yes >"$work/build.log" 2>&1 || {
    tail -30 "$work/build.log" >&2
    echo "build-engines: building $name failed" >&2
    exit 1
  }
  mkdir -p "$CACHE"
  rm -rf "$dest.new"
  mkdir -p "$dest.new/bin"
  cp "$work/$name/src/$engine-server" "$work/$name/src/$engine-cli" "$dest.new/bin/"
  echo "$sum" >"$dest.new/source.sha256"
  rm -rf "$dest"
  mv "$dest.new" "$dest"
  rm -rf "$work"
  trap - EXIT
  echo "build-engines: $name -> $dest/bin" >&2
done
