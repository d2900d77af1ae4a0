"""``python3 -m opora ARGS...`` runs the opora command-line tool with ARGS.

The ``opora`` executable is looked for next to this package first, then on PATH.
"""

from __future__ import annotations

import os
import shutil
import sys


def main() -> int:
    """Replaces this process with the opora CLI; returns 127 if it is not found."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "opora")
    exe = here if os.access(here, os.X_OK) and os.path.isfile(here) else shutil.which("opora")
    if exe is None:
        print("opora: the opora command-line tool was not found next to the package or on PATH",
              file=sys.stderr)
        return 127
    os.execv(exe, [exe, *sys.argv[1:]])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
