"""benchmarks/zoo.py's models: each tinyconv model and its torch twin compute the same thing,
and the accuracy harness (benchmarks/accuracy.py) it reports with runs."""
import importlib.util
import os
import sys

import numpy as np
import pytest
import torch

import tinyconv as tc

from .utils import assert_close

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def _load(name):
    sys.path.insert(0, BENCH)
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}",
                                                      os.path.join(BENCH, f"{name}.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(BENCH)


zoo = _load("zoo")
accuracy = _load("accuracy")


@pytest.mark.parametrize("name", sorted(zoo.MODELS))
def test_twin_matches_in_float64(name):
    """Same structure, same weights: forward and every gradient agree tightly in float64."""
    m, t = zoo.build(name)
    m.double()
    t.double()
    m.train()
    t.train()
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32))
    y = np.array([3, 7])
    out = m(tc.tensor(x))
    tout = t(torch.tensor(x))
    assert_close(out, tout, dtype=np.float64, tol=1e-9, what=f"{name} logits")
    tc.nn.functional.cross_entropy(out, tc.tensor(y)).backward()
    torch.nn.functional.cross_entropy(tout, torch.tensor(y)).backward()
    tgrads = dict(t.named_parameters())
    names = [k for k, _ in m.named_parameters()]
    assert names == list(tgrads)
    for k, p in m.named_parameters():
        assert_close(p.grad, tgrads[k].grad, dtype=np.float64, tol=1e-8, what=f"{name} {k}")


def test_step_closures_train_both():
    tc_step, torch_step = zoo.make_steps("lenet5", 4)
    tc_step()
    torch_step()


def test_accuracy_harness_reports_finite_deviations():
    res = accuracy.deviations(lambda: zoo.MODELS["resnet20"](zoo.library("tinyconv")),
                              lambda: zoo.MODELS["resnet20"](zoo.library("torch")),
                              zoo.copy_state, (3, 32, 32), batch=2, seed=0)
    for key in ("logits", "all_grads"):
        a, b = res[key]
        assert 0 < a < 1e-4 and 0 < b < 1e-4, (key, a, b)
    assert res["layers"] and all(np.isfinite(r[1]) and np.isfinite(r[2]) for r in res["layers"])
    s = accuracy.summarize([res])
    assert set(s) == {"logits", "all_grads", "flips"}
