#!/usr/bin/env bash
# Makes sure the browser tests' Chromium is installed (playwright-core drives it; `npx playwright install` would
# download a browser, which fails offline), and the Vulkan loader (libvulkan.so.1) through which onnxruntime-node's
# WebGPU backend reaches Chromium's SwiftShader in test/webgpu-node.test.ts. Chromium bundles its own loader, so its
# package does not pull in the system's. Uses $CHROMIUM_PATH when set, else Debian/Ubuntu's chromium package.
set -euo pipefail
packages=()
if [[ -n "${CHROMIUM_PATH:-}" ]]; then
  if [[ ! -x "$CHROMIUM_PATH" ]]; then
    echo "ensure-chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
    exit 1
  fi
elif [[ ! -x /usr/bin/chromium && ! -x /usr/bin/chromium-browser ]]; then
  packages+=(chromium)
fi
# Read whole before matching: with pipefail, `ldconfig -p | grep -q` fails whenever grep's early exit cuts ldconfig
# off (SIGPIPE), and the loader, though installed, would be installed again every time.
libraries=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
if ! grep -q 'libvulkan\.so\.1 ' <<<"$libraries"; then
  packages+=(libvulkan1)
fi
[[ ${#packages[@]} -eq 0 ]] && exit 0
if ! command -v apt-get >/dev/null; then
  if [[ " ${packages[*]} " == *" chromium "* ]]; then
    echo "ensure-chromium: no Chromium found and no apt-get to install it; install Chromium and set CHROMIUM_PATH" >&2
    exit 1
  fi
  # Only the loader is missing: the WebGPU-on-SwiftShader test skips itself without it.
  echo "ensure-chromium: no Vulkan loader (libvulkan.so.1) and no apt-get: the onnxruntime-node WebGPU test will be skipped" >&2
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo="sudo -n"; else
    echo "ensure-chromium: installing ${packages[*]} needs root: run 'apt-get install -y ${packages[*]}' as root, or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi
echo "ensure-chromium: installing Debian's ${packages[*]} for the browser and WebGPU tests (about 20 s)..." >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
if [[ -z "${CHROMIUM_PATH:-}" && ! -x /usr/bin/chromium && ! -x /usr/bin/chromium-browser ]]; then
  echo "ensure-chromium: chromium installed but /usr/bin/chromium is missing" >&2
  exit 1
fi
