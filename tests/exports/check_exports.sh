#!/usr/bin/env bash
# Fails if libopora.so exports any symbol not named opora_* (statically
# compiled SQLite, Boost.JSON and fmt must stay hidden), or lacks the SONAME.
set -euo pipefail
lib="$1"
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^opora_' | grep -v '^OPORA_0$' || true)
if [ -n "$bad" ]; then
  echo "libopora exports symbols outside opora_*:" >&2
  echo "$bad" | head -20 >&2
  exit 1
fi
count=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c '^opora_')
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
if [ "$soname" != "libopora.so.0" ]; then
  echo "SONAME is '$soname', expected libopora.so.0" >&2
  exit 1
fi
echo "exports ok: $count opora_* symbols, SONAME $soname"
