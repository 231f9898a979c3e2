#!/usr/bin/env bash
# Builds the rck image on this machine, with no registry and no container runtime, and
# writes it as an OCI archive: scripts/build-image.sh OUT [--tag NAME]
#
# The Containerfile builds the same image where RUN steps can run (docker, podman). Here
# nothing can run inside a container, so the image is assembled from outside and committed
# with buildah's COPY-only steps:
#   layer 1 (base): this machine's node binary, the shared libraries ldd names, /etc/passwd
#                   with the non-root user rck (65532), an empty /tmp;
#   layer 2 (app):  /app with package.json, production dependencies (npm ci --omit=dev),
#                   dist/ compiled from src/, bin/rck.
# Entrypoint `node /app/bin/rck`, user 65532:65532, nothing written at run time (so a
# read-only root filesystem works). Prints the unpacked size of the image's root filesystem.
set -euo pipefail

usage() { echo "usage: scripts/build-image.sh OUT.tar [--tag NAME]  (default tag localhost/rck:<package version>)" >&2; exit 2; }
[ $# -ge 1 ] || usage
OUT="$1"; shift
TAG=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) [ $# -ge 2 ] || usage; TAG="$2"; shift 2 ;;
    *) echo "build-image: unknown argument \"$1\" (usage: scripts/build-image.sh OUT.tar [--tag NAME])" >&2; exit 2 ;;
  esac
done
case "$OUT" in -*|"") usage ;; esac
[ -d "$(dirname "$OUT")" ] || { echo "build-image: directory of $OUT does not exist" >&2; exit 2; }
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"

repo="$(cd "$(dirname "$0")/.." && pwd)"
command -v buildah >/dev/null || { echo "build-image: buildah not found; install it (Debian: apt-get install buildah)" >&2; exit 1; }
[ -x "$repo/node_modules/.bin/tsc" ] || { echo "build-image: TypeScript not installed; run npm ci in $repo first" >&2; exit 1; }
node_bin="$(readlink -f "$(command -v node)")"
node_major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || { echo "build-image: node $("$node_bin" --version) is older than 20" >&2; exit 1; }
version="$("$node_bin" -p "require('$repo/package.json').version")"
TAG="${TAG:-localhost/rck:${version}}"

work="$(mktemp -d "${TMPDIR:-/tmp}/rck-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
base="$work/base"
app="$work/app"

# --- layer 1: the Node runtime as a root filesystem --------------------------------------
mkdir -p "$base/usr/local/bin" "$base/etc" "$base/tmp" "$base/proc" "$base/dev" "$base/sys"
chmod 1777 "$base/tmp"
cp "$node_bin" "$base/usr/local/bin/node"
# Each library at the path the loader found it (the ELF interpreter is /lib64/ld-linux-*.so.2,
# the others are in the loader's default directories, so no ld.so.cache is needed).
for lib in $(ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
  mkdir -p "$base$(dirname "$lib")"
  cp -L "$lib" "$base$lib"
done
cat > "$base/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
rck:x:65532:65532:rck:/tmp:/usr/sbin/nologin
EOF
cat > "$base/etc/group" <<'EOF'
root:x:0:
rck:x:65532:
EOF

# --- layer 2: the application -------------------------------------------------------------
mkdir -p "$app/bin"
cp "$repo/package.json" "$repo/package-lock.json" "$app/"
echo "build-image: installing production dependencies" >&2
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error --prefer-offline >&2)
echo "build-image: compiling src/ into dist/" >&2
# No source maps: stack traces of the compiled files are enough, and the maps only add size.
"$repo/node_modules/.bin/tsc" -p "$repo/tsconfig.json" --outDir "$app/dist" --sourceMap false
cp "$repo/bin/rck" "$app/bin/rck"
rm -f "$app/package-lock.json"

# --- commit with buildah, in a private store that goes away with $work ------------------------
B=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
echo "build-image: committing $TAG" >&2
ctr="$("${B[@]}" from --quiet scratch)"
"${B[@]}" copy --quiet "$ctr" "$base/" / >/dev/null
"${B[@]}" commit --quiet --format oci --timestamp 0 "$ctr" rck-base >/dev/null
"${B[@]}" rm "$ctr" >/dev/null
ctr="$("${B[@]}" from --quiet rck-base)"
"${B[@]}" copy --quiet "$ctr" "$app/" /app >/dev/null
"${B[@]}" config \
  --user 65532:65532 --workingdir /app \
  --entrypoint '["/usr/local/bin/node", "/app/bin/rck"]' --cmd '[]' \
  --env PATH=/usr/local/bin:/usr/bin:/bin --env NODE_ENV=production \
  --label org.opencontainers.image.title=rck \
  --label org.opencontainers.image.description="Redis Cluster Keeper: the rck CLI and the RedisCluster operator" \
  --label org.opencontainers.image.version="$version" \
  --label org.opencontainers.image.licenses=Apache-2.0 \
  --label dev.rck.node-version="$("$node_bin" --version)" \
  "$ctr"
rm -f "$OUT"
"${B[@]}" commit --quiet --format oci --timestamp 0 "$ctr" "oci-archive:$OUT:$TAG" >/dev/null
"${B[@]}" rm "$ctr" >/dev/null

size_kb=$(( $(du -sk "$base" | cut -f1) + $(du -sk "$app" | cut -f1) ))
echo "build-image: wrote $OUT ($TAG), $(( $(stat -c %s "$OUT") / 1048576 )) MB archive, about $(( size_kb / 1024 )) MB unpacked" >&2
