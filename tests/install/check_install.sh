#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then builds and runs a tiny
# outside project with find_package(opora) and checks opora.pc.
set -euo pipefail
build="$1"; work="$2"; consumer="$3"
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$consumer" -B "$work/consumer-build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer-build" >/dev/null
"$work/consumer-build/consumer"
libdir=$(find "$work/prefix" -name opora.pc -printf '%h\n' | head -1)
PKG_CONFIG_PATH="$libdir" pkg-config --exists opora
echo "pkg-config: $(PKG_CONFIG_PATH="$libdir" pkg-config --modversion opora) $(PKG_CONFIG_PATH="$libdir" pkg-config --libs opora)"
