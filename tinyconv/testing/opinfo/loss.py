"""Registry entries: cross_entropy, nll_loss, mse_loss, l1_loss, smooth_l1_loss,
binary_cross_entropy_with_logits.  Targets and class weights are non-differentiable inputs
(probability targets and pointwise-loss targets are differentiable, as in torch)."""
import numpy as np

from .core import (BadArg, OpInfo, Sample, const, custom, ints, normal, positive, probs,
                   uniform, x)

NAN = float("nan")
REDUCTIONS = ("mean", "sum", "none")


def targets(shape, C, ignore_frac=0.0, ignore_index=-100):
    """Class indices, a fraction of them ``ignore_index`` (at least one ignored and one
    counted when mixing)."""
    def make(rng, _):
        t = rng.integers(0, C, size=shape)
        if ignore_frac:
            mask = rng.random(shape) < ignore_frac
            mask.flat[0] = True
            t = np.where(mask, ignore_index, t)
            if t.size > 1:
                t.flat[-1] = (ignore_index + 1) % C if 0 <= ignore_index < C else 0
        return t.astype(np.int64)
    return custom(make, shape)


def _class_weight(C):
    return ("weight", positive(C, lo=0.2, hi=1.2), False)


def _cross_entropy_samples():
    N, K = 6, 5
    # label smoothing, class weights and ignore_index come first: the second-derivative test
    # of tests/test_ops.py reads each op's first samples
    for red in REDUCTIONS:
        for ls in (0.1, 0.0):
            for ign, w in [(1, True), (2, False), (-100, True), (-100, False)]:
                ins = [x(N, K, scale=2.0), ("target", ints(0, K, N, fixed=[1, 2]), False)]
                ins += [("weight", positive(K), False)] if w else []
                yield Sample(ins, ignore_index=ign, reduction=red, label_smoothing=ls)
        yield Sample([x(2, K, 3, 4), ("target", ints(0, K, 2, 3, 4), False)], reduction=red,
                     label_smoothing=0.2)
        yield Sample([x(N, K), ("target", uniform(N, K), False)],
                     label=f"probability targets reduction={red}", reduction=red)
    for xshape in [(6, 4), (3, 5, 4), (2, 3, 4, 5)]:
        C, tshape = xshape[1], (xshape[0],) + xshape[2:]
        for red in REDUCTIONS:
            for weighted in (False, True):
                for ls in (0.0, 0.25):
                    for ignore in (None, -100, 2):
                        ii = -100 if ignore is None else ignore
                        t = targets(tshape, C, 0.0 if ignore is None else 0.3, ii)
                        ins = [x(*xshape, scale=3.0), ("target", t, False)]
                        ins += [_class_weight(C)] if weighted else []
                        label = (f"{xshape} reduction={red} weighted={weighted} ls={ls} "
                                 f"ignore={ignore}")
                        yield Sample(ins, label=label, ignore_index=ii, reduction=red,
                                     label_smoothing=ls)
    for seed in range(8):  # random options, mixed ignored entries
        rng = np.random.default_rng(500 + seed)
        N, C = int(rng.integers(1, 9)), int(rng.integers(2, 8))
        spatial = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3))))
        scale = float(rng.uniform(0.1, 10))
        ii = int(rng.choice([-100, -1, 0, C - 1]))
        frac = float(rng.uniform(0, 0.5))
        ins = [x(N, C, *spatial, scale=scale), ("target", targets((N,) + spatial, C, frac, ii),
                                                False)]
        ins += [("weight", positive(C, lo=0.1, hi=1.1), False)] if rng.random() < 0.5 else []
        yield Sample(ins, label=f"random options {seed}", ignore_index=ii,
                     reduction=str(rng.choice(REDUCTIONS)),
                     label_smoothing=float(rng.choice([0.0, rng.uniform(0, 1)])))
    for ls in (0.0, 0.1):
        for red in REDUCTIONS:
            yield Sample([x(5), ("target", const(3, kind="index"), False)], label=f"one sample "
                         f"reduction={red} ls={ls}", reduction=red, label_smoothing=ls)
    yield Sample([x(4, 3), ("target", const(np.array([0, 2, 1, 2], dtype=np.uint8), "index"),
                            False)], label="uint8 target")
    for xshape in [(5, 4), (2, 3, 4)]:
        for red in REDUCTIONS:
            for weighted in (False, True):
                for ls in (0.0, 0.3):
                    ins = [x(*xshape, scale=2.0), ("target", probs(*xshape), True)]
                    ins += [_class_weight(xshape[1])] if weighted else []
                    yield Sample(ins, label=f"probability targets {xshape} reduction={red} "
                                 f"weighted={weighted} ls={ls}", reduction=red, label_smoothing=ls)
    for ls in (0.0, 0.2):
        for weighted in (False, True):
            ins = [x(4, 3), ("target", const(np.full(4, -100), "index"), False)]
            ins += [("weight", const([1.0, 2.0, 0.5]), False)] if weighted else []
            yield Sample(ins, label=f"every target ignored: NaN weighted={weighted} ls={ls}",
                         gradcheck=False, label_smoothing=ls)
    huge = const([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]])
    for ls in (0.0, 0.1):
        for red in REDUCTIONS:
            yield Sample([("input", huge, True), ("target", const([1, 2, 0], "index"), False)],
                         label=f"huge logits reduction={red} ls={ls}", gradcheck=False,
                         reduction=red, label_smoothing=ls)
    t = const([[0, -100], [3, 1], [2, 2]], "index")
    for red in REDUCTIONS:
        yield Sample([x(3, 4, 2), ("target", t, False), ("weight", positive(4), False)],
                     gradcheck=True, reduction=red, label_smoothing=0.2)
    yield Sample([x(3, 4, 2), ("target", uniform(3, 4, 2), True), ("weight", positive(4), False)],
                 label="probability targets gradcheck", gradcheck=True, label_smoothing=0.1)


