#!/usr/bin/env bash
# Sets up the real torch 2.6 (with safetensors, numpy 2, omegaconf) for the
# differential tests: a Debian 13 ("trixie") chroot made with debootstrap
# from the machine's own Debian mirror, the host's packages untouched
# (../shared/reference/modern-formats.md). Idempotent: quick when the chroot
# is complete. Run as root.
#
#   utils/setup-torch26.sh [ROOT]     (default /var/lib/ckpt-migrate/torch26)
#
# Tests reach it through utils/torch26-python, which lit finds as the
# `torch26` feature.
set -euo pipefail
ROOT=${1:-${CKPT_TORCH26_ROOT:-/var/lib/ckpt-migrate/torch26}}
STAMP="$ROOT/.ckpt-torch26-ready"
PKGS="python3-torch python3-numpy python3-safetensors python3-omegaconf"

# Runs a command in the chroot with /proc (torch reads /proc/cpuinfo)
# mounted in a private mount namespace: nothing stays mounted in the chroot,
# so removing it can never reach the host's /proc.
in_root() {
  unshare --mount --propagation private -- \
    sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$ROOT" "$@"
}

# Earlier versions of this script left /proc mounted there.
if mountpoint -q "$ROOT/proc" 2>/dev/null; then
  umount "$ROOT/proc" || true
fi

if [ -e "$STAMP" ]; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
command -v debootstrap >/dev/null ||
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }

# The mirror the host's apt uses.
MIRROR=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
         grep -v security | head -1)
if [ -z "$MIRROR" ]; then
  MIRROR=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}

echo "setup-torch26: debootstrap trixie into $ROOT from $MIRROR"
mkdir -p "$ROOT"
if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase trixie "$ROOT" "$MIRROR" >/dev/null
fi
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
in_root python3 -c "import torch, safetensors, numpy, omegaconf; assert torch.__version__.startswith('2.')"
touch "$STAMP"
echo "setup-torch26: torch $(in_root python3 -c 'import torch; print(torch.__version__)') ready"
