#!/usr/bin/env bash
# Installs what rck needs on a Debian machine when it is missing, then builds it:
# redis-server and redis-tools >= 7 from the OS packages, the npm dependencies; with --test
# also what the Kubernetes test tier needs (etcd, openssl, the control plane built from Go) and
# the engine matrix's other engines; with --engines only those engines (Redis 7.2, Valkey 8,
# built once from ../shared/engines into ~/.cache/rck/engines: scripts/build-engines.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

TEST=""
ENGINES=""
for arg in "$@"; do
  case "$arg" in
    --test) TEST=1; ENGINES=1 ;;
    --engines) ENGINES=1 ;;
    *) echo "setup: unknown option $arg (use --test or --engines)" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

redis_major() { redis-server --version 2>/dev/null | sed -n 's/.* v=\([0-9]*\)\..*/\1/p'; }
if [ "$(redis_major || true)" = "" ] || [ "$(redis_major)" -lt 7 ] || ! command -v redis-cli >/dev/null; then
  echo "setup: installing redis-server and redis-tools from the OS packages" >&2
  $SUDO apt-get install -y -q redis-server redis-tools >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q redis-server redis-tools >/dev/null
  }
fi
if [ "$(redis_major)" -lt 7 ]; then
  echo "setup: redis-server $(redis-server --version) is older than 7; rck needs Redis 7" >&2
  exit 1
fi

# Kubernetes test tier (test/k8s), only with --test: etcd from the OS packages, openssl for
# its certificates, buildah for the rck image (scripts/build-image.sh; the tests build the
# image themselves, cached by content), and the control plane, helm and the monitoring tools'
# validators (promtool, grafana-check) built once from their Go modules (cached outside the
# repo). `rck up` itself needs none of it.
if [ -n "$TEST" ]; then
if ! command -v etcd >/dev/null || ! command -v openssl >/dev/null || ! command -v buildah >/dev/null; then
  echo "setup: installing etcd-server, openssl and buildah from the OS packages" >&2
  $SUDO apt-get install -y -q etcd-server openssl buildah >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q etcd-server openssl buildah >/dev/null
  }
fi
# The web view's browser test (test/e2e/web-view.test.ts) drives Debian's headless Chromium.
if ! command -v chromium >/dev/null; then
  echo "setup: installing chromium from the OS packages" >&2
  $SUDO apt-get install -y -q chromium >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q chromium >/dev/null
  }
fi
if command -v go >/dev/null; then
  testenv/k8s/build.sh >/dev/null
  testenv/helm/build.sh >/dev/null
  testenv/monitoring/build.sh >/dev/null
else
  echo "setup: Go not found; the Kubernetes tests (test/k8s) will fail until Go is installed" >&2
fi
fi

# The engine matrix (test/support/engine.ts): a no-op once built for these sources' checksums.
if [ -n "$ENGINES" ]; then
  scripts/build-engines.sh
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: building" >&2
npm run --silent build
