"""Registry entries: batch_norm, group_norm, layer_norm, instance_norm.

Running statistics are non-differentiable inputs: the driver compares them after the call.
"""
import numpy as np

from .core import BadArg, OpInfo, Sample, const, custom, normal, positive, x

NAN = float("nan")
# float32: the gradients lose a few bits to cancellation (sums of centred values)
TOL_NORM = {"float32": 1e-4}
AFFINE = [(False, False), (True, False), (False, True), (True, True)]


def _affine(C, affine, weight=None):
    """The weight/bias inputs for an (has_weight, has_bias) pair; absent ones are None."""
    w, b = affine
    return (([("weight", weight or normal(*C), True)] if w else [])
            + ([("bias", normal(*C), True)] if b else []))


def _stats(C):
    return [("running_mean", normal(C), False), ("running_var", positive(C), False)]


def _spiky(*shape):
    """Large offsets and constant rows: the centred fallback and zero variances."""
    def make(rng, dtype):
        a = rng.standard_normal(shape)
        a[:, 0] += 1000.0  # a channel whose mean dwarfs its spread
        a[:, 1] = 7.0  # a constant channel
        a[1, 2] = -3.0  # one constant (sample, channel) row
        return a.astype(dtype)
    return custom(make, shape)


NO_STATS = dict(running_mean=None, running_var=None, training=True)


def _bn_noncontiguous(M, F, x, weight):
    return F.batch_norm(x.permute(0, 2, 1, 3), None, None, weight, training=True)


def _batch_norm_samples():
    for shape in [(4, 3, 5, 6), (6, 3), (5, 3, 7)]:
        C = shape[1]
        for training, affine in [(True, True), (True, False), (False, True)]:
            ins = [x(*shape, scale=2.0)] + _stats(C)
            ins += _affine((C,), (affine, affine), positive(C))
            yield Sample(ins, training=training, momentum=0.3, eps=1e-4)
    for shape in [(6, 3), (4, 5, 7), (3, 4, 5, 6), (2, 3, 4, 1, 3)]:
        C = shape[1]
        for affine in AFFINE:
            for training in (True, False):
                ins = [x(*shape, scale=2.0, shift=0.5)] + _stats(C) + _affine((C,), affine)
                yield Sample(ins, training=training, momentum=0.3)
    for seed in range(6):  # random momentum and eps (was tests/test_norm.py's random options)
        rng = np.random.default_rng(100 + seed)
        shape = tuple(int(s) for s in rng.integers(2, 6, size=int(rng.integers(2, 5))))
        C = shape[1]
        ins = [x(*shape, scale=3.0, shift=-1.0), ("running_mean", const(np.zeros(C)), False),
               ("running_var", const(np.ones(C)), False)] + _affine((C,), (1, 1))
        yield Sample(ins, label=f"random options {seed}", training=True,
                     momentum=float(rng.uniform(0.0, 1.0)), eps=float(10.0 ** rng.uniform(-6, -1)))
    yield Sample([x(5, 4, 3)], label="training without running statistics", **NO_STATS)
    yield Sample([x(5, 6, 4, 3), ("weight", normal(4), False)], fn=_bn_noncontiguous,
                 label="non-contiguous (permuted) input")
    yield Sample([x(16, 3, 8, shift=1000.0)], label="offset 1000 (centred variance)",
                 tol={"float32": 2e-3}, gradcheck=False, **NO_STATS)
    yield Sample([("input", _spiky(4, 4, 3, 5), True)] + _affine((4,), (1, 1)),
                 label="offsets and constant channels", tol={"float32": 2e-3}, gradcheck=False,
                 **NO_STATS)
    yield Sample([x(4, 3, 2)] + _affine((3,), (1, 1)), gradcheck=True, **NO_STATS)
    yield Sample([x(4, 3, 2)] + _stats(3) + _affine((3,), (1, 1)), gradcheck=True, training=False)


def _gn_bias_only(M, F, x, bias, num_groups, eps):
    """Bias without weight: torch's backward fails there ("tensor does not have a device"),
    so torch gets an explicit weight of ones, which is the same function."""
    ones = M.ones(x.shape[1], dtype=x.dtype) if M.__name__ == "torch" else None
    return F.group_norm(x, num_groups, ones, bias, eps=eps)


