#!/usr/bin/env bash
# Installs the Debian 12 packages ckpt-migrate needs to build and test.
# Idempotent and quick when everything is present; run as root.
set -euo pipefail

PKGS=(
  cmake ninja-build g++ git
  llvm-19-dev llvm-19-tools libzstd-dev   # LLVM 19 Support/TableGen, lit, FileCheck
  libgtest-dev                            # unit tests
  python3-torch python3-numpy python3-xxhash  # the real consumer, for tests
  unzip                                   # `unzip -t` checks in tests
  libtorch-dev                            # the C++ consumer in test/Libtorch
  zlib1g-dev                              # -scan inflates deflated pickles
  bsdutils                                # script(1): a terminal for progress tests
  dpkg-dev                                # cpack -G DEB: dpkg-shlibdeps, dpkg-deb
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The real torch 2.6 (safetensors, numpy 2, omegaconf) for the differential
# tests: a Debian 13 chroot, made once (about 2 minutes, 1.6 GB).
bash "$(dirname "$0")/setup-torch26.sh"
