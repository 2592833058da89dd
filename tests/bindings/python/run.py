#!/usr/bin/env python3
"""Runs the Python binding tests: every `test_*` function of every `test_*.py` beside this file.

    run.py [--bindings DIR] [--shared-conformance DIR] [--next-conformance DIR]
           [--repo-conformance DIR] [-k TEXT] [--relay URL]

--bindings            directory holding the generated package nephro/ (with libnephro_ffi.so)
                      (default: $NEPHRO_BINDINGS_PYTHON or <repo>/target/bindings/python)
--shared-conformance  the shared case directory (default: $NEPHRO_SHARED_CONFORMANCE or
                      <repo>/../shared/conformance)
--next-conformance    the shared cases of capabilities being built, of which the landed suites
                      run (default: $NEPHRO_SHARED_CONFORMANCE_NEXT or
                      <repo>/../shared/conformance-next)
--repo-conformance    the project's own cases (default: <repo>/tests/conformance)
-k TEXT               run only tests whose "file::function" name contains TEXT
--relay URL           run the live tests (`live_*.py`) against the relay at URL instead

Prints `python: N checks passed in M tests`, or every failed check and exits 1.
"""

import argparse
import gc
import importlib
import inspect
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bindings", default=os.environ.get("NEPHRO_BINDINGS_PYTHON") or os.path.join(REPO, "target", "bindings", "python"))
    parser.add_argument(
        "--shared-conformance",
        default=os.environ.get("NEPHRO_SHARED_CONFORMANCE") or os.path.join(REPO, "..", "shared", "conformance"),
    )
    parser.add_argument(
        "--next-conformance",
        default=os.environ.get("NEPHRO_SHARED_CONFORMANCE_NEXT") or os.path.join(REPO, "..", "shared", "conformance-next"),
    )
    parser.add_argument("--repo-conformance", default=os.path.join(REPO, "tests", "conformance"))
    parser.add_argument("-k", dest="filter", default="")
    parser.add_argument("--relay", default="", help="a live relay's address: runs live_*.py instead")
    args = parser.parse_args()

    bindings = os.path.abspath(args.bindings)
    if not os.path.isfile(os.path.join(bindings, "nephro", "__init__.py")):
        print(f"python: no nephro package in {bindings} (run scripts/build-bindings.sh)", file=sys.stderr)
        return 2
    sys.path[:0] = [bindings, HERE]

    import harness  # after sys.path: it imports nephro

    harness.CONFIG["shared_conformance"] = os.path.abspath(args.shared_conformance)
    harness.CONFIG["next_conformance"] = os.path.abspath(args.next_conformance)
    harness.CONFIG["repo_conformance"] = os.path.abspath(args.repo_conformance)

    harness.CONFIG["relay"] = args.relay
    prefix = "live_" if args.relay else "test_"
    tests = []
    for file in sorted(f for f in os.listdir(HERE) if f.startswith(prefix) and f.endswith(".py")):
        module = importlib.import_module(file[:-3])
        for name, fn in vars(module).items():  # definition order
            if name.startswith("test_") and inspect.isfunction(fn) and fn.__module__ == module.__name__:
                label = f"{file}::{name}"
                if args.filter in label:
                    tests.append((label, fn))

    state = harness._State
    for label, fn in tests:
        state.current_test = label
        try:
            fn()
        except Exception:  # noqa: BLE001 - an escaping error fails the test, the run goes on
            state.failures.append((label, "raised:\n" + traceback.format_exc().rstrip()))
        gc.collect()  # releases Diary objects (and their files) between tests

    if not tests:
        print("python: no tests found", file=sys.stderr)
        return 1
    if state.failures:
        for label, message in state.failures:
            print(f"FAILED {label}: {message}")
        print(f"python: {len(state.failures)} failures ({state.checks} checks) in {len(tests)} tests")
        return 1
    print(f"python: {state.checks} checks passed in {len(tests)} tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
