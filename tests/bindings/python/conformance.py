"""Conformance cases through the typed bindings (shared/spec/conformance.md).

A suite test gives `run_suite` a function that turns a case's `input` (parsed JSON) into the
typed request, calls the typed FFI function and renders its result as JSON-like values. A
refusal (`NephroError`) becomes `{"error": {"code": ...}}` by `error_code`. The output is
compared with `expected` by the matching rules of conformance.md: every expected key present,
arrays element by element with equal length, numbers within 1e-6, strings, booleans and null
exactly, a boolean never matches a number.
"""

import json
import math
import os

import nephro
from harness import CONFIG, check

NUMBER_TOLERANCE = 1e-6

# The suites of the shared `conformance-next` whose capability has landed: their folders join the
# case directories (conformance-next/README.md).
LANDED_NEXT_SUITES = ["dipstick", "dose"]


def error_code(error):
    """The conformance error code of a `NephroError` (as `nephro eval` prints it)."""
    codes = {
        nephro.NephroError.Validation: "invalid_input",
        nephro.NephroError.DoseOutOfRange: "dose_out_of_range",
        nephro.NephroError.NotMeasurable: "not_measurable",
        nephro.NephroError.NotFound: "not_found",
        nephro.NephroError.Conflict: "conflict",
        nephro.NephroError.CorruptDatabase: "storage",
        nephro.NephroError.Storage: "storage",
        nephro.NephroError.NotADiary: "storage",
        nephro.NephroError.ReadOnly: "storage",
        nephro.NephroError.NewerSchema: "storage",
        nephro.NephroError.UnknownSchema: "storage",
        nephro.NephroError.UpgradeFailed: "storage",
        nephro.NephroError.MigrationFailed: "storage",
        nephro.NephroError.NeedsConfirmation: "needs_confirmation",
    }
    if isinstance(error, nephro.NephroError.Photo):
        return photo_problem_code(error.problem)
    return codes.get(type(error), "unknown")


def photo_problem_code(problem):
    """The conformance code of a `PhotoProblem` (clinical-rules §13)."""
    codes = [
        (nephro.PhotoProblem.TOO_EARLY, "too_early"),
        (nephro.PhotoProblem.TOO_LATE, "too_late"),
        (nephro.PhotoProblem.OVEREXPOSED, "overexposed"),
        (nephro.PhotoProblem.TOO_DARK, "too_dark"),
        (nephro.PhotoProblem.UNEVEN, "uneven"),
    ]
    return next((code for variant, code in codes if isinstance(problem, variant)), "unknown")


def suite_dirs(suite):
    """The shared, the landed shared-next and the project's case directories of `suite` (those
    that exist)."""
    roots = [CONFIG["shared_conformance"]]
    if suite in LANDED_NEXT_SUITES:
        roots.append(CONFIG["next_conformance"])
    roots.append(CONFIG["repo_conformance"])
    return [os.path.join(root, suite) for root in roots if root and os.path.isdir(os.path.join(root, suite))]


def case_files(suite):
    """Every `*.json` case of `suite`, shared ones first, each directory sorted by name."""
    files = []
    for directory in suite_dirs(suite):
        files += sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".json"))
    return files


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def mismatches(expected, actual, path="$"):
    """Where `actual` does not match `expected`, as a list of readable lines (empty: match)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        found = []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{path}.{key}: missing")
            else:
                found += mismatches(value, actual[key], f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected an array, got {actual!r}"]
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} elements, got {len(actual)}: {actual!r}"]
        found = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            found += mismatches(e, a, f"{path}[{i}]")
        return found
    if _is_number(expected):
        if _is_number(actual) and math.isfinite(actual) and abs(actual - expected) <= NUMBER_TOLERANCE:
            return []
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        if type(actual) is type(expected) and actual == expected:
            return []
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return [f"{path}: unsupported expected value {expected!r}"]


def run_suite(suite, evaluate):
    """Runs every case of `suite` through `evaluate(input) -> output`; one check per case,
    plus one that cases were found. Returns the number of cases."""
    files = case_files(suite)
    check(files, f"suite {suite}: no case files found in {suite_dirs(suite) or 'any conformance directory'}")
    for path in files:
        label = f"{suite}/{os.path.basename(path)}"
        try:
            with open(path, encoding="utf-8") as f:
                case = json.load(f)
            try:
                output = evaluate(case["input"])
            except nephro.NephroError as error:
                output = {"error": {"code": error_code(error), "message": str(error)}}
            found = mismatches(case["expected"], output)
        except Exception as error:  # noqa: BLE001 - a broken case or adapter fails this case only
            found = [f"raised {error!r}"]
        check(not found, f"{label}: " + "; ".join(found))
    return len(files)
