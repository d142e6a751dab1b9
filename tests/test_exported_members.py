"""The public surface: a sorted __all__ whose every name resolves to the module that owns it."""

from __future__ import annotations

import importlib
import subprocess
import sys

import casecoder


def test_exported_members_all_sorted_and_resolvable():
    assert casecoder.__all__ == sorted(casecoder.__all__)
    for name in casecoder.__all__:
        obj = getattr(casecoder, name)
        if name == "__version__":
            continue
        module = importlib.import_module(f"casecoder.{casecoder._EXPORTS[name]}")
        assert obj is getattr(module, name)
        assert name in getattr(module, "__all__", [name]), f"{name} is not in casecoder.{casecoder._EXPORTS[name]}.__all__"
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_exported_members_import_is_light():
    code = "import sys, casecoder; print('spacy' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
