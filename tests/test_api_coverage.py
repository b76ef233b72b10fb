"""How much of torch's API the issue asks for tinyconv has: the name lists of every
tests/test_api_names_*.py file, gathered and counted.

Each list pairs a reference name (torch's, or torchvision's) with tinyconv's.  The figure is
printed (run pytest with ``-s`` to see it): names present in tinyconv, names present in the
reference, and the share present in both, which must stay at 95% or more (it is 100% when
everything listed exists).  Every reference name must exist: a list naming something torch does
not have is a wrong list.

Signatures are compared where torch exposes one: a Python-level function or class (torch's
C++ builtins have none).  tinyconv must take torch's parameter names, the positional ones in
torch's order, and may add parameters of its own only with defaults; torch's ``out=`` is
counted apart (tinyconv has no ``out=`` arguments).  The differences found are exactly the
ones listed in ``KNOWN_SIGNATURE_DIFFERENCES``, each with its reason.
"""
import glob
import importlib
import importlib.util
import inspect
import os
import sys

import pytest
import torch  # noqa: F401  (the reference must be importable)
from tests.utils import resolve

HERE = os.path.dirname(os.path.abspath(__file__))
THRESHOLD = 0.95

# reference name -> why tinyconv's parameters differ (none at present: add one only with a
# reason a user can act on)
KNOWN_SIGNATURE_DIFFERENCES = {}


def _name_modules():
    """The test_api_names_*.py modules, loaded under private names."""
    mods = []
    for path in sorted(glob.glob(os.path.join(HERE, "test_api_names_*.py"))):
        name = "_api_names_" + os.path.basename(path)[len("test_api_names_"):-3]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mods.append(mod)
    return mods


MODULES = _name_modules()
PAIRS = sorted({pair for mod in MODULES for pair in mod.NAMES})
TORCHVISION = set().union(*(getattr(mod, "TORCHVISION", set()) for mod in MODULES))



def _exists(path):
    if path.startswith("torchvision."):  # torchvision cannot be installed beside this torch
        return path in TORCHVISION
    try:
        resolve(path)
    except (ImportError, AttributeError):
        return False
    return True


def coverage():
    """{"listed", "tinyconv", "reference", "both", "missing": [tinyconv names]}."""
    ours = {o: _exists(o) for _, o in PAIRS}
    ref = {r: _exists(r) for r, _ in PAIRS}
    both = sum(ours[o] and ref[r] for r, o in PAIRS)
    return {"listed": len(PAIRS), "tinyconv": sum(ours.values()), "reference": sum(ref.values()),
            "both": both, "missing": sorted(o for o, ok in ours.items() if not ok),
            "missing_reference": sorted(r for r, ok in ref.items() if not ok)}


def _parameters(obj):
    """The named parameters of a Python-level function or class, or None (no signature, or
    only ``*args, **kwargs``: a dispatch wrapper)."""
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        return None
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return None
    named = [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return named if named or not params else None


def signature_problems(ref, ours):
    """What differs between torch's and tinyconv's parameters: None when torch exposes no
    signature, else ``(problems, torch_has_out)``."""
    theirs = _parameters(resolve(ref))
    if theirs is None:
        return None
    mine_obj = resolve(ours)
    try:
        mine = [p for p in inspect.signature(mine_obj).parameters.values()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    except (TypeError, ValueError):
        return ["tinyconv's has no signature"], False
    if ref.startswith("torch.Tensor.") and not inspect.isclass(mine_obj):
        theirs, mine = theirs[1:], mine[1:]  # self / the function's first argument
    has_out = any(p.name == "out" for p in theirs)
    theirs = [p for p in theirs if p.name != "out"]
    names = {p.name for p in mine}
    problems = [f"no parameter {p.name!r}" for p in theirs if p.name not in names]
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    t_pos = [p.name for p in theirs if p.kind in positional]
    m_pos = [p.name for p in mine if p.kind in positional]
    if m_pos[:len(t_pos)] != t_pos:
        problems.append(f"positional parameters {m_pos}, torch's {t_pos}")
    theirs_names = {p.name for p in theirs}
    problems += [f"extra required parameter {p.name!r}" for p in mine
                 if p.name not in theirs_names and p.default is p.empty]
    return problems, has_out


def signature_report():
    """{"compared": n, "out": [refs whose torch signature has out=], "problems": {ref: [...]}}."""
    compared, outs, problems = 0, [], {}
    for ref, ours in PAIRS:
        if ref.startswith("torchvision.") or not (_exists(ref) and _exists(ours)):
            continue
        found = signature_problems(ref, ours)
        if found is None:
            continue
        compared += 1
        probs, has_out = found
        if has_out:
            outs.append(ref)
        if probs:
            problems[ref] = probs
    return {"compared": compared, "out": outs, "problems": problems}


def test_the_name_lists_are_found():
    assert len(MODULES) >= 3, [m.__name__ for m in MODULES]
    assert all(isinstance(mod.NAMES, list) and mod.NAMES for mod in MODULES)
    assert len(PAIRS) > 500


def test_coverage_of_the_listed_names():
    c = coverage()
    share = c["both"] / c["listed"]
    print(f"\nAPI names listed in {len(MODULES)} files: {c['listed']}; in tinyconv "
          f"{c['tinyconv']} ({c['tinyconv'] / c['listed']:.1%}), in torch/torchvision "
          f"{c['reference']}; present in both: {c['both']} ({share:.1%})")
    if c["missing"]:
        print("missing in tinyconv:", ", ".join(c["missing"]))
    assert share >= THRESHOLD, c["missing"]


def test_every_listed_reference_name_exists():
    assert coverage()["missing_reference"] == []


def test_signatures_take_torchs_parameters():
    rep = signature_report()
    print(f"\nsignatures compared with torch's: {rep['compared']} (torch exposes none for "
          f"its C++ builtins); torch's with out= (not supported): {len(rep['out'])}; "
          f"differences: {len(rep['problems'])}")
    for ref, probs in sorted(rep["problems"].items()):
        known = KNOWN_SIGNATURE_DIFFERENCES.get(ref)
        print(f"  {ref}: {'; '.join(probs)}" + (f"  [known: {known}]" if known else ""))
    assert rep["compared"] >= 150
    assert set(rep["problems"]) == set(KNOWN_SIGNATURE_DIFFERENCES), rep["problems"]


@pytest.mark.parametrize("case", ["missing name", "renamed parameter", "extra required"])
def test_the_checks_can_fail(case, monkeypatch):
    """A name tinyconv lacks lowers the figure; a renamed or extra required parameter is a
    signature difference."""
    if case == "missing name":
        monkeypatch.setattr(sys.modules[__name__], "PAIRS",
                            PAIRS + [("torch.nn.LSTM", "tinyconv.nn.LSTM")])
        c = coverage()
        assert "tinyconv.nn.LSTM" in c["missing"] and c["both"] == c["listed"] - 1
        return
    import tinyconv.nn.functional as F

    def renamed(inp, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
        return None

    def extra(input, grid, scale, mode="bilinear", padding_mode="zeros", align_corners=None):
        return None

    monkeypatch.setattr(F, "grid_sample", renamed if case == "renamed parameter" else extra)
    probs, _ = signature_problems("torch.nn.functional.grid_sample",
                                  "tinyconv.nn.functional.grid_sample")
    assert probs
