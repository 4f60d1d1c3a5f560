#!/usr/bin/env bash
# Installs the Debian packages dpcast builds with, only those missing; silent when none are.
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  libboost-graph-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libgtest-dev
  libsimgrid-dev
  qt6-base-dev qt6-charts-dev
  # Qt6Charts' CMake package requires Qt6OpenGL, whose CMake files are in libqt6opengl6-dev,
  # which qt6-base-dev only recommends (and recommends are not installed here).
  libqt6opengl6-dev
  # A font for dpcast-gui --screenshot under QT_QPA_PLATFORM=offscreen.
  fonts-dejavu-core
  libopenmpi-dev openmpi-bin libopenblas-dev
  # CI's checks: formatting and clang-tidy (HACKING.md); the fuzz targets (clang's libFuzzer).
  clang-format clang-tidy clang libclang-rt-14-dev
)
# Real package names only: a virtual name installs its provider but never reads as installed.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "dpcast: installing missing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for p in "${missing[@]}"; do
  installed "$p" || { echo "dpcast: $p did not install" >&2; exit 1; }
done
