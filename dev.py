#!/usr/bin/env python3
"""Set up casecoder in ./.venv and run its main jobs. Needs only Python 3.11+ and pip.

    python3 dev.py reproduce [ARGS...]   set up, then reproduce the report into out/
                                         (ARGS go to `casecoder reproduce`, e.g. --out DIR)
    python3 dev.py test [PYTEST ARGS...] set up (with test tools and a browser), run the tests
    python3 dev.py setup                 only set up

Setting up creates ``.venv`` when it is missing and installs casecoder into it (editable) with
the extras the job needs. It re-installs only when ``pyproject.toml`` changed, so a second run
starts at once. Nothing else on the machine is touched, except that ``test`` installs Debian's
``chromium`` package for the browser tests when no Chromium is found and apt-get can be used.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".casecoder-setup"
#: The irrCAC release the agreement tests are checked against (see setup()).
IRRCAC = "irrCAC==0.4.4"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def say(msg: str) -> None:
    print(f"[dev.py] {msg}", flush=True)


def setup(extras: str) -> None:
    """Create the venv if needed and install casecoder[extras] when pyproject.toml changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"casecoder needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        say(f"creating {VENV.relative_to(ROOT)}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == key:
        return
    say(f"installing casecoder[{extras}] into .venv (first run takes a few minutes)")
    pip = [str(PY), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(pip + ["install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run(pip + ["install", "-q", "-e", f"{ROOT}[{extras}]"], check=True, cwd=ROOT)
    if "test" in extras.split(","):
        # irrCAC, an oracle of the agreement tests, pins scipy==1.12 and pandas<3 although its
        # code runs on the versions above: install it alone (its imports, numpy, pandas and
        # scipy, come with the test extra)
        subprocess.run(pip + ["install", "-q", "--no-deps", IRRCAC], check=True)
    STAMP.write_text(key)


def ensure_browser() -> None:
    """Install Debian's chromium for the browser tests if none is present and we can."""
    if any(shutil.which(b) for b in BROWSERS) or os.environ.get("CASECODER_BROWSER"):
        return
    apt = shutil.which("apt-get")
    if apt is None or (hasattr(os, "geteuid") and os.geteuid() != 0):
        say("no Chromium found and apt-get is not usable: the browser tests will be skipped")
        return
    say("installing Debian's chromium for the browser tests")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "update", "-qq"], check=False, env=env)
    result = subprocess.run([apt, "install", "-y", "-qq", "chromium"], check=False, env=env)
    if result.returncode != 0:
        say("could not install chromium: the browser tests will be skipped")


def main(argv: list[str]) -> int:
    job, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if job == "setup":
        setup("test,notebooks")
        return 0
    if job == "reproduce":
        setup("notebooks")
        out = [] if any(a == "--out" or a.startswith("--out=") for a in rest) else ["--out", "out"]
        return subprocess.run([str(BIN / "casecoder"), "reproduce", *out, *rest], cwd=ROOT).returncode
    if job == "test":
        setup("test,notebooks")
        ensure_browser()
        code = subprocess.run([str(PY), "-m", "pytest", *rest], cwd=ROOT).returncode
        return 0 if code == 5 else code  # 5: nothing collected (e.g. a -k that matches nothing)
    print(__doc__)
    return 0 if job in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
