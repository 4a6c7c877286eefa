#!/usr/bin/env bash
# Installs the Debian packages ccproxy needs that are not installed yet.
# usage: scripts/install-deps.sh [build|test|bench|package]...   (default: build)
set -euo pipefail

build_pkgs=(g++ cmake make ccache pkg-config
  libboost1.81-dev libboost-url1.81-dev libboost-filesystem1.81-dev
  libtomlplusplus-dev libsimdjson-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libssl-dev zlib1g-dev libsqlite3-dev libxxhash-dev ca-certificates)
test_pkgs=(libgtest-dev libgmock-dev python3 openssl clang libclang-rt-14-dev dpkg-dev groff-base
  zsh fish)
# The Debian package: cpack's DEB generator computes Depends with dpkg-shlibdeps.
package_pkgs=(dpkg-dev)
bench_pkgs=(nginx wrk gnuplot-nox valgrind)

want=()
for set in "${@:-build}"; do
  case "$set" in
    build) want+=("${build_pkgs[@]}") ;;
    test) want+=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
    bench) want+=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
    package) want+=("${build_pkgs[@]}" "${package_pkgs[@]}") ;;
    *) echo "install-deps: unknown set '$set' (build, test, bench, package)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js (the SDK end-to-end test; claude-code-router in the benchmark) may come from elsewhere.
if [[ " $* " == *" test "* || " $* " == *" bench "* ]] && ! command -v node >/dev/null; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi
