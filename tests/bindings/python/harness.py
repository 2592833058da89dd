"""Check helpers for the Python binding tests (see run.py).

Every helper call is one check. A failed check is recorded and the test goes on (so one run
shows every mismatch); a test that raises is recorded as failed at that point. Helpers return
something useful to continue with (the caught error, a bool) so a test can skip what depends
on a failed check.
"""

import math
import os
import shutil
import tempfile
from contextlib import contextmanager

import nephro

# Filled by run.py.
CONFIG = {"shared_conformance": None, "next_conformance": None, "repo_conformance": None, "relay": ""}


class _State:
    checks = 0
    failures = []  # (test name, message)
    current_test = "?"


def _record(ok, what, detail=""):
    _State.checks += 1
    if not ok:
        message = what if not detail else f"{what}: {detail}"
        _State.failures.append((_State.current_test, message))
    return ok


def check(condition, what):
    """Passes when `condition` is true."""
    return _record(bool(condition), what)


def check_equal(actual, expected, what):
    """Passes when `actual == expected` (a bool never equals a number)."""
    ok = actual == expected and isinstance(actual, bool) == isinstance(expected, bool)
    return _record(ok, what, f"got {actual!r}, expected {expected!r}")


def check_close(actual, expected, what, tolerance=1e-6):
    """Passes when two numbers differ by at most `tolerance`."""
    ok = (
        isinstance(actual, (int, float))
        and not isinstance(actual, bool)
        and math.isfinite(actual)
        and abs(actual - expected) <= tolerance
    )
    return _record(ok, what, f"got {actual!r}, expected {expected!r} within {tolerance}")


def check_raises(error_type, what, fn, *args, **expected_attributes):
    """Passes when `fn(*args)` raises `error_type` whose attributes equal
    `expected_attributes` (e.g. `field="weight_kg"`). Returns the error, or None."""
    try:
        value = fn(*args)
    except error_type as error:
        wrong = {k: getattr(error, k, None) for k, v in expected_attributes.items() if getattr(error, k, None) != v}
        _record(not wrong, what, f"{error!r} has {wrong}, expected {expected_attributes}")
        return error if not wrong else None
    except Exception as error:  # noqa: BLE001 - any other error is this check's failure
        _record(False, what, f"raised {error!r}, expected {error_type.__qualname__}")
        return None
    _record(False, what, f"returned {value!r}, expected {error_type.__qualname__}")
    return None


def check_validation(field, what, fn, *args):
    """Passes when `fn(*args)` raises `NephroError.Validation` naming `field`."""
    return check_raises(nephro.NephroError.Validation, what, fn, *args, field=field)


@contextmanager
def temp_dir():
    """A fresh directory, removed afterwards."""
    path = tempfile.mkdtemp(prefix="nephro-py-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def temp_path(directory, name):
    """`directory/name`."""
    return os.path.join(directory, name)
