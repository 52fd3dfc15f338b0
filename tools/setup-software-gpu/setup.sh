#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) new enough for Dawn, so the WebGPU backend
# runs on machines without a GPU. Dawn refuses Mesa 22.x (Debian bookworm's default); bookworm-backports
# carries Mesa 25.x. Idempotent: exits at once when a new-enough driver is already installed.
set -euo pipefail

MIN_MAJOR=${SETUP_GPU_MIN_MESA:-25}   # overridable for tests only
OS_RELEASE=${SETUP_GPU_OS_RELEASE:-/etc/os-release}
say() { printf 'setup-software-gpu: %s\n' "$*"; }

installed_major() {
  dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/' || true
}

have=$(installed_major)
if [[ -n "$have" && "$have" -ge $MIN_MAJOR ]]; then
  say "mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) already installed"
  exit 0
fi

if [[ ! -r "$OS_RELEASE" ]] || ! grep -qiE '^(ID|ID_LIKE)=.*debian' "$OS_RELEASE"; then
  say "this script supports Debian (bookworm) only; install Mesa >= ${MIN_MAJOR} with lavapipe (Vulkan on CPU) by hand"
  exit 1
fi
. "$OS_RELEASE"
if [[ "$(id -u)" -ne 0 ]]; then
  say "must run as root (it calls apt-get); try: sudo $0"
  exit 1
fi

codename=${VERSION_CODENAME:-bookworm}
list=/etc/apt/sources.list.d/${codename}-backports.list
if ! grep -rqs "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  say "adding ${codename}-backports to $list"
  echo "deb http://deb.debian.org/debian ${codename}-backports main" >"$list"
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -t "${codename}-backports" mesa-vulkan-drivers libvulkan1 >/dev/null

have=$(installed_major)
if [[ -z "$have" || "$have" -lt $MIN_MAJOR ]]; then
  say "installed mesa-vulkan-drivers ${have:-none} is older than ${MIN_MAJOR}; Dawn will refuse it"
  exit 1
fi
say "installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