def _nll_loss_samples():
    N, K = 6, 5
    for red in REDUCTIONS:
        for ign, w in [(-100, False), (0, True)]:
            ins = [x(N, K), ("target", ints(0, K, N, fixed=[0, 1]), False)]
            ins += [("weight", positive(K), False)] if w else []
            yield Sample(ins, ignore_index=ign, reduction=red)
        yield Sample([x(2, K, 3, 4), ("target", ints(0, K, 2, 3, 4), False)], reduction=red)
    for xshape in [(6, 4), (3, 4, 2, 3)]:
        C, tshape = xshape[1], (xshape[0],) + xshape[2:]
        for red in REDUCTIONS:
            for weighted in (False, True):
                for ignore in (None, -100, 1):
                    ii = -100 if ignore is None else ignore
                    ins = [x(*xshape), ("target", targets(tshape, C, 0.0 if ignore is None
                                                          else 0.3, ii), False)]
                    ins += [_class_weight(C)] if weighted else []
                    yield Sample(ins, label=f"{xshape} reduction={red} weighted={weighted} "
                                 f"ignore={ignore}", ignore_index=ii, reduction=red)
    yield Sample([x(4, 3), ("target", const([0, -100, 2, 2], "index"), False)], gradcheck=True)


def _pointwise_samples(name, betas=(None,)):
    def samples():
        for red in REDUCTIONS:
            for beta in betas:
                kw = {} if beta is None else dict(beta=beta)
                yield Sample([x(3, 4, 5), ("target", normal(3, 4, 5), True)], reduction=red,
                             **kw)
                for shape in [(7,), (3, 4), (2, 3, 4)]:
                    yield Sample([x(*shape, scale=2.0), ("target", normal(*shape, scale=2.0),
                                                         True)], reduction=red, **kw)
        if name in ("mse_loss", "l1_loss"):
            for red in REDUCTIONS:
                yield Sample([x(3, 4), ("target", normal(3, 4), False)],
                             label=f"constant target reduction={red}", reduction=red)
                yield Sample([x(3, 4), ("target", normal(3, 4), True), ("weight", normal(3, 4),
                                                                        True)], reduction=red)
        kw = dict(beta=0.5) if name == "smooth_l1_loss" else {}
        yield Sample([x(3, 4), ("target", normal(3, 4, shift=0.3), True)], gradcheck=True, **kw)
    return samples


def _extreme_logits(*shape):
    def make(rng, dtype):
        a = rng.standard_normal(shape) * 4.0
        a[0, :2] = [1e4, -1e4]
        return a.astype(dtype)
    return custom(make, shape)


