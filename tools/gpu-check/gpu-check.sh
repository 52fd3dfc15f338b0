#!/usr/bin/env bash
# `pnpm gpu-check [--reduced]`: checks the WebGPU backend on this machine's GPU (see
# tools/bench/src/gpu-check.ts for what it runs and writes). Dawn needs the Vulkan loader (libvulkan.so.1)
# and a Vulkan driver; this finds them or brings the loader:
#  - libvulkan1 with apt-get when root and apt can reach a mirror;
#  - else (no network, as on lent GPU machines) from .gl/*.deb packages downloaded beforehand
#    (`apt-get download libvulkan1`), unpacked into / with dpkg -x;
#  - NVIDIA drivers mounted under /usr/local/nvidia are named to the loader with VK_DRIVER_FILES.
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { printf 'gpu-check: %s\n' "$*"; }

# grep without -q: with pipefail, -q closing the pipe early would fail ldconfig with SIGPIPE.
have_loader() { ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1' >/dev/null; }

if ! have_loader; then
  if compgen -G '.gl/*.deb' >/dev/null; then
    say "unpacking the Vulkan loader from .gl/*.deb"
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  elif [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing libvulkan1 with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libvulkan1 >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libvulkan1 >/dev/null; }
  fi
fi
if ! have_loader; then
  say "no Vulkan loader (libvulkan.so.1): install libvulkan1, or put its .deb under .gl/ on a machine without network"
  exit 1
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [[ -z "${VK_DRIVER_FILES:-}" && -f $nvidia_icd ]]; then
  export VK_DRIVER_FILES=$nvidia_icd
  say "using the NVIDIA Vulkan driver $nvidia_icd"
fi
exec node --import tsx tools/bench/src/gpu-check.ts "$@"
