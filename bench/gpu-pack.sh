#!/usr/bin/env bash
# Packs what bench/gpu.sh needs for a GPU machine that has neither Node.js nor a network (a lent one), small enough to
# travel beside the checkout (about 40 MB): Node's binary (stripped, xz), the production node_modules pruned to Linux
# x86-64 (onnxruntime-node's other platforms, onnxruntime-web, docs and types removed) with tsx for the TypeScript
# benches, dist/ (run `npm run build` first), and the Debian packages of the Vulkan loader and GL dispatch libraries
# that Dawn (under onnxruntime's WebGPU) needs to reach NVIDIA's driver.
#
#   bash bench/gpu-pack.sh DIR           (here, with npm's registry and Debian's reachable)
#   source DIR/setup.sh                  (there, in the checkout's root: node on PATH, node_modules, dist, loaders)
#   node node_modules/tsx/dist/cli.mjs bench/clips.ts 10 150        (there: the clips, in out/bench)
#   NO_QUALITY=1 WHOLE=1 bash bench/gpu.sh OUT out/bench 10 150      (there; npm is not packed)
#
# DIR is best a folder of the checkout that git ignores. Unpacking the packages writes to /, as root: for a lent
# machine, never this one.
set -euo pipefail
pack=${1:?usage: bash bench/gpu-pack.sh DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$root/dist/cli/main.js" ] || { echo "gpu-pack: build first (npm run build)" >&2; exit 1; }
mkdir -p "$pack/debs"
pack=$(cd "$pack" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "# node $(node -v)"
cp "$(readlink -f "$(command -v node)")" "$work/node"
strip "$work/node" 2>/dev/null || true
xz -T0 -6 -c "$work/node" >"$pack/node.xz"

echo "# node_modules (production, Linux x86-64)"
cp "$root/package.json" "$root/package-lock.json" "$work/"
[ -f "$root/.npmrc" ] && cp "$root/.npmrc" "$work/"
(cd "$work" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
nm=$work/node_modules
rm -rf "$nm/onnxruntime-web" "$nm/protobufjs/cli" "$nm/@types"
find "$nm/onnxruntime-node/bin" -mindepth 3 -maxdepth 3 -type d ! -path '*/linux/x64' -exec rm -rf {} +
# Decoders for formats the benches never read, and builds of libflacjs and libsamplerate that Node never loads.
rm -rf "$nm"/@audio/decode-{mod,wma,eac3,aac} "$nm"/libflacjs/dist/libflac.{dev,min}* "$nm"/libflacjs/dist/*wasm* \
  "$nm/@alexanderolsen/libsamplerate-js/dist/libsamplerate.worklet.js"
find "$nm" -type d \( -name doc -o -name docs -o -name example -o -name examples -o -name test -o -name tests \) -prune -exec rm -rf {} +
find "$nm" \( -name '*.md' -o -name '*.d.ts' -o -name '*.map' \) -delete
for p in tsx esbuild @esbuild/linux-x64; do mkdir -p "$nm/$(dirname "$p")" && cp -r "$root/node_modules/$p" "$nm/$p"; done
tar -C "$work" -cJf "$pack/node_modules.tar.xz" node_modules
tar -C "$root" -cJf "$pack/dist.tar.xz" dist

echo "# Vulkan loader and GL dispatch (Debian, amd64)"
lists=$work/apt-lists
mkdir -p "$lists/partial"
apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
apt-get "${apt[@]}" update >/dev/null
(cd "$pack/debs" && apt-get "${apt[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 2>&1 | grep -v unsandboxed || true)

cat >"$pack/setup.sh" <<'EOF'
# Sourced in the checkout's root on the GPU machine (bench/gpu-pack.sh made this folder).
pack=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p /tmp/gpu-node && xz -dc "$pack/node.xz" >/tmp/gpu-node/node && chmod +x /tmp/gpu-node/node
export PATH=/tmp/gpu-node:$PATH
[ -d node_modules ] || tar -xJf "$pack/node_modules.tar.xz"
[ -f dist/cli/main.js ] || tar -xJf "$pack/dist.tar.xz"
# Without libglvnd's dispatch library NVIDIA's Vulkan driver loads but gives no vkCreateInstance: "No supported adapters".
for f in "$pack"/debs/*.deb; do dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
echo "gpu-pack: node $(node -v), $(ldconfig -p | grep -c libvulkan.so) Vulkan loader(s)"
EOF
du -sh "$pack"
