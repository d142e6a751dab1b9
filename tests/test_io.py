"""Atomic writes: a failure leaves the old file (or folder) untouched and no temp files."""

from __future__ import annotations

import pytest

from casecoder.io import atomic_dir, atomic_path, atomic_write_text


def test_io_atomic_write_replaces_whole(tmp_path):
    target = tmp_path / "out" / "codings.csv"
    atomic_write_text(target, "a\n")
    atomic_write_text(target, "b — £\n")
    assert target.read_text(encoding="utf-8") == "b — £\n"
    assert [p.name for p in target.parent.iterdir()] == ["codings.csv"]


def test_io_crash_mid_write_keeps_old_file(tmp_path):
    target = tmp_path / "overrides.yaml"
    target.write_text("analyst: alex\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("analyst: half-writ", encoding="utf-8")
            raise RuntimeError("crash")
    assert target.read_text(encoding="utf-8") == "analyst: alex\n"
    assert [p.name for p in tmp_path.iterdir()] == ["overrides.yaml"]


def test_io_atomic_dir_all_or_nothing(tmp_path):
    site = tmp_path / "site"
    with atomic_dir(site) as tmp:
        (tmp / "index.html").write_text("v1", encoding="utf-8")
    with pytest.raises(ValueError):
        with atomic_dir(site) as tmp:
            (tmp / "index.html").write_text("v2", encoding="utf-8")
            raise ValueError("document not found")
    assert (site / "index.html").read_text(encoding="utf-8") == "v1"
    with atomic_dir(site) as tmp:
        (tmp / "other.html").write_text("v3", encoding="utf-8")
    assert sorted(p.name for p in site.iterdir()) == ["other.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_io_atomic_write_onto_a_folder_names_the_target(tmp_path):
    # The error names the file asked for (not the hidden temp file) and leaves no temp behind.
    target = tmp_path / "out — £"
    target.mkdir()
    with pytest.raises(OSError) as info:
        atomic_write_text(target, "x\n")
    assert info.value.filename == str(target)
    assert [p.name for p in tmp_path.iterdir()] == ["out — £"]


# --- permissions and litter (a team shares the output folder) --------------------------------

import os
import signal
import subprocess
import sys
import textwrap
import time

from casecoder.io import current_umask, remove_stale_temps


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_io_new_file_and_folder_honour_the_umask(tmp_path, umask022):
    assert current_umask() == 0o022
    f = atomic_write_text(tmp_path / "codings.csv", "a\n")
    assert f.stat().st_mode & 0o777 == 0o644
    with atomic_dir(tmp_path / "review") as tmp:
        (tmp / "index.html").write_text("x", encoding="utf-8")
    assert (tmp_path / "review").stat().st_mode & 0o777 == 0o755


def test_io_rewrite_keeps_an_existing_files_mode(tmp_path, umask022):
    target = tmp_path / "alex.yaml"
    target.write_text("analyst: alex\n", encoding="utf-8")
    os.chmod(target, 0o664)
    atomic_write_text(target, "analyst: alex\noverrides: []\n")
    assert target.stat().st_mode & 0o777 == 0o664
    site = tmp_path / "site"
    site.mkdir()
    os.chmod(site, 0o775)
    with atomic_dir(site) as tmp:
        (tmp / "a.html").write_text("x", encoding="utf-8")
    assert site.stat().st_mode & 0o777 == 0o775


def test_io_stale_temps_of_dead_processes_are_removed_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale_file = tmp_path / f".codings.csv.{dead_pid}-0123abcd.tmp.csv"
    stale_dir = tmp_path / f".codings.csv.{dead_pid}-4567abcd.tmp"
    live_file = tmp_path / f".codings.csv.{os.getpid()}-89abcdef.tmp.csv"
    other = tmp_path / f".matrix.csv.{dead_pid}-0123abcd.tmp.csv"  # another output: not ours
    stale_file.write_text("half", encoding="utf-8")
    stale_dir.mkdir()
    (stale_dir / "x").write_text("x", encoding="utf-8")
    live_file.write_text("writing", encoding="utf-8")
    other.write_text("half", encoding="utf-8")
    atomic_write_text(tmp_path / "codings.csv", "a\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["codings.csv", live_file.name, other.name])
    assert remove_stale_temps(tmp_path / "matrix.csv") == [other]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_io_a_killed_writer_leaves_nothing_after_the_next_run(tmp_path, sig):
    target = tmp_path / "codings.csv"
    target.write_text("old\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        import sys, time
        from casecoder.io import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            tmp.write_text("half", encoding="utf-8")
            print("writing", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert target.read_text(encoding="utf-8") == "old\n"  # never damaged
    atomic_write_text(target, "new\n")
    assert [p.name for p in tmp_path.iterdir()] == ["codings.csv"]
    assert target.read_text(encoding="utf-8") == "new\n"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_io_a_killed_site_writer_leaves_nothing_after_the_next_build(tmp_path, sig):
    site = tmp_path / "review"
    site.mkdir()
    (site / "index.html").write_text("old", encoding="utf-8")
    script = textwrap.dedent(f"""
        import time
        from casecoder.io import atomic_dir
        with atomic_dir({str(site)!r}) as tmp:
            (tmp / "index.html").write_text("half", encoding="utf-8")
            print("writing", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert (site / "index.html").read_text(encoding="utf-8") == "old"  # never damaged
    with atomic_dir(site) as tmp:
        (tmp / "index.html").write_text("new", encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["review"]  # the killed run's folder is gone
    assert (site / "index.html").read_text(encoding="utf-8") == "new"
