"""Registry entries: activations (functional and method forms), softmax family, dropout,
gumbel_softmax, linear."""
import numpy as np

from .core import BadArg, OpInfo, Sample, const, custom, normal, x

NAN = float("nan")
SHAPES = [(7,), (3, 5), (2, 3, 4, 5)]
EXTREME = [-1e4, -800.0, -40.0, -1.0, 0.5, 40.0, 800.0, 1e4]


def _unary(**kw):
    """Away from the kink at 0 (|x| > 1e-2), a few ranks, extreme values, the parity shape."""
    def samples():
        yield Sample([x(3, 4, 5, away=1e-2)], **kw)
        for shape in SHAPES:
            yield Sample([x(*shape, scale=3.0, away=1e-2)], **kw)
        yield Sample([("input", const(EXTREME), True)], label=f"extreme values {kw}".strip(),
                     gradcheck=False, **kw)
    return samples


def _relu_samples():
    yield from _unary()()
    yield Sample([("input", const([-1.0, 0.0, 2.0]), True)], label="gradient at 0 is 0",
                 gradcheck=False)


def _leaky_relu_samples():
    for slope in (0.01, 0.2, -0.5):
        yield Sample([x(3, 4, 5, away=1e-2)], negative_slope=slope)
    for shape in SHAPES:
        yield Sample([x(*shape, scale=3.0, away=1e-2)], label=f"{shape} default slope")
    yield Sample([("input", const(EXTREME), True)], label="extreme values default slope",
                 gradcheck=False)
    for shape in SHAPES:
        yield Sample([x(*shape, scale=3.0, away=1e-2)], negative_slope=0.2)
    yield Sample([("input", const(EXTREME), True)], label="extreme values", gradcheck=False,
                 negative_slope=0.2)


def _gelu_samples():
    for appr in ("none", "tanh"):
        yield Sample([x(3, 4, 5, scale=3.0)], approximate=appr)
        for shape in SHAPES:
            yield Sample([x(*shape, scale=3.0)], approximate=appr)
        yield Sample([("input", const(EXTREME), True)], label=f"extreme values {appr}",
                     gradcheck=False, approximate=appr)


def _smooth(scale):
    def samples():
        yield Sample([x(3, 4, 5, scale=scale)])
        for shape in SHAPES:
            yield Sample([x(*shape, scale=3.0)])
        yield Sample([("input", const(EXTREME), True)], label="extreme values", gradcheck=False)
    return samples


SOFTMAX_GRID = [((5,), 0), ((4, 6), 1), ((4, 6), 0), ((4, 6), -1), ((2, 3, 4, 5), 1),
                ((2, 3, 4, 5), -2), ((2, 3, 4, 5), 3)]
HUGE = [[1e4, -1e4, 0.0], [5e3, 5e3 - 1.0, -1e4]]


def _softmax_samples():
    for dim in (0, 1, -1):
        yield Sample([x(3, 4, 5, scale=5.0)], dim=dim)
    for shape, dim in SOFTMAX_GRID:
        yield Sample([x(*shape, scale=3.0)], dim=dim)
    # saturated: the input gradient is ~1e-3 of the output, so float32 rounding of O(1)
    # terms is ~1e-4 of it
    yield Sample([x(4, 10, scale=300.0)], label="large logits", gradcheck=False,
                 tol={"float32": 3e-4}, dim=1)
    yield Sample([("input", const(HUGE), True)], label="huge logits", gradcheck=False, dim=1)
    yield Sample([x(3, 4)], gradcheck=True, dim=1)


def _method(name, samples):
    """The Tensor-method twin of a functional op, on the same samples."""
    def method_samples():
        for s in samples():
            yield Sample(s.inputs, label=s.label, tol=s.tol, gradcheck=s.gradcheck,
                         fn=lambda M, F, t, **kw: getattr(t, name)(**kw), **s.kwargs)
    return method_samples