def _group_norm_samples():
    for shape, groups in [((2, 6, 4, 5), 3), ((2, 6, 4, 5), 1), ((2, 6, 4, 5), 6),
                          ((3, 4, 7), 2)]:
        C = shape[1]
        yield Sample([x(*shape), ("weight", positive(C), True), ("bias", normal(C), True)],
                     num_groups=groups, eps=1e-5)
    yield Sample([x(2, 4, 3, 3)], num_groups=2)
    for shape, groups in [((2, 6), 3), ((3, 6, 5), 2), ((2, 4, 3, 5), 4), ((2, 4, 3, 5), 1),
                          ((1, 6, 2, 2, 2), 6)]:
        C = shape[1]
        for affine in AFFINE:
            ins = [x(*shape, scale=2.0, shift=0.3)] + _affine((C,), affine)
            fn = _gn_bias_only if affine == (False, True) else None
            # two values per group normalise to about +-1 whatever they are: the input
            # gradient is a difference of nearly equal float32 terms
            per_group = int(np.prod(shape)) // shape[0] // groups
            tol = {"float32": 5e-4} if per_group <= 2 else None
            yield Sample(ins, fn=fn, tol=tol, num_groups=groups, eps=1e-4)
    yield Sample([("input", _spiky(4, 4, 3, 5), True)] + _affine((4,), (1, 1)), num_groups=2,
                 label="offsets and constant channels", tol={"float32": 2e-3}, gradcheck=False)
    yield Sample([x(2, 4, 3)] + _affine((4,), (1, 1)), gradcheck=True, num_groups=2)


def _layer_norm_samples():
    for shape, ns in [((2, 3, 4, 5), (5,)), ((2, 3, 4, 5), (4, 5)), ((2, 3, 4, 5), (3, 4, 5)),
                      ((6, 7), (7,))]:
        yield Sample([x(*shape), ("weight", positive(*ns), True), ("bias", normal(*ns), True)],
                     normalized_shape=ns)
    yield Sample([x(3, 8)], normalized_shape=(8,), eps=1e-3)
    for shape, ns in [((4, 7), (7,)), ((3, 4, 5), (5,)), ((3, 4, 5), (4, 5)),
                      ((2, 3, 4, 5), (3, 4, 5)), ((6,), (6,))]:
        for affine in AFFINE:
            yield Sample([x(*shape, scale=1.5, shift=-0.7)] + _affine(ns, affine),
                         label=f"{shape} normalized_shape={ns} weight={affine[0]} "
                               f"bias={affine[1]}", normalized_shape=ns)
    yield Sample([x(4, 7)], label="int normalized_shape",
                 fn=lambda M, F, x: F.layer_norm(x, 7 if M.__name__ == "tinyconv" else (7,)))
    yield Sample([x(2, 3, 4, 5)], label="list normalized_shape", normalized_shape=[3, 4, 5])
    yield Sample([x(3, 2, 3)] + _affine((2, 3), (1, 1)), gradcheck=True, normalized_shape=(2, 3))


def _instance_norm_samples():
    yield Sample([x(2, 3, 5, 4), ("weight", positive(3), True), ("bias", normal(3), True)])
    yield Sample([x(2, 3, 5, 4)] + _stats(3), momentum=0.2)
    for shape in [(3, 4, 5), (2, 3, 4, 5)]:
        C = shape[1]
        for affine in AFFINE:
            for stats in (False, True):
                ins = [x(*shape, scale=2.0, shift=1.0)] + (_stats(C) if stats else [])
                yield Sample(ins + _affine((C,), affine), momentum=0.2)
    yield Sample([x(2, 3, 6)] + _stats(3) + _affine((3,), (1, 1)), label="eval mode",
                 use_input_stats=False)
    yield Sample([("input", _spiky(4, 4, 3, 5), True)] + _affine((4,), (1, 1)),
                 label="offsets and constant channels", tol={"float32": 2e-3}, gradcheck=False)
    yield Sample([x(2, 4, 3)] + _affine((4,), (1, 1)), gradcheck=True)


def _x4(M):
    return M.randn(2, 3, 6, 6)


def _x3(M):
    return M.randn(4, 3, 5)


