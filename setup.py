"""Builds the wheel of the Python package opora (pyproject.toml has the metadata).

CMake builds, in Release, the extension ``_opora`` and the ``opora`` CLI that
``python -m opora`` runs, both linked against the static library so no
libopora.so ships. The wheel holds bindings/python/opora/ with the extension,
and the CLI as a script (``bin/opora`` in the environment).

Build files go to $OPORA_PY_BUILD_DIR (kept, so a rebuild is incremental) or
else to a temporary directory, never into the source tree.
"""

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from distutils.command.build_scripts import build_scripts  # after setuptools: its distutils

ROOT = Path(__file__).resolve().parent
VERSION = re.search(r"project\(opora\s+VERSION\s+([0-9.]+)",
                    (ROOT / "CMakeLists.txt").read_text()).group(1)

BUILD = os.environ.get("OPORA_PY_BUILD_DIR")
if not BUILD:
    BUILD = tempfile.mkdtemp(prefix="opora-py-")
    atexit.register(shutil.rmtree, BUILD, ignore_errors=True)
BUILD = Path(BUILD).resolve()
CMAKE_BUILD = BUILD / "cmake"
CLI = CMAKE_BUILD / "python-scripts" / "opora"  # where bindings/python/CMakeLists.txt puts it


class CMakeBuild(build_ext):
    """Configures and builds the CMake project, then copies the extension into place."""

    def run(self):
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.check_call([
            "cmake", "-S", str(ROOT), "-B", str(CMAKE_BUILD), *generator,
            "-DCMAKE_BUILD_TYPE=Release", "-DOPORA_BUILD_TESTS=OFF", "-DOPORA_INSTALL=OFF",
            "-DOPORA_PYTHON_STATIC=ON", f"-DPython_EXECUTABLE={sys.executable}"])
        subprocess.check_call(["cmake", "--build", str(CMAKE_BUILD),
                               "--target", "_opora", "opora_cli_static"])
        built = next((CMAKE_BUILD / "python" / "opora").glob("_opora.*.so"))
        target = Path(self.get_ext_fullpath("opora._opora"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)
        # The CLI is the one script. Set only now: setup() takes no path outside the tree.
        self.distribution.scripts = [str(CLI)]
        self.run_command("build_scripts")


class CopyCLI(build_scripts):
    """The one script is the CLI, a binary: copied as it is."""

    def run(self):
        self.mkpath(self.build_dir)
        for script in self.scripts:
            self.copy_file(script, self.build_dir)


setup(
    version=VERSION,
    packages=["opora"],
    package_dir={"": "bindings/python"},
    package_data={"opora": ["__init__.pyi", "py.typed"]},
    ext_modules=[Extension("opora._opora", sources=[])],
    cmdclass={"build_ext": CMakeBuild, "build_scripts": CopyCLI},
    options={"build": {"build_base": str(BUILD / "setuptools")},
             "egg_info": {"egg_base": str(BUILD)}},
    zip_safe=False,
)
