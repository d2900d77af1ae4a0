#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then builds and runs a tiny
# outside project with find_package(opora) and checks opora.pc.
set -euo pipefail
build="$1"; work="$2"; consumer="$3"
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# The pkg-config file must point at the real include and library folders.
pc=$(find "$work/prefix" -name opora.pc | head -1)
incdir=$(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --variable=includedir opora)
libdir_pc=$(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --variable=libdir opora)
[ -f "$incdir/opora/opora.h" ] || { echo "opora.pc includedir $incdir has no opora/opora.h" >&2; exit 1; }
ls "$libdir_pc"/libopora.so* >/dev/null || { echo "opora.pc libdir $libdir_pc has no libopora" >&2; exit 1; }
cmake -S "$consumer" -B "$work/consumer-build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer-build" >/dev/null
"$work/consumer-build/consumer"
libdir=$(find "$work/prefix" -name opora.pc -printf '%h\n' | head -1)
PKG_CONFIG_PATH="$libdir" pkg-config --exists opora
echo "pkg-config: $(PKG_CONFIG_PATH="$libdir" pkg-config --modversion opora) $(PKG_CONFIG_PATH="$libdir" pkg-config --libs opora)"
