#!/usr/bin/env bash
# GPU comparison, side by side in one run on one machine: restyle on onnxruntime-node's bundled WebGPU backend and on
# the CPU, against the PyTorch reference (bench/torch_reference.py) on CUDA. For a machine with an NVIDIA GPU, a Vulkan
# driver (Dawn, under onnxruntime's WebGPU, runs on Vulkan), a CUDA build of PyTorch and a built checkout (dist/).
#
#   npm run bench:gpu -- OUTDIR CLIPDIR [SECONDS...]   (or bash bench/gpu.sh ... on a built checkout; default 10 60)
#
# CLIPDIR holds speech-Ns.wav and plucks-Ns.wav for each N (npx tsx bench/clips.ts N writes them to out/bench).
# NODE and PYTHON name the interpreters (default: node, python3); RUN_TIMEOUT caps each run (default 240 s);
# SKIP_CPU=1 and SKIP_TORCH=1 leave out the CPU and PyTorch runs; NO_QUALITY=1 skips our held-out quality measures
# (minutes at long lengths); TEXTURES="8 60" also synthesises that many seconds of the bundled drums texture (texture
# mode, its 8 rounds and rhythm term) on each device; WHOLE=1 also runs a copy of dist/ whose objective never goes chunk by chunk, to see what
# the chunks of a long clip (over ~95 s) cost. Writes one JSON per run to OUTDIR, a table of per-evaluation time, stage
# times, quality, the GPU memory's peak (nvidia-smi, sampled every 250 ms) and peak RSS (GNU time) to OUTDIR/summary.txt, and the objective
# alone with its constant inputs sent every run or kept on the GPU (bench/objective-device.ts) to OUTDIR/objective.txt,
# and whether WebGPU computes what the CPU does (bench/gpu-agreement.ts) to OUTDIR/agreement.txt.
# On a machine without Node.js or a network, bench/gpu-pack.sh packs what this needs.
set -u
out=${1:?usage: bash bench/gpu.sh OUTDIR CLIPDIR [SECONDS...]}
clips=${2:?usage: bash bench/gpu.sh OUTDIR CLIPDIR [SECONDS...]}
shift 2
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 60)
node=${NODE:-node}
limit=${RUN_TIMEOUT:-240} # seconds per run
python=${PYTHON:-python3}
mkdir -p "$out"

