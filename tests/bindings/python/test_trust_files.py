"""Red-team tests of the diary file from Python: a diary is never lost, a file that is not a
diary is never touched, damage is typed, and exports and backups never replace a diary."""

import gc
import os
import sqlite3
import subprocess
import sys

import nephro
from fixtures import EVENING_MS, MORNING_MS, dose_log, seeded, weight
from harness import check, check_equal, check_raises, check_validation, temp_dir, temp_path


def listing(directory):
    """Every file of a directory with its bytes."""
    files = {}
    for name in sorted(os.listdir(directory)):
        full = os.path.join(directory, name)
        if os.path.isfile(full):
            with open(full, "rb") as f:
                files[name] = f.read()
    return files


def digest(path):
    """Every row of every table, read by Python's own sqlite3 module (read-only)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = []
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            rows += [(table, row) for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')]
        return rows
    finally:
        conn.close()


def release(diary):
    """Drops the last reference to a diary so its file is closed (and checkpointed)."""
    del diary
    gc.collect()


def check_not_a_diary(path, what):
    before = listing(os.path.dirname(path))
    check_raises(nephro.NephroError.NotADiary, what, nephro.Diary.open, path)
    check_equal(listing(os.path.dirname(path)), before, f"{what}: nothing changed, renamed or made")


def test_files_that_are_not_diaries_are_refused_untouched():
    with temp_dir() as tmp:
        text = temp_path(tmp, "notes.txt")
        with open(text, "w") as f:
            f.write("a family's notes\n" * 100)
        check_not_a_diary(text, "a text file")
        empty = temp_path(tmp, "empty.db")
        open(empty, "wb").close()
        check_not_a_diary(empty, "an empty file")
        other = temp_path(tmp, "photos.sqlite")
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO photos VALUES (1, 'beach')")
        conn.commit()
        conn.close()
        check_not_a_diary(other, "another application's database")
        link = temp_path(tmp, "link.db")
        os.symlink(text, link)
        check_not_a_diary(link, "a link to a text file")


def test_paths_that_keep_nothing_are_refused():
    with temp_dir() as tmp:
        before = listing(os.getcwd())
        for path in ["", ":memory:", "file:diary.db", "file::memory:?cache=shared"]:
            check_validation("path", f"open {path!r}", nephro.Diary.open, path)
        check_equal(listing(os.getcwd()), before, "no file made in the working directory")
        check_raises(nephro.NephroError.NotADiary, "a directory", nephro.Diary.open, tmp)


def test_a_diary_of_a_version_no_release_wrote_is_a_typed_error():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.db")
        diary = nephro.Diary.open(path)
        seeded(diary)
        release(diary)
        before = digest(path)
        for version, error_type in [(-1, nephro.NephroError.UnknownSchema), (1000, nephro.NephroError.NewerSchema)]:
            conn = sqlite3.connect(path)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.commit()
            conn.close()
            error = check_raises(error_type, f"schema version {version}", nephro.Diary.open, path, found=version)
            check(error is None or len(str(error)) < 200, "a short message, no SQL")
        check_equal(digest(path), before, "the rows are unchanged")


def test_a_damaged_diary_is_moved_aside_and_kept():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.db")
        release(nephro.Diary.open(path))
        with open(path, "r+b") as f:
            f.seek(100)
            f.write(bytes((i * 37) % 251 for i in range(3996)))  # the schema page, header kept
        with open(path, "rb") as f:
            damaged = f.read()
        error = check_raises(nephro.NephroError.CorruptDatabase, "open a damaged diary", nephro.Diary.open, path)
        if error is not None:
            check(error.kept_at != path and os.path.isfile(error.kept_at), "kept at kept_at")
            with open(error.kept_at, "rb") as f:
                check_equal(f.read(), damaged, "kept byte for byte")
        check_equal(nephro.Diary.open(path).patients(), [], "opening again starts a new diary")


def damage_table(path, table):
    """Overwrites the root page of `table` in the (checkpointed) file with garbage."""
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as f:
        f.seek((root - 1) * page)
        f.write(bytes((i * 89) % 253 for i in range(page)))


def test_damage_met_after_opening_is_typed_and_stops_writes():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.db")
        diary = nephro.Diary.open(path)
        patient, regimen = seeded(diary)
        diary.log_dose(dose_log("py-before", regimen.medication_id, at_ms=MORNING_MS), MORNING_MS, None)
        release(diary)
        damage_table(path, "dose_log")
        with open(path, "rb") as f:
            damaged = f.read()
        diary = nephro.Diary.open(path)
        error = check_raises(
            nephro.NephroError.CorruptDatabase, "a read meets the damage", diary.dose, "py-before", kept_at=path
        )
        check(error is not None, "typed, not Storage")
        check_raises(
            nephro.NephroError.CorruptDatabase,
            "every later write is refused",
            diary.add_measurement,
            patient.id,
            weight(20.5, on="2025-01-20"),
        )
        release(diary)
        with open(path, "rb") as f:
            check_equal(f.read(), damaged, "the damaged file is kept as it was")


def test_backup_and_export_never_replace_a_diary():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.db")
        diary = nephro.Diary.open(path)
        _, regimen = seeded(diary)
        diary.log_dose(dose_log("py-backup", regimen.medication_id, at_ms=MORNING_MS), MORNING_MS, None)
        copy = diary.backup_to(temp_path(tmp, "copy.db"))
        check(not os.path.exists(copy + "-wal"), "the copy needs no -wal")
        check_equal(digest(copy), digest(path), "the copy holds every row, the log's included")
        other = temp_path(tmp, "other.db")
        release(nephro.Diary.open(other))
        before = {p: digest(p) for p in (path, other)}
        for target in (path, other, temp_path(tmp, "./diary.db"), path + "-wal"):
            check_validation("target", f"backup onto {target}", diary.backup_to, target)
            request = nephro.ExportRequest(
                format=nephro.ExportFormat.HTML, from_date=None, to_date=None, deidentify_seed=None,
                locale="en", now_ms=MORNING_MS,
            )
            check_validation("path", f"export onto {target}", diary.export_to_path, 1, request, target)
        check_equal({p: digest(p) for p in (path, other)}, before, "neither diary changed")
        diary.log_dose(dose_log("py-after", regimen.medication_id, slot_time="20:00", at_ms=EVENING_MS), EVENING_MS, None)
        diary.checkpoint()
        check_equal(os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0, 0, "checkpointed")
        release(diary)
        check_equal(nephro.Diary.open(path).dose("py-after").dose.client_id, "py-after", "the diary is still written")


_CHILD = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
import nephro
from fixtures import profile
path, mode = sys.argv[2], sys.argv[3]
diary = nephro.Diary.open(path)
if mode == "read-only":
    assert diary.is_read_only(), "opened read-only"
    assert diary.patients(), "reads work"
    try:
        diary.create_patient(profile())
        print("WROTE")
    except nephro.NephroError.ReadOnly:
        print("REFUSED")
else:
    before = len(diary.patients())
    filler = os.path.join(os.path.dirname(path), "filler")
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"x" * 65536)
                f.flush()
        except OSError:
            pass
    made = 0
    try:
        for n in range(100000):
            diary.create_patient(profile())
            made += 1
        print("NEVER")
    except nephro.NephroError.Storage:
        os.remove(filler)
        assert len(diary.patients()) == before + made, "a refused write added nothing"
        diary.create_patient(profile())
        print("REFUSED")
"""