def _dropout_samples():
    yield Sample([x(3, 4, 5)], p=0.5, training=False)
    yield Sample([x(3, 4, 5)], p=0.0, training=True)
    yield Sample([x(3, 4, 5)], p=1.0, training=True)


def _dominant(*shape, dim=-1):
    """Logits with one category 200 above the others per slice: the Gumbel noise cannot move
    the winner, so the sample is one-hot (soft up to exp(-200)) in every draw."""
    def make(rng, dt):
        a = rng.standard_normal(shape)
        win = rng.integers(0, shape[dim], shape[:dim % len(shape)] + (1,)
                           + shape[dim % len(shape) + 1:])
        np.put_along_axis(a, win, 200.0, axis=dim)
        return a.astype(dt)
    return ("logits", custom(make, shape), False)


def _gumbel_softmax_samples():
    # random draws differ from torch's: the samples compare what every draw has in common.
    # Their gradients are zero up to round-off (rows summing to 1, saturated softmax), so
    # they are compared as values; tests/test_gumbel_softmax.py compares the gradients (the
    # straight-through one too) with torch's on the same noise
    yield Sample([("logits", normal(5, 4), False)], label="hard: one-hot rows",
                 fn=lambda M, F, t: (F.gumbel_softmax(t, hard=True).sum(-1),
                                     (F.gumbel_softmax(t, hard=True) == 1).sum(-1)))
    yield Sample([("logits", normal(3, 6), False)], label="soft tau=0.5 dim=0: columns sum to 1",
                 fn=lambda M, F, t: F.gumbel_softmax(t, tau=0.5, dim=0).sum(0))
    yield Sample([_dominant(4, 5)], label="dominant logits: soft and hard one-hot",
                 fn=lambda M, F, t: (F.gumbel_softmax(t), F.gumbel_softmax(t, 2.0, True)))
    yield Sample([_dominant(3, 4, 2, dim=1)], label="dominant logits dim=1 hard",
                 fn=lambda M, F, t: F.gumbel_softmax(t, 0.7, hard=True, dim=1))
    yield Sample([("logits", normal(4, 5, scale=3.0), True)],
                 label="tau=1e12: the noise vanishes, softmax(logits / tau) and its gradient",
                 fn=lambda M, F, t: F.gumbel_softmax(t, tau=1e12) * 1e12)


def _linear_samples():
    for shape in [(5, 4), (2, 3, 4), (4,)]:
        for bias in (True, False):
            yield Sample([x(*shape), ("weight", normal(6, 4), True)]
                         + ([("bias", normal(6), True)] if bias else []))
    for shape in [(5,), (4, 5), (2, 3, 5), (2, 1, 3, 5)]:
        for bias in (True, False):
            yield Sample([x(*shape), ("weight", normal(6, 5), True)]
                         + ([("bias", normal(6), True)] if bias else []))
    yield Sample([x(3, 4), ("weight", normal(2, 4), True), ("bias", normal(2), True)],
                 gradcheck=True)


def _x4(M):
    return M.randn(2, 3, 6, 6)


def _x2(M):
    return M.randn(4, 5)


def _type_error(name):
    return BadArg("list input", lambda M, F: getattr(F, name)([1.0]), TypeError, "input")


SOFTMAX_BAD = [BadArg("dim 7", lambda M, F: F.softmax(_x4(M), dim=7), IndexError,
                      "Dimension")]
LOG_SOFTMAX_BAD = [BadArg("dim -9", lambda M, F: F.log_softmax(_x4(M), dim=-9), IndexError,
                          "Dimension")]

