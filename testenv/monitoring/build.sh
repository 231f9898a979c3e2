#!/usr/bin/env bash
# Builds the monitoring tools' own validators from this module (pinned by go.mod/go.sum) into
# a cache outside the repository, once per go.sum: promtool (Prometheus: `check rules`,
# `check metrics`) and grafana-check (Grafana's dashboard schema, see grafana-check/main.go).
# Prints the directory that holds both on stdout. test/integration/monitoring-tools.test.ts
# runs them; `scripts/setup.sh --test` builds them ahead.
set -euo pipefail
cd "$(dirname "$0")"
key="$(sha256sum go.sum grafana-check/main.go | sha256sum | cut -c1-16)"
BIN_DIR="${RCK_MONITORING_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rck/monitoring/${key}}"
if [ -x "$BIN_DIR/promtool" ] && [ -x "$BIN_DIR/grafana-check" ]; then echo "$BIN_DIR"; exit 0; fi

command -v go >/dev/null || { echo "build: Go is needed to build promtool and grafana-check" >&2; exit 1; }
echo "build: building promtool and grafana-check into ${BIN_DIR} (first time only)" >&2
start=$(date +%s)
mkdir -p "${BIN_DIR%/*}"
tmp="$(mktemp -d "${BIN_DIR%/*}/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# nice: these machines are shared.
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly
nice -n 10 go build -trimpath -ldflags "-s -w" -o "$tmp/promtool" github.com/prometheus/prometheus/cmd/promtool >&2
nice -n 10 go build -trimpath -ldflags "-s -w" -o "$tmp/grafana-check" ./grafana-check >&2
mkdir -p "$BIN_DIR"
mv "$tmp/promtool" "$tmp/grafana-check" "$BIN_DIR/"
echo "build: done in $(( $(date +%s) - start )) s" >&2
echo "$BIN_DIR"
