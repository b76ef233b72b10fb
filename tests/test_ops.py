"""Every op of the registry (tinyconv.testing.opinfo) against torch.

For each sample and dtype: forward outputs, buffers updated in place, every input gradient
(one random cotangent) and every dtype against torch (tinyconv.testing.compare); a float64
gradcheck on the small or marked samples of each op; and the registry's own invariants
(every public function has an entry, ids are unique, every differentiable op is gradchecked),
each shown to fail when it should.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch")

import tinyconv as tc  # noqa: E402
import tinyconv.nn.functional as F  # noqa: E402
from tinyconv import testing  # noqa: E402
from tinyconv.testing import opinfo  # noqa: E402
from tinyconv.testing.opinfo import normal, x  # noqa: E402

# torch warns that it copies the input for 'same' with an even kernel; that is its business
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = [(s, dt) for s in testing.samples() for dt in s.op.dtypes]
GRADCHECK = [s for op in testing.OPS for s in op.gradcheck_samples()]


@pytest.mark.parametrize("sample,dtype", CASES, ids=[f"{s.id}-{dt}" for s, dt in CASES])
def test_matches_torch(sample, dtype):
    testing.assert_against_torch(sample, dtype)


@pytest.mark.parametrize("sample", GRADCHECK, ids=[s.id for s in GRADCHECK])
def test_gradcheck(sample):
    assert testing.gradcheck(sample)


# ----------------------------------------------------------------------------- double backward
# every op differentiates twice: its backward is written with ops (or is an op of its own)
DOUBLE = [s for op in testing.OPS if op.torch_double_backward for s in op.samples()[:3]
          if s.grad]
GRADGRAD = [s for s in GRADCHECK if s.diff_elements() <= 30][:200]


@pytest.mark.parametrize("sample", DOUBLE, ids=[s.id for s in DOUBLE])
def test_second_derivatives_match_torch(sample):
    rep = testing.check_double_backward(sample)
    bad = rep.failures(sample.tolerance(np.float64, testing.TOL))
    assert not bad, f"{sample.id}: " + "; ".join(bad)


@pytest.mark.parametrize("sample", DOUBLE, ids=[s.id for s in DOUBLE])
def test_second_derivatives_match_torch_in_float32(sample):
    rep = testing.check_double_backward(sample, dtype=np.float32)
    bad = rep.failures(max(sample.tolerance(np.float32, testing.TOL), 1e-4))
    assert not bad, f"{sample.id}: " + "; ".join(bad)


@pytest.mark.parametrize("sample", GRADGRAD, ids=[s.id for s in GRADGRAD])
def test_gradgradcheck(sample):
    assert testing.gradgradcheck(sample)


# ----------------------------------------------------------------------------- the registry
def test_every_public_function_has_an_entry():
    assert testing.missing_entries() == [], "add an OpInfo to tinyconv/testing/opinfo"


def test_a_missing_entry_fails_the_coverage_check():
    without_relu = [o for o in testing.OPS if o.name != "relu"]
    assert testing.missing_entries(without_relu) == ["relu"]


def test_every_entry_names_a_public_callable():
    for op in testing.OPS:
        target = op.public()  # raises AttributeError for a name tinyconv does not have
        assert callable(target) or isinstance(target, property), op.name
        assert op.samples(), f"{op.name} has no samples"


def test_sample_and_bad_argument_ids_are_unique():
    ids = [s.id for s in testing.samples()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    bad = [b.id for b in testing.bad_args()]
    assert len(bad) == len(set(bad)), sorted(i for i in bad if bad.count(i) > 1)


def test_every_differentiable_op_is_gradchecked():
    for op in testing.OPS:
        differentiable = any(d for s in op.samples() for _, _, d in s.inputs)
        if op.gradcheck and differentiable:
            assert op.gradcheck_samples(), f"{op.name}: mark a small sample gradcheck=True"


def test_the_registry_builds_without_torch():
    """tinyconv must work without torch: importing the registry and building every sample
    and bad-argument case imports nothing from torch (only running one does)."""
    code = ("import sys, tinyconv.testing as T; T.samples(); T.bad_args(); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- it can fail
def _one(fn):
    return opinfo.op("relu").sample([x(3, 4, away=1e-2)], label="deliberately wrong", fn=fn)


def _wrong_on_tinyconv(wrong):
    """A call that is right in torch and ``wrong`` in tinyconv (the fn is told the library)."""
    return lambda M, F, t: wrong(F, t) if M.__name__ == "tinyconv" else F.relu(t)


def test_the_driver_catches_a_wrong_forward_and_passes_the_right_one():
    wrong = _one(_wrong_on_tinyconv(lambda F, t: F.relu(t) * (1 + 1e-9)))
    with pytest.raises(AssertionError, match=r"deliberately wrong.*output 0: max abs error"):
        testing.assert_against_torch(wrong, "float64")
    testing.assert_against_torch(_one(lambda M, F, t: F.relu(t)), "float64")


def test_the_driver_catches_a_wrong_dtype():
    s = _one(_wrong_on_tinyconv(lambda F, t: F.relu(t).double()))
    with pytest.raises(AssertionError, match="output 0 has dtype float64, torch float32"):
        testing.assert_against_torch(s, "float32")


def test_the_driver_catches_a_wrong_gradient():
    class Scaled(tc.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 1.0

        @staticmethod
        def backward(ctx, g):
            return g * 1.001

    def fn(M, F, t):
        return Scaled.apply(t) if M.__name__ == "tinyconv" else t * 1.0

    rep = testing.check_against_torch(_one(fn), "float64")
    assert [f for f in rep.failures(1e-10) if f.startswith("grad input")], rep.failures(1e-10)
    assert not [f for f in rep.failures(1e-10) if f.startswith("output")]


def test_the_driver_catches_a_wrong_buffer_and_wrong_indices():
    def bn(M, F, t, rm, rv):
        if M.__name__ == "tinyconv":
            rm = rm + 0.0  # a copy: the caller's running_mean is never updated
        return F.batch_norm(t, rm, rv, training=True)

    s = opinfo.op("batch_norm").sample([x(4, 3), ("running_mean", normal(3), False),
                                        ("running_var", normal(3, shift=3.0), False)],
                                       fn=bn, label="stale buffer")
    assert any("running_mean after the call" in f
               for f in testing.check_against_torch(s, "float64").failures(1e-10))

    def pool(M, F, t):
        y, i = F.max_pool2d(t, 2, return_indices=True)
        return y, (i + 1 if M.__name__ == "tinyconv" else i)

    s = opinfo.op("max_pool2d").sample([("input", opinfo.distinct(1, 1, 4, 4), True)], fn=pool,
                                       label="indices off")
    assert any(f.startswith("output 1") for f in
               testing.check_against_torch(s, "float64").failures(1.0))  # exact, any tol


def test_gradcheck_catches_a_wrong_gradient():
    class Wrong(tc.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.01

    s = _one(lambda M, F, t: Wrong.apply(t))
    with pytest.raises(RuntimeError):
        testing.gradcheck(s)


def test_bad_argument_check_can_fail():
    op = opinfo.op("relu")
    accepted = opinfo.BadArg("accepted", lambda M, F: F.relu(M.ones(3)), TypeError, "input")
    wrong_type = opinfo.BadArg("wrong type", lambda M, F: F.relu([1.0]), ValueError, "input")
    unnamed = opinfo.BadArg("unnamed", lambda M, F: F.relu([1.0]), TypeError, "no such word")
    for b in (accepted, wrong_type, unnamed):
        b.op = op
        assert testing.check_refusal(b), b.label


def test_float32_default_tolerance_and_dtype_of_samples():
    s = opinfo.op("conv2d").samples()[0]
    assert s.tolerance("float32", testing.TOL) == 1e-4  # the op's override
    assert s.tolerance("float64", testing.TOL) == 1e-10
    assert all(a.dtype == np.float32 for a in s.arrays("float32"))
    assert F.conv2d is opinfo.op("conv2d").public()
