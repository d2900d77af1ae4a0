#!/usr/bin/env bash
# `pip install .` offline into a fresh venv, then the Python tests and
# `python -m opora version` against the installed package (not the build tree).
set -euo pipefail
src="$1"; work="$2"
rm -rf "$work"
mkdir -p "$work"
stamp="$work/stamp"; touch "$stamp"
/usr/bin/python3 -m venv --system-site-packages "$work/venv"   # system pytest, setuptools, wheel
OPORA_PY_BUILD_DIR="$work/build" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
  "$work/venv/bin/pip" install -q --no-build-isolation --no-index --no-cache-dir "$src"
# The build went to $work/build, none of it into the source tree.
leftovers=$(find "$src" -maxdepth 3 -newer "$stamp" \
  \( -name '*.egg-info' -o -name 'lib.linux-*' -o -name 'temp.linux-*' -o -name 'bdist.linux-*' \))
[ -z "$leftovers" ] || { echo "pip install wrote into the source tree: $leftovers" >&2; exit 1; }
# As in an activated venv (bin/opora, the CLI, on PATH), away from the trees.
cd "$work"
unset PYTHONPATH
export PATH="$work/venv/bin:$PATH"
python -c 'import opora, sys; sys.exit(not opora.__file__.startswith(sys.prefix + "/"))' \
  || { echo "opora is not imported from the venv" >&2; exit 1; }
python -m opora version
python -m pytest -q -p no:cacheprovider "$src/tests/python"
