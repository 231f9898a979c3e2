#!/usr/bin/env bash
# Builds the helm CLI of the version in ./VERSION from its Go module (pinned by go.mod/go.sum)
# into a cache outside the repository, once. Prints the binary's path on stdout.
# The chart test (test/k8s/helm-chart.test.ts) runs `helm template` with it.
set -euo pipefail
cd "$(dirname "$0")"
HELM_VERSION="$(cat VERSION)"
BIN_DIR="${RCK_HELM_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rck/helm/${HELM_VERSION}}"
if [ -x "$BIN_DIR/helm" ]; then echo "$BIN_DIR/helm"; exit 0; fi

command -v go >/dev/null || { echo "build: Go is needed to build helm ${HELM_VERSION}" >&2; exit 1; }
echo "build: building helm ${HELM_VERSION} into ${BIN_DIR} (first time only)" >&2
start=$(date +%s)
mkdir -p "${BIN_DIR%/*}"
tmp="$(mktemp -d "${BIN_DIR%/*}/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# helm's own Makefile stamps its version here; `helm version` then names it.
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
# nice: these machines are shared.
CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly nice -n 10 \
  go build -trimpath -ldflags "$ldflags" -o "$tmp/helm" helm.sh/helm/v3/cmd/helm >&2
mkdir -p "$BIN_DIR"
mv "$tmp/helm" "$BIN_DIR/helm"
echo "build: done in $(( $(date +%s) - start )) s" >&2
echo "$BIN_DIR/helm"