def _bce_samples():
    for red in REDUCTIONS:
        # weight and pos_weight first (the second-derivative test reads the first samples)
        for w, pw in [(True, True), (False, False), (True, False), (False, True)]:
            ins = [x(4, 5, scale=3.0), ("target", uniform(4, 5), True)]
            ins += [("weight", positive(4, 5), False)] if w else []
            ins += [("pos_weight", positive(5), False)] if pw else []
            yield Sample(ins, reduction=red)
            ins = [("input", _extreme_logits(5, 4), True), ("target", uniform(5, 4), True)]
            ins += [("weight", positive(4), False)] if w else []
            ins += [("pos_weight", positive(4, lo=0.0, hi=3.0), False)] if pw else []
            yield Sample(ins, label=f"extreme logits weight={w} pos_weight={pw} reduction={red}",
                         gradcheck=False, reduction=red)
        yield Sample([x(3, 4), ("target", uniform(3, 4), True),
                      ("weight", positive(3, 1), False), ("pos_weight", positive(4, lo=0.0),
                                                          False)],
                     gradcheck=True, reduction=red)


def _x2(M):
    return M.randn(4, 5)


def _t(M):
    return M.tensor(np.array([0, 1, 2, 3]))


def _x43(M):
    return M.randn(4, 3)


def _t4(M, *v):
    return M.tensor(np.array(v or [0, 1, 2, 0]))


CROSS_ENTROPY_BAD = [
    BadArg("target out of range", lambda M, F: F.cross_entropy(_x2(M), _t4(M, 0, 1, 2, 9)),
           IndexError, "target", torch="same"),
    BadArg("target 3 of 3 classes", lambda M, F: F.cross_entropy(_x43(M), _t4(M, 0, 1, 3, 0)),
           IndexError, r"target 3 is out of bounds for 3 classes.*\(4, 3\)", torch="same"),
    BadArg("target -1", lambda M, F: F.cross_entropy(_x43(M), _t4(M, 0, 1, -1, 0)), IndexError,
           "target -1", torch="same"),
    BadArg("label_smoothing > 1", lambda M, F: F.cross_entropy(_x2(M), _t(M),
                                                               label_smoothing=1.5),
           RuntimeError, "label_smoothing"),
    BadArg("label_smoothing nan", lambda M, F: F.cross_entropy(_x2(M), _t(M),
                                                               label_smoothing=NAN),
           RuntimeError, "label_smoothing", torch=None),  # torch returns NaN
    BadArg("reduction", lambda M, F: F.cross_entropy(_x2(M), _t(M), reduction="avg"), ValueError,
           "reduction"),
    BadArg("batch size", lambda M, F: F.cross_entropy(_x2(M), _t4(M, 0, 1)), ValueError,
           "batch_size"),
    BadArg("batch size, sizes", lambda M, F: F.cross_entropy(_x43(M), _t4(M, 0, 1, 2)),
           ValueError, r"batch_size \(4\).*batch_size \(3\)"),
    BadArg("spatial target shape", lambda M, F: F.cross_entropy(
        M.randn(4, 3, 5), M.zeros(4, 6, dtype=M.int64)), RuntimeError,
        r"target of shape \(4, 6\)"),
    BadArg("float class target", lambda M, F: F.cross_entropy(_x2(M), M.randn(4)),
           RuntimeError, "target"),
    BadArg("float class target dtype", lambda M, F: F.cross_entropy(
        _x43(M), M.tensor([0.0, 1.0, 2.0, 0.0])), RuntimeError, "dtype.*float32"),
    BadArg("int32 target", lambda M, F: F.cross_entropy(
        _x43(M), M.tensor(np.array([0, 1, 2, 0], dtype=np.int32))), RuntimeError, "int32"),
    BadArg("weight shape", lambda M, F: F.cross_entropy(_x2(M), _t(M), weight=M.ones(3)),
           RuntimeError, "weight"),
    BadArg("weight shape, classes", lambda M, F: F.cross_entropy(_x43(M), _t4(M),
                                                                 weight=M.ones(4)),
           RuntimeError, r"all 3 classes.*\(4,\)"),
    BadArg("integer probability target", lambda M, F: F.cross_entropy(
        _x43(M), M.zeros(4, 3, dtype=M.int64)), RuntimeError, "floating point target",
        torch="raises"),
    BadArg("ignore_index float", lambda M, F: F.cross_entropy(_x2(M), _t(M), ignore_index=1.5),
           TypeError, "ignore_index"),
]

