"""print(t) as torch prints it: number formats chosen from the values, widths, line wrapping
at 80 columns, summaries of large tensors, and the dtype / size / autograd suffixes."""
import math

import numpy as np
import pytest
import torch

import tinyconv as tc

NAN, INF = float("nan"), float("inf")

CASES = {
    "small and large": lambda M: M.tensor([1e-5, 1.0]),
    "ratio over 1000": lambda M: M.tensor([1000.5, 1.0]),
    "over 1e8": lambda M: M.tensor([1e9, 1.0]),
    "integral wide": lambda M: M.tensor([100000.0, 1.0]),
    "integral": lambda M: M.tensor([-1.0, 2.0]),
    "2-d mixed signs": lambda M: M.tensor([[1.5, -2.25], [3.0, 4.0]]),
    "nan and inf": lambda M: M.tensor([NAN, 1.5, INF, -INF]),
    "zeros": lambda M: M.tensor([0.0, 0.0]),
    "only nan": lambda M: M.tensor([NAN]),
    "negative zero": lambda M: M.tensor([-0.0, 1e-10]),
    "0-d": lambda M: M.tensor(0.5),
    "0-d integral": lambda M: M.tensor(3.0),
    "0-d int": lambda M: M.tensor(7),
    "bool": lambda M: M.tensor([[True], [False]]),
    "int": lambda M: M.tensor([1, -20, 300]),
    "int32": lambda M: M.tensor([[1, 2], [3, 4]], dtype=M.int32),
    "float64": lambda M: M.tensor([0.1, 0.25], dtype=M.float64),
    "wrapped": lambda M: M.arange(30.0) / 7,
    "wrapped rows": lambda M: M.arange(12.0).reshape(1, 12) * 1e-3,
    "3-d": lambda M: M.arange(24).reshape(2, 3, 4),
    "summarised 1-d": lambda M: M.arange(2000.0),
    "summarised int": lambda M: M.arange(1001),
    "summarised 2-d": lambda M: M.arange(2000.0).reshape(40, 50) / 7,
    "summarised 4-d": lambda M: M.arange(4096.0).reshape(8, 8, 8, 8) - 2000,
    "empty": lambda M: M.zeros(0),
    "empty 2-d": lambda M: M.zeros(2, 0),
    "requires grad": lambda M: M.tensor([1.0, 2.0], dtype=M.float64, requires_grad=True),
    "grad_fn": lambda M: M.tensor([1.0, 2.0], requires_grad=True) * 2,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_repr_matches_torch(name):
    expected = repr(CASES[name](torch)).replace("torch.", "tinyconv.")
    assert repr(CASES[name](tc)) == expected


@pytest.mark.parametrize("seed", range(6))
def test_repr_of_random_tensors_matches_torch(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 7, size=rng.integers(1, 4)))
    a = (rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 7)).astype(np.float32)
    assert repr(tc.tensor(a)) == repr(torch.tensor(a))
    ints = rng.integers(-1000, 1000, size=shape)
    assert repr(tc.tensor(ints)) == repr(torch.tensor(ints))


@pytest.fixture
def restore_printoptions():
    yield
    tc.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


OPTION_CASES = [dict(precision=2), dict(sci_mode=False), dict(sci_mode=True),
                dict(profile="short"), dict(profile="full"), dict(profile="default", precision=6),
                dict(linewidth=40, edgeitems=1, threshold=5), dict(threshold=math.inf)]
OPTION_TENSORS = [lambda M: M.tensor([1.23456, 1e-5]), lambda M: M.tensor([0.5, 1.5]),
                  lambda M: M.tensor([1e9, 1.0]), lambda M: M.tensor([0.0, 0.0]),
                  lambda M: M.arange(2000.0), lambda M: M.arange(30.0) / 7,
                  lambda M: M.arange(1005), lambda M: M.arange(64.0).reshape(4, 4, 4)]


@pytest.mark.parametrize("options", OPTION_CASES, ids=str)
def test_set_printoptions_matches_torch(options, restore_printoptions):
    tc.set_printoptions(**options)
    torch.set_printoptions(**options)
    for make in OPTION_TENSORS:
        assert repr(make(tc)) == repr(make(torch)).replace("torch.", "tinyconv.")


@pytest.mark.parametrize("kwargs, name", [(dict(precision=-1), "precision"),
                                          (dict(linewidth=2.5), "linewidth"),
                                          (dict(profile="long"), "profile"),
                                          (dict(sci_mode="yes"), "sci_mode"),
                                          (dict(precision=2, edgeitems=-1), "edgeitems")])
def test_set_printoptions_refuses_bad_values_before_changing_anything(kwargs, name,
                                                                     restore_printoptions):
    # torch accepts these and fails (or not) at the next print; tinyconv names the argument
    before = repr(tc.arange(30.0) / 7)
    with pytest.raises(ValueError, match=name):
        tc.set_printoptions(**kwargs)
    assert repr(tc.arange(30.0) / 7) == before
