"""A third-party REFI-QDA reader checks our export: pyqdpx opens what casecoder writes.

pyqdpx (on PyPI, MIT; the library that published ``nvivo12-windows-oltas.qdpx``) reads a
``.qdpx`` the way NVivo-centred scripts do: it matches GUIDs written in lower case only, looks
for ``sources/<guid>.txt`` and counts positions in UTF-16 code units (it inserts a zero-width
space after every character beyond U+FFFF before slicing). Version 0.1.8 needs Python 3.12 or
newer (its f-strings do not parse on 3.11), so the tests build a cached virtual environment with
such an interpreter, install pyqdpx there once (test set-up, like installing the test extras),
and run it in a subprocess on our export. They skip, saying why, where no Python >= 3.12 is
found or pyqdpx cannot be installed.

Where the environment lives: ``.cache/pyqdpx/`` in the clone (git-ignored; delete it to
rebuild). ``CASECODER_PYQDPX_PYTHON`` names the interpreter to use instead of searching.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from casecoder.codebook import Code, Codebook
from casecoder.refi import export_qdpx, guid_for
from casecoder.schema import normalise_codings

REPO = Path(__file__).resolve().parents[1]
PYQDPX = "pyqdpx==0.1.8"
CACHE = REPO / ".cache" / "pyqdpx"

# Run by the pyqdpx environment's interpreter: read the project the way pyqdpx's users do and
# write what it found as JSON. pyqdpx prints its warnings to stdout, which the test keeps.
READER = r'''
import json, sys
import pyqdpx

project = pyqdpx.QDPX(sys.argv[1]).get_project()
out = {"users": {g: u.name for g, u in project.users.items()},
       "codes": {g: {"name": c.name, "parent": c.parent.guid if c.parent else None,
                     "description": c.description} for g, c in project.codes.items()},
       "sources": {}, "selections": {}}
for g, s in project.sources.items():
    out["sources"][g] = {"name": s.name, "text": s.text_content}
    for sg, sel in s.coded_selections.items():
        out["selections"][sg] = {"source": g, "start": sel.start, "end": sel.end, "text": sel.text,
                                 "code": sel.code.guid, "user": sel.user.name}
with open(sys.argv[2], "w", encoding="utf-8") as fh:
    json.dump(out, fh, ensure_ascii=False)
'''


def _version_ok(python: str) -> str | None:
    """The interpreter's ``major.minor`` if it is Python >= 3.12 with venv, else None."""
    try:
        res = subprocess.run([python, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = res.stdout.strip()
    if res.returncode or not re.fullmatch(r"\d+\.\d+", version):
        return None
    return version if tuple(map(int, version.split("."))) >= (3, 12) else None


def _candidates() -> Iterator[str]:
    if os.environ.get("CASECODER_PYQDPX_PYTHON"):
        yield os.environ["CASECODER_PYQDPX_PYTHON"]
        return
    yield sys.executable
    for name in ("python3.12", "python3.13", "python3.14"):
        found = shutil.which(name)
        if found:
            yield found
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if pyenv.is_dir():
        def key(p: Path) -> tuple[int, ...]:
            return tuple(int(x) for x in re.findall(r"\d+", p.name)[:3])

        for version in sorted((p for p in pyenv.iterdir() if re.fullmatch(r"3\.\d+\.\d+", p.name)), key=key):
            yield str(version / "bin" / "python3")


def find_python312() -> tuple[str, str] | None:
    """The first Python >= 3.12 on this machine (this one, PATH, pyenv) and its version."""
    for python in _candidates():
        version = _version_ok(python)
        if version:
            return python, version
    return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (two test workers must not build one venv twice)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: one worker at a time is the user's care
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@pytest.fixture(scope="session")
def pyqdpx_python() -> str:
    """The interpreter of a cached venv (Python >= 3.12) with pyqdpx installed."""
    found = find_python312()
    if found is None:
        pytest.skip("pyqdpx 0.1.8 needs Python >= 3.12 and none was found (this Python, PATH, "
                    "~/.pyenv/versions, CASECODER_PYQDPX_PYTHON)")
    python, version = found
    venv = CACHE / f"py{version}-{PYQDPX.replace('==', '-')}"
    ready = venv / ".ready"
    with _locked(CACHE / ".lock"):
        if not ready.is_file():
            shutil.rmtree(venv, ignore_errors=True)
            build = venv.with_name(venv.name + ".building")
            shutil.rmtree(build, ignore_errors=True)
            steps = ([python, "-m", "venv", str(build)],
                     [str(_venv_python(build)), "-m", "pip", "install", "-q", "--disable-pip-version-check", PYQDPX])
            for step in steps:
                res = subprocess.run(step, capture_output=True, text=True, timeout=900)
                if res.returncode:
                    shutil.rmtree(build, ignore_errors=True)
                    tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or ["(no output)"]
                    pytest.skip(f"could not set up pyqdpx with Python {version}: {' '.join(step[:3])}... "
                                f"failed: {tail[0]}")
            # venvs hold absolute paths: build under the final name's sibling, then rename
            # and record that it is complete only once it is.
            build.rename(venv)
            res = subprocess.run([str(_venv_python(venv)), "-c", "import pyqdpx"], capture_output=True, text=True)
            if res.returncode:
                shutil.rmtree(venv, ignore_errors=True)
                pytest.skip(f"pyqdpx does not import in the cached venv: {res.stderr.strip()[-200:]}")
            ready.write_text(f"{python}\n{PYQDPX}\n")
    return str(_venv_python(venv))


def read_with_pyqdpx(python: str, qdpx: Path, tmp: Path) -> tuple[dict, str]:
    """What pyqdpx finds in ``qdpx`` (users, codes, sources, selections) and what it printed."""
    script, out = tmp / "read_pyqdpx.py", tmp / "pyqdpx.json"
    script.write_text(READER, encoding="utf-8")
    res = subprocess.run([python, str(script), str(qdpx), str(out)], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert res.returncode == 0, res.stderr
    return json.loads(out.read_text(encoding="utf-8")), res.stdout


def same_text(theirs: str, ours: str) -> bool:
    """Whether pyqdpx's ``theirs`` is ``ours``: pyqdpx holds a text with a zero-width space
    added after each grapheme for every character in it beyond U+FFFF, so that its indices are
    UTF-16 code units (as NVivo counts); it is ours once those are taken out, and as long as
    ours counted in UTF-16 units."""
    return theirs.replace("\u200b", "") == ours and len(theirs) == len(ours.encode("utf-16-le")) // 2


def _selections(codings: pd.DataFrame) -> dict[str, tuple[str, int, int, str, set[str]]]:
    """Selection GUID -> (document, start, end, analyst, codes) as export_qdpx groups rows."""
    coded = codings[codings["status"] == "coded"]
    out = {}
    for (doc, start, end, analyst), g in coded.groupby(["document", "start", "end", "analyst"]):
        out[guid_for("selection", doc, start, end, analyst).lower()] = (doc, int(start), int(end), analyst,
                                                                         set(g["code"]))
    return out


def _check(found: dict, printed: str, documents, codings: pd.DataFrame, codebook) -> None:
    """pyqdpx found every source, code, user and selection of our export, with the same text."""
    assert not re.search(r"^(Warning|Error)", printed, re.M), printed[:2000]
    docs = {d.id: d for d in documents}
    assert {s["name"] for s in found["sources"].values()} == set(docs)
    for g, s in found["sources"].items():
        assert g == guid_for("source", s["name"]).lower()
        assert same_text(s["text"], docs[s["name"]].text)
    label_of = {guid_for("code", c.id).lower(): c for c in codebook.codes}
    assert set(found["codes"]) == set(label_of)
    for g, c in found["codes"].items():
        assert c["name"] == label_of[g].label
        parent = label_of[g].parent
        assert c["parent"] == (guid_for("code", parent).lower() if parent else None)
    analysts = set(codings.loc[codings["status"] == "coded", "analyst"]) | {"casecoder"}
    assert set(found["users"].values()) == analysts
    expected = _selections(codings)
    assert set(found["selections"]) == set(expected)
    for g, sel in found["selections"].items():
        doc, start, end, analyst, codes = expected[g]
        assert found["sources"][sel["source"]]["name"] == doc
        assert same_text(sel["text"], docs[doc].text[start:end]), (g, doc, start, end, sel["text"])
        assert sel["user"] == analyst
        # pyqdpx keeps the first Coding of a selection only; it must be one of ours
        assert sel["code"] in {guid_for("code", c).lower() for c in codes}


@pytest.mark.slow
def test_refi_pyqdpx_reads_the_shipped_study(pyqdpx_python, tmp_path):
    from casecoder.studies.solace.reproduce import run_study, study_paths

    run = run_study(study_paths(REPO))
    out = tmp_path / "study.qdpx"
    report = export_qdpx(out, run.documents, run.codings, run.codebook)
    found, printed = read_with_pyqdpx(pyqdpx_python, out, tmp_path)
    assert (len(found["sources"]), len(found["codes"])) == (9, 17)  # the shipped study
    assert len(found["selections"]) == report.counts["selections"]
    _check(found, printed, run.documents, run.codings, run.codebook)


EMOJI_TEXT = ("Interviewer: What changed?\n\n"
              "Leader: We said 🙂 yes to residents 👍🏽 first. Then the 𝄞 band played on.\n")


def _emoji_study(tmp_path: Path):
    from casecoder.transcripts import read_corpus

    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "north.md").write_text("---\ncase: north\n---\n" + EMOJI_TEXT, encoding="utf-8")
    docs = read_corpus([tmp_path / "t"])
    book = Codebook(codes=(Code(id="involve_residents", label="Involve residents"),
                           Code(id="culture", label="Culture")), path="codebook.yaml")
    rows = []
    for quote, code in (("yes to residents 👍🏽 first", "involve_residents"), ("the 𝄞 band", "culture"),
                        ("played on", "culture")):
        start = docs[0].text.index(quote)
        rows.append({"document": "north", "case": "north", "start": start, "end": start + len(quote), "text": quote,
                     "code": code, "analyst": "Zoë", "source": "manual", "status": "coded"})
    return docs, normalise_codings(pd.DataFrame(rows)), book


def test_refi_pyqdpx_reads_utf16_positions_around_emoji(pyqdpx_python, tmp_path):
    docs, codings, book = _emoji_study(tmp_path)
    export_qdpx(tmp_path / "u16.qdpx", docs, codings, book, convention="utf16")
    found, printed = read_with_pyqdpx(pyqdpx_python, tmp_path / "u16.qdpx", tmp_path)
    _check(found, printed, docs, codings, book)
    # the specification's code points put every span after an emoji off for a UTF-16 reader
    export_qdpx(tmp_path / "cp.qdpx", docs, codings, book, convention="codepoints")
    found, _ = read_with_pyqdpx(pyqdpx_python, tmp_path / "cp.qdpx", tmp_path)
    theirs = sorted(s["text"].replace("\u200b", "") for s in found["selections"].values())
    assert len(theirs) == 3 and theirs != sorted(codings["text"])