{
  echo "# machine"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1
  echo "cpu: $(nproc) threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  echo "node $("$node" -v), $("$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1)"
} | tee "$out/machine.txt"

quality=()
[ "${NO_QUALITY:-0}" = 1 ] && quality=(--no-quality)
if [ "${WHOLE:-0}" = 1 ]; then
  # The same build with the long-clip threshold out of reach: every clip's objective runs whole. It lies beside dist/
  # (git ignores it), where its imports find node_modules and package.json.
  whole=dist-whole
  rm -rf "$whole" && cp -r dist "$whole"
  sed -i 's/LONG_CLIP_FEATURE_FRAMES = 4096;/LONG_CLIP_FEATURE_FRAMES = Infinity;/' "$whole/pipeline/memory.js"
  grep -q 'LONG_CLIP_FEATURE_FRAMES = Infinity;' "$whole/pipeline/memory.js" || { echo "WHOLE: threshold not found" >&2; exit 1; }
fi

# peak FILE COMMAND...: runs COMMAND, with its peak RSS in KiB written to FILE where GNU time is there.
peak() {
  local file=$1
  shift
  if [ -x /usr/bin/time ]; then /usr/bin/time -f %M -o "$file" "$@"; else "$@"; fi
}

# restyle NAME DEVICE [CLI arguments...]: one end-to-end CLI run (decode to WAV written) writing OUTDIR/NAME.wav and its
# JSON report, with the GPU's memory in use sampled beside it (NAME.gpumem) and its peak RSS (NAME.rss). DIST names
# another build (dist-whole).
restyle() {
  local name=$1 device=$2
  shift 2
  # A first run's figures: the nets' weights made, not read from the disk cache (which builds before it lack).
  local nocache=()
  "$node" "${DIST:-dist}/cli/main.js" --help 2>/dev/null | grep -q -- '--no-cache' && nocache=(--no-cache)
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 >"$out/$name.gpumem" 2>/dev/null &
  local sampler=$!
  peak "$out/$name.rss" timeout "$limit" "$node" "${DIST:-dist}/cli/main.js" "$@" -o "$out/$name.wav" -y -q \
    --device "$device" --report "$out/$name.json" "${quality[@]}" "${nocache[@]}" 2>&1 | tail -3
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null
}

# ours DEVICE SECONDS TAG [CLI options...]: speech + plucks of SECONDS.
ours() {
  local device=$1 s=$2 tag=$3
  shift 3
  echo "# restyle --device $device $* ($s s)"
  restyle "ours-$tag-${s}s" "$device" "$clips/speech-${s}s.wav" "$clips/plucks-${s}s.wav" "$@"
}

# texture DEVICE SECONDS: texture mode on the bundled drums.
texture() {
  local device=$1 s=$2
  echo "# restyle --device $device --duration $s examples/drums.wav"
  restyle "texture-$device-${s}s" "$device" examples/drums.wav --duration "$s"
}

# torch SECONDS TAG [reference options...]: the PyTorch reference on CUDA.
torch_ref() {
  local s=$1 tag=$2
  shift 2
  echo "# torch cuda $* ($s s)"
  timeout "$limit" "$python" bench/torch_reference.py "$clips/speech-${s}s.wav" "$clips/plucks-${s}s.wav" "$out/torch-$tag-${s}s.wav" \
    --device cuda "$@" >"$out/torch-$tag-${s}s.json" 2>"$out/torch-$tag-${s}s.err" || tail -3 "$out/torch-$tag-${s}s.err"
}

echo "# objective alone on webgpu"
timeout "$limit" "$node" node_modules/tsx/dist/cli.mjs bench/objective-device.ts --device webgpu \
  --seconds "$(IFS=,; echo "${sizes[*]}")" 2>&1 | grep -v '^npm warn' | tee "$out/objective.txt"

echo "# WebGPU against the CPU: the Conv's channel counts, the chunked objective"
timeout "$limit" "$node" node_modules/tsx/dist/cli.mjs bench/gpu-agreement.ts --device webgpu 2>&1 | grep -v '^npm warn' | tee "$out/agreement.txt"

for s in "${sizes[@]}"; do
  [ "${SKIP_CPU:-0}" = 1 ] || ours cpu "$s" cpu
  # auto takes onnxruntime's Conv on a GPU (at the default kernel): the other form beside it.
  ours webgpu "$s" webgpu
  ours webgpu "$s" webgpu-dft --conv dft
  if [ "${WHOLE:-0}" = 1 ]; then
    DIST=$whole ours webgpu "$s" webgpu-whole
    DIST=$whole ours webgpu "$s" webgpu-dft-whole --conv dft
  fi
  if [ "${SKIP_TORCH:-0}" != 1 ]; then
    torch_ref "$s" step --time-steps 20
    torch_ref "$s" e2e --steps 300 --phase-iters 500
  fi
done

for s in ${TEXTURES:-}; do
  [ "${SKIP_CPU:-0}" = 1 ] || texture cpu "$s"
  texture webgpu "$s"
done

# The table: one row per run (distances: held-out style and rhythm; a texture has no gain or correlation).
"$node" --input-type=module - "$out" >"$out/summary.txt" <<'EOF'
import { readdirSync, readFileSync } from 'node:fs';
const dir = process.argv[2];
const rows = [['run', 'ms/eval', 'analyse s', 'optimise s', 'phase s', 'total s', 'gain', 'corr', 'style d', 'rhythm d', 'gpu MB', 'rss MB', 'final loss']];
for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
  let r;
  try { r = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')); } catch { rows.push([f, 'unreadable']); continue; }
  const s = (ms) => (ms === undefined ? '' : (ms / 1000).toFixed(2));
  if (r.timingsMs && r.quality !== undefined) {
    const t = r.timingsMs;
    let gpuMb = '';
    try {
      const used = readFileSync(`${dir}/${f.replace(/\.json$/, '.gpumem')}`, 'utf8').split('\n').map(Number).filter((v) => v > 0);
      if (used.length) gpuMb = String(Math.max(...used));
    } catch { /* no sampler output (no nvidia-smi) */ }
    let rssMb = '';
    try {
      rssMb = (Number(readFileSync(`${dir}/${f.replace(/\.json$/, '.rss')}`, 'utf8').trim()) / 1024).toFixed(0);
    } catch { /* no GNU time */ }
    rows.push([f, r.msPerEvaluation.toFixed(1), s(t.analyse), s(t.optimise), s(t.phase), s(t.total),
      r.quality?.styleGain?.toFixed(3) ?? '', r.quality?.contentCorrelation?.toFixed(3) ?? '', r.quality?.styleDistance?.toFixed(3) ?? '',
      r.quality?.rhythmDistance?.toFixed(3) ?? '', gpuMb, rssMb, r.loss?.final?.total?.toFixed(1) ?? '']);
  } else {
    const t = r.timingsMs ?? {};
    rows.push([f, r.stepMsMedian?.toFixed(1) ?? '', s(t.analyse), s(t.optimise), s(t.phase), s(t.total), '', '', '', '', r.peakGpuMb?.toFixed(0) ?? '', r.peakRssMb?.toFixed(0) ?? '']);
  }
}
for (const row of rows) console.log(row.map((c) => String(c).padEnd(12)).join(' '));
EOF
cat "$out/machine.txt" "$out/summary.txt"
