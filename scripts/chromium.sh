#!/usr/bin/env bash
# Make sure a headless Chromium exists for the `kubelab ui` page test (test/e2e/ui.test.ts): Debian's
# `chromium` package, installed with apt-get as root when missing. Prints the browser's path.
# Idempotent: cheap when it is installed already. KUBELAB_CHROMIUM names another browser binary.
set -euo pipefail

say() { echo "[chromium] $*" >&2; }
die() { echo "[chromium] error: $*" >&2; exit 1; }

find_browser() {
  if [ -n "${KUBELAB_CHROMIUM:-}" ]; then echo "$KUBELAB_CHROMIUM"; return 0; fi
  command -v chromium || command -v chromium-browser || return 1
}

if ! find_browser >/dev/null; then
  [ "$(id -u)" = 0 ] || die "no chromium found and this is not root. Install Chromium (Debian: apt-get install chromium) or set KUBELAB_CHROMIUM to a browser binary."
  command -v apt-get >/dev/null || die "no chromium found and this is not Debian/Ubuntu (no apt-get). Install Chromium or set KUBELAB_CHROMIUM."
  say "installing Debian's chromium (apt-get)"
  # The package lists may be missing or stale on a fresh machine; update only when the install fails.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
fi
find_browser
