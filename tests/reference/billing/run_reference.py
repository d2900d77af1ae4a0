#!/usr/bin/env python3
"""Runs many random billing scenarios against the oracle and prints each disagreement.

    PYTHONPATH=build/dev/python python3 tests/reference/billing/run_reference.py --seeds 5000

Exit status 1 when any scenario disagrees. ctest runs a fixed set of seeds through
test_billing_reference.py; this script is for running thousands locally.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scenario  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=500, help="how many scenarios (default 500)")
    ap.add_argument("--start", type=int, default=1, help="first seed (default 1)")
    ap.add_argument("--steps", type=int, default=70, help="operations per scenario")
    ap.add_argument("--stop", action="store_true", help="stop at the first disagreement")
    args = ap.parse_args()
    started = time.monotonic()
    failed = 0
    for seed in range(args.start, args.start + args.seeds):
        problems = scenario.check(seed, args.steps)
        if problems:
            failed += 1
            print("\n".join(problems), flush=True)
            if args.stop:
                break
    took = time.monotonic() - started
    print(f"{args.seeds} scenarios from seed {args.start}: {failed} disagreed ({took:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
