#!/usr/bin/env bash
# Makes sure a Chromium for the browser tests is installed (playwright-core drives it; `npx playwright install` would
# download a browser, which fails offline). Uses $CHROMIUM_PATH when set, else Debian/Ubuntu's chromium package.
set -euo pipefail
if [[ -n "${CHROMIUM_PATH:-}" ]]; then
  [[ -x "$CHROMIUM_PATH" ]] && exit 0
  echo "ensure-chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
  exit 1
fi
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  [[ -x "$candidate" ]] && exit 0
done
if ! command -v apt-get >/dev/null; then
  echo "ensure-chromium: no Chromium found and no apt-get to install it; install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo="sudo -n"; else
    echo "ensure-chromium: installing Chromium needs root: run 'apt-get install -y chromium' as root, or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi
echo "ensure-chromium: installing Debian's chromium for the browser tests (about 20 s)..." >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >&2
[[ -x /usr/bin/chromium ]] || { echo "ensure-chromium: chromium installed but /usr/bin/chromium is missing" >&2; exit 1; }
