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