NLL_LOSS_BAD = [
    BadArg("target out of range", lambda M, F: F.nll_loss(_x2(M), _t4(M, 0, 1, 2, -3)),
           IndexError, "target", torch="same"),
    BadArg("target 3 of 3 classes", lambda M, F: F.nll_loss(_x43(M), _t4(M, 0, 1, 3, 0)),
           IndexError, "out of bounds", torch="same"),
    BadArg("reduction", lambda M, F: F.nll_loss(_x2(M), _t(M), reduction="x"), ValueError,
           "reduction"),
    BadArg("differentiable weight", lambda M, F: F.nll_loss(
        _x43(M), _t4(M), weight=M.ones(3, requires_grad=True)), RuntimeError,
        "not differentiable"),
]


def _pw_bad(name):
    return [
        BadArg("target shape", lambda M, F: getattr(F, name)(_x2(M), M.randn(3, 5)),
               RuntimeError, "target"),
        BadArg("reduction", lambda M, F: getattr(F, name)(_x2(M), _x2(M), reduction="x"),
               ValueError, "reduction"),
    ]


MSE_LOSS_BAD = _pw_bad("mse_loss") + [
    BadArg("target shape, shapes", lambda M, F: F.mse_loss(
        M.randn(4, 3, dtype=M.float64), M.randn(5, 1, dtype=M.float64)), RuntimeError,
        r"\(5, 1\).*\(4, 3\)"),
]
L1_LOSS_BAD = _pw_bad("l1_loss") + [
    BadArg("float target", lambda M, F: F.l1_loss(_x2(M), 3.0), TypeError, "target",
           torch="raises"),
]
SMOOTH_L1_LOSS_BAD = _pw_bad("smooth_l1_loss") + [
    BadArg("beta < 0", lambda M, F: F.smooth_l1_loss(_x2(M), _x2(M), beta=-1.0), RuntimeError,
           "beta"),
    BadArg("beta nan", lambda M, F: F.smooth_l1_loss(_x2(M), _x2(M), beta=NAN), RuntimeError,
           "beta"),
]
BCE_BAD = [
    BadArg("target shape", lambda M, F: F.binary_cross_entropy_with_logits(_x2(M), M.randn(5)),
           ValueError, "target"),
    BadArg("target shape, shapes", lambda M, F: F.binary_cross_entropy_with_logits(
        _x43(M), M.rand(4, 1)), ValueError, r"\(4, 1\).*\(4, 3\)"),
    BadArg("pos_weight shape", lambda M, F: F.binary_cross_entropy_with_logits(
        _x2(M), _x2(M), pos_weight=M.ones(3)), RuntimeError, "pos_weight"),
    BadArg("pos_weight shape, shapes", lambda M, F: F.binary_cross_entropy_with_logits(
        _x43(M), M.rand(4, 3), pos_weight=M.rand(2)), RuntimeError, r"pos_weight of shape \(2,\)"),
]

OPS = [
    OpInfo("cross_entropy", _cross_entropy_samples, "loss", bad_args=CROSS_ENTROPY_BAD),
    OpInfo("nll_loss", _nll_loss_samples, "loss", bad_args=NLL_LOSS_BAD),
    OpInfo("mse_loss", _pointwise_samples("mse_loss"), "loss", bad_args=MSE_LOSS_BAD),
    OpInfo("l1_loss", _pointwise_samples("l1_loss"), "loss", bad_args=L1_LOSS_BAD,
           gradcheck="marked"),
    OpInfo("smooth_l1_loss", _pointwise_samples("smooth_l1_loss", betas=(None, 1.0, 0.5, 0.3,
                                                                         0.0)),
           "loss", bad_args=SMOOTH_L1_LOSS_BAD, gradcheck="marked"),
    OpInfo("binary_cross_entropy_with_logits", _bce_samples, "loss", bad_args=BCE_BAD),
]
