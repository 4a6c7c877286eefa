#!/usr/bin/env bash
# Builds ccproxy (Release) and the Debian package ccproxy_<version>_<arch>.deb in build/package/.
# Install it with: sudo apt install ./build/package/ccproxy_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build package
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCCPROXY_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)"
mkdir -p build/package
cpack --config build/release/CPackConfig.cmake -B build/package
rm -rf build/package/_CPack_Packages
ls build/package/ccproxy_*.deb
