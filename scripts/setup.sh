#!/usr/bin/env bash
# Sets up offshelf on a fresh machine: pnpm, the workspace dependencies, and a
# software GPU (Mesa lavapipe) when Dawn finds no WebGPU adapter.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "offshelf needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  # pnpm 11 crashes on Node 20, so the version is pinned.
  echo "Installing pnpm $PNPM_VERSION (the workspace's package manager) with npm."
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION"
fi

echo "Installing workspace dependencies from the lockfile."
pnpm install --frozen-lockfile

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

probe=0
node scripts/probe-adapter.mjs || probe=$?
if [ "$probe" -ne 0 ]; then
  if [ -r /etc/debian_version ] && grep -q '^12' /etc/debian_version; then
    echo "Installing Mesa's lavapipe (a Vulkan driver that runs on the CPU) from bookworm-backports,"
    echo "because Dawn finds no Vulkan adapter, and Debian 12's own Mesa 22 runs only through OpenGL ES"
    echo "in compatibility mode, without subgroups and much slower."
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
        as_root tee /etc/apt/sources.list.d/offshelf-backports.sources >/dev/null
    fi
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      -t bookworm-backports mesa-vulkan-drivers libvulkan1
    node scripts/probe-adapter.mjs
  elif [ "$probe" -eq 2 ]; then
    echo "Only Dawn's OpenGL ES backend found an adapter. offshelf runs there in compatibility mode;"
    echo "a Vulkan driver (a GPU driver, or Mesa's lavapipe, Mesa 24 or newer) makes it much faster."
  else
    echo "No WebGPU adapter found. Install a Vulkan driver (a GPU driver, or Mesa's lavapipe:" >&2
    echo "package mesa-vulkan-drivers, Mesa 24 or newer) and run this script again." >&2
    exit 1
  fi
fi

echo "Building the packages."
pnpm build