OPS = [
    OpInfo("relu", _relu_samples, "activation", bad_args=[_type_error("relu")]),
    OpInfo("leaky_relu", _leaky_relu_samples, "activation", bad_args=[
        BadArg("string input", lambda M, F: F.leaky_relu("x"), TypeError, "input"),
        BadArg("negative_slope nan", lambda M, F: F.leaky_relu(_x4(M), NAN), ValueError,
               "negative_slope", torch=None)]),  # torch returns NaN where x < 0
    OpInfo("gelu", _gelu_samples, "activation", bad_args=[
        BadArg("approximate", lambda M, F: F.gelu(_x4(M), approximate="foo"), RuntimeError,
               "approximate"),
        BadArg("approximate fast", lambda M, F: F.gelu(M.ones(3), approximate="fast"),
               RuntimeError, "approximate")]),
    OpInfo("sigmoid", _smooth(4.0), "activation", bad_args=[
        BadArg("float input", lambda M, F: F.sigmoid(3.0), TypeError, "input",
               torch="raises")]),
    OpInfo("tanh", _smooth(3.0), "activation", bad_args=[
        BadArg("None input", lambda M, F: F.tanh(None), TypeError, "input", torch="raises")]),
    OpInfo("softmax", _softmax_samples, "activation", bad_args=SOFTMAX_BAD),
    OpInfo("log_softmax", _softmax_samples, "activation", bad_args=LOG_SOFTMAX_BAD),
    OpInfo("Tensor.relu", _method("relu", _unary()), "activation"),
    OpInfo("Tensor.sigmoid", _method("sigmoid", _smooth(4.0)), "activation"),
    OpInfo("Tensor.tanh", _method("tanh", _smooth(3.0)), "activation"),
    OpInfo("Tensor.softmax", _method("softmax", _softmax_samples), "activation"),
    OpInfo("Tensor.log_softmax", _method("log_softmax", _softmax_samples), "activation"),
    OpInfo("dropout", _dropout_samples, "activation", bad_args=[
        BadArg("p > 1", lambda M, F: F.dropout(_x4(M), 1.5), ValueError, "probability"),
        BadArg("p < 0", lambda M, F: F.dropout(M.ones(3), -0.1), ValueError, "between 0 and 1"),
        BadArg("p nan", lambda M, F: F.dropout(_x4(M), NAN), ValueError, "probability",
               torch="raises")]),
    OpInfo("gumbel_softmax", _gumbel_softmax_samples, "activation", gradcheck=False, bad_args=[
        BadArg("int64 logits", lambda M, F: F.gumbel_softmax(M.tensor([1, 2])), RuntimeError,
               "floating point", names_op=False),
        BadArg("dim 2", lambda M, F: F.gumbel_softmax(M.ones(2, 3), dim=2), IndexError,
               "range", names_op=False),
        BadArg("a list", lambda M, F: F.gumbel_softmax([1.0, 2.0]), TypeError, "",
               names_op=False)]),
    OpInfo("linear", _linear_samples, "activation", bad_args=[
        BadArg("in_features", lambda M, F: F.linear(_x2(M), M.randn(3, 4)), RuntimeError,
               "weight"),
        BadArg("in_features, shapes", lambda M, F: F.linear(
            M.randn(3, 4, dtype=M.float64), M.randn(2, 5, dtype=M.float64)), RuntimeError,
            r"\(3, 4\).*\(2, 5\)"),
        BadArg("ndarray weight", lambda M, F: F.linear(_x2(M), _x2(M).numpy()), TypeError,
               "weight"),
        BadArg("bias shape", lambda M, F: F.linear(_x2(M), M.randn(3, 5), M.randn(4)),
               RuntimeError, "bias"),
        BadArg("bias shape, shapes", lambda M, F: F.linear(
            M.randn(3, 4, dtype=M.float64), M.randn(2, 4, dtype=M.float64),
            M.randn(3, dtype=M.float64)), RuntimeError, r"bias of shape \(3,\)"),
        BadArg("weight dtype", lambda M, F: F.linear(M.randn(3, 4, dtype=M.float64),
                                                     M.randn(2, 4)), RuntimeError, "dtype")]),
]