BATCH_NORM_BAD = [
    BadArg("eps < 0", lambda M, F: F.batch_norm(_x4(M), None, None, training=True, eps=-1.0),
           ValueError, "eps"),
    BadArg("eps 0", lambda M, F: F.batch_norm(M.randn(2, 6, 3), None, None, training=True,
                                              eps=0.0), ValueError, "eps"),
    # NaN hyper-parameters (found by the hardening tests): torch computes NaNs with them
    BadArg("eps nan", lambda M, F: F.batch_norm(_x4(M), None, None, training=True, eps=NAN),
           ValueError, "eps", torch=None),
    BadArg("momentum nan", lambda M, F: F.batch_norm(_x4(M), M.zeros(3), M.ones(3),
                                                     training=True, momentum=NAN),
           ValueError, "momentum", torch=None),  # torch computes NaN statistics
    BadArg("momentum None", lambda M, F: F.batch_norm(M.randn(4, 3), None, None, training=True,
                                                      momentum=None), TypeError, "momentum"),
    BadArg("running shape", lambda M, F: F.batch_norm(_x4(M), M.zeros(4), M.ones(4)),
           RuntimeError, "running_mean"),
    BadArg("running_mean channels", lambda M, F: F.batch_norm(
        _x3(M), M.zeros(2), M.ones(2), training=True), RuntimeError,
        r"running_mean should contain 3 .*\(4, 3, 5\)"),
    BadArg("weight channels", lambda M, F: F.batch_norm(
        _x3(M), M.zeros(3), M.ones(3), M.ones(2), training=True), RuntimeError,
        r"weight should contain 3 .*\(2,\)"),
    BadArg("bias channels", lambda M, F: F.batch_norm(
        _x3(M), M.zeros(3), M.ones(3), None, M.ones(4), training=True), RuntimeError,
        "bias should contain 3"),
    BadArg("input rank", lambda M, F: F.batch_norm(M.randn(3), M.zeros(3), M.ones(3)),
           ValueError, "input", torch="raises"),
    BadArg("eval without statistics", lambda M, F: F.batch_norm(M.randn(2, 6, 3), None, None,
                                                                training=False),
           RuntimeError, "evaluation mode"),
    BadArg("one value per channel", lambda M, F: F.batch_norm(M.randn(1, 3), None, None,
                                                              training=True),
           ValueError, r"more than 1 value per channel.*\(1, 3\)"),
    BadArg("integer input", lambda M, F: F.batch_norm(M.tensor([[1, 2], [3, 4]]), None, None,
                                                      training=True),
           TypeError, "floating point", torch="raises"),
]

GROUP_NORM_BAD = [
    BadArg("channels not divisible", lambda M, F: F.group_norm(_x4(M), 2), RuntimeError,
           "num_groups"),
    BadArg("channels not divisible, shapes", lambda M, F: F.group_norm(M.randn(2, 6, 3), 4),
           RuntimeError, r"divisible by num_groups.*\(2, 6, 3\).*num_groups=4"),
    BadArg("groups 0", lambda M, F: F.group_norm(_x4(M), 0), RuntimeError, "num_groups",
           torch="raises"),
    BadArg("eps nan", lambda M, F: F.group_norm(_x4(M), 3, eps=NAN), ValueError, "eps",
           torch=None),  # torch computes NaNs
    BadArg("weight channels", lambda M, F: F.group_norm(_x3(M), 3, M.ones(5)), RuntimeError,
           "weight should contain 3"),
    BadArg("one value per group", lambda M, F: F.group_norm(M.zeros(1, 1), 1), ValueError,
           "group_norm"),
]

LAYER_NORM_BAD = [
    BadArg("normalized_shape", lambda M, F: F.layer_norm(_x4(M), (5,)), RuntimeError,
           "normalized_shape"),
    BadArg("normalized_shape and input", lambda M, F: F.layer_norm(M.randn(2, 6, 3), (4,)),
           RuntimeError, r"normalized_shape=\[4\].*\(2, 6, 3\)"),
    BadArg("weight shape", lambda M, F: F.layer_norm(M.randn(2, 6, 3), (3,), M.ones(4)),
           RuntimeError, r"weight of shape \(4,\)"),
    BadArg("eps nan", lambda M, F: F.layer_norm(_x4(M), (6,), eps=NAN), ValueError, "eps",
           torch=None),  # torch computes NaNs
]

INSTANCE_NORM_BAD = [
    BadArg("input rank", lambda M, F: F.instance_norm(M.randn(3)), ValueError, "input",
           torch="raises"),
    BadArg("eps nan", lambda M, F: F.instance_norm(_x4(M), eps=NAN), ValueError, "eps",
           torch=None),  # torch computes NaNs
    BadArg("one spatial element", lambda M, F: F.instance_norm(M.randn(2, 3, 1)), ValueError,
           "more than 1 spatial element"),
    BadArg("eval without statistics", lambda M, F: F.instance_norm(M.randn(2, 6, 3),
                                                                   use_input_stats=False),
           RuntimeError, "use_input_stats"),
    BadArg("running_var channels", lambda M, F: F.instance_norm(_x3(M), M.zeros(3), M.ones(2)),
           RuntimeError, "running_var should contain 3"),
]

OPS = [
    OpInfo("batch_norm", _batch_norm_samples, "normalization", bad_args=BATCH_NORM_BAD,
           tol=TOL_NORM),
    OpInfo("group_norm", _group_norm_samples, "normalization", bad_args=GROUP_NORM_BAD,
           tol=TOL_NORM),
    OpInfo("layer_norm", _layer_norm_samples, "normalization", bad_args=LAYER_NORM_BAD,
           tol=TOL_NORM),
    OpInfo("instance_norm", _instance_norm_samples, "normalization", bad_args=INSTANCE_NORM_BAD,
           tol=TOL_NORM),
]
