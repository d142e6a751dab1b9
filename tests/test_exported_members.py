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


def test_exported_members_every_public_function_has_a_docstring():
    import inspect
    import pkgutil

    missing = []
    for info in pkgutil.walk_packages(casecoder.__path__, "casecoder."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            members = [(name, obj)]
            if inspect.isclass(obj):
                members += [(f"{name}.{k}", v) for k, v in vars(obj).items() if not k.startswith("_") and inspect.isfunction(v)]
            missing += [f"{info.name}.{n}" for n, o in members if (inspect.isfunction(o) or inspect.isclass(o)) and not (o.__doc__ or "").strip()]
    assert missing == []
