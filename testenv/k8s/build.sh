#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and kube-scheduler of the version in
# ./VERSION into a cache outside the repository, once. Prints the bin directory on stdout.
set -euo pipefail
cd "$(dirname "$0")"
K8S_VERSION="$(cat VERSION)"
BIN_DIR="${RCK_K8S_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rck/k8s/${K8S_VERSION}}"
COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler)

have_all() { for c in "${COMMANDS[@]}"; do [ -x "$BIN_DIR/$c" ] || return 1; done; }
if have_all; then echo "$BIN_DIR"; exit 0; fi

command -v go >/dev/null || { echo "build: Go is needed to build Kubernetes ${K8S_VERSION}" >&2; exit 1; }
echo "build: building Kubernetes ${K8S_VERSION} control plane into ${BIN_DIR} (first time only; takes a while)" >&2
start=$(date +%s)
mkdir -p "${BIN_DIR%/*}"
tmp="$(mktemp -d "${BIN_DIR%/*}/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# The same version stamps Kubernetes' own build sets (hack/lib/version.sh).
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X ${pkg}.gitVersion=${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
  ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done

# nice: these machines are shared; the build is CPU-bound for many minutes.
CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly nice -n 10 \
  go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
  $(printf 'k8s.io/kubernetes/cmd/%s ' "${COMMANDS[@]}") >&2

mkdir -p "$BIN_DIR"
for c in "${COMMANDS[@]}"; do mv "$tmp/$c" "$BIN_DIR/$c"; done
echo "build: done in $(( $(date +%s) - start )) s" >&2
echo "$BIN_DIR"
