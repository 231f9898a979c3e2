#!/usr/bin/env bash
# Fetches cert-manager's CRDs (deploy/crds/*.yaml) of the version in ./VERSION from its Go
# module, through the Go module proxy (the only route to them here), checked against the
# module's checksum in ./SUM. Prints the directory holding the CRD files on stdout.
# test/k8s/cert-manager.test.ts installs them in the test control plane.
set -euo pipefail
cd "$(dirname "$0")"
VERSION="$(cat VERSION)"
SUM="$(cat SUM)"
command -v go >/dev/null || { echo "crds: Go is needed to fetch cert-manager ${VERSION}'s CRDs" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Outside any module: `go mod download module@version` then needs no go.mod of ours.
json="$(cd "$tmp" && GOFLAGS=-mod=mod GO111MODULE=on go mod download -json "github.com/cert-manager/cert-manager@${VERSION}")"
dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
got="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p')"
[ "$got" = "$SUM" ] || { echo "crds: cert-manager ${VERSION} has checksum ${got}, expected ${SUM}" >&2; exit 1; }
[ -d "$dir/deploy/crds" ] || { echo "crds: no deploy/crds in ${dir}" >&2; exit 1; }
echo "$dir/deploy/crds"