def run_in_mount_namespace(script, child_args):
    """Runs the child script inside a private mount namespace after `script` (shell); None
    (after saying so) where mount namespaces are not available."""
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True)
    if probe.returncode != 0:
        print("SKIPPED: mount namespaces are not available here")
        return None
    command = f'set -e; {script}; exec "$PY" -c "$CHILD" "$@"'
    env = dict(os.environ, PY=sys.executable, CHILD=_CHILD,
               PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.abspath(__file__))]))
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", command, "sh", *child_args],
        capture_output=True, text=True, env=env,
    )


def test_read_only_volume_and_full_disk():
    # The directory holding the package `nephro` (nephro/__init__.py).
    bindings = os.path.dirname(os.path.dirname(os.path.abspath(nephro.__file__)))
    with temp_dir() as tmp:
        source = temp_path(tmp, "source")
        os.mkdir(source)
        diary = nephro.Diary.open(temp_path(source, "diary.db"))
        seeded(diary)
        release(diary)
        before = digest(temp_path(source, "diary.db"))
        ro = temp_path(tmp, "ro")
        out = run_in_mount_namespace(
            f"mkdir -p '{ro}'; mount --bind '{source}' '{ro}'; mount -o remount,bind,ro '{ro}'",
            [bindings, temp_path(ro, "diary.db"), "read-only"],
        )
        if out is not None:
            check_equal(out.stdout.strip(), "REFUSED", f"a write on a read-only volume: {out.stderr[-500:]}")
            check_equal(digest(temp_path(source, "diary.db")), before, "nothing changed")
        small = temp_path(tmp, "small")
        os.mkdir(small)
        out = run_in_mount_namespace(
            f"mount -t tmpfs -o size=2m tmpfs '{small}'; cp '{source}/diary.db' '{small}/'",
            [bindings, temp_path(small, "diary.db"), "disk-full"],
        )
        if out is not None:
            check_equal(out.stdout.strip(), "REFUSED", f"a write on a full disk: {out.stderr[-800:]}")
