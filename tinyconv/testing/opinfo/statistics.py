"""Registry entries: statistics (quantile, nanquantile, nanmedian, cov, corrcoef).

Differentiable samples use distinct values (a gradient at a tie is not a derivative);
samples with NaN are compared without gradients.  ``q`` tensors are made in the sample's
dtype, as both libraries require."""
from .core import BadArg, OpInfo, Sample, const, distinct, ints, normal, positive
from .sorting import median_like_samples

NAN = float("nan")
MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def d(*shape):
    return ("input", distinct(*shape), True)


def _q(M, t, values):
    return M.tensor(values, dtype=t.dtype)


_NAN_ROWS = const([[1.0, NAN, 3.0, -1.0, 0.5], [NAN, NAN, NAN, NAN, NAN],
                   [2.0, 0.0, -3.0, 1.5, 4.0]])


def _quantile_samples(name):
    def samples():
        for mode in MODES:
            yield Sample([d(3, 5)], label=f"q=0.3 all {mode}",
                         fn=lambda M, F, t, m=mode: getattr(M, name)(t, 0.3, interpolation=m))
            yield Sample([d(4, 6)], label=f"q (5,) dim=1 {mode}",
                         fn=lambda M, F, t, m=mode: getattr(M, name)(
                             t, _q(M, t, [0.0, 0.25, 0.5, 0.9, 1.0]), dim=1, interpolation=m))
            yield Sample([("input", const([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]), True)],
                         label=f"ranks on halves {mode}", gradcheck=False,
                         fn=lambda M, F, t, m=mode: getattr(M, name)(
                             t, _q(M, t, [0.5, 1 / 14, 3 / 14, 5 / 14]), interpolation=m))
        yield Sample([d(2, 3, 4)], label="dim=0 keepdim method",
                     fn=lambda M, F, t: getattr(t, name)(0.75, 0, True))
        yield Sample([d(2, 3, 4)], label="q (2,) dim=-1 keepdim",
                     fn=lambda M, F, t: getattr(M, name)(t, _q(M, t, [0.1, 0.6]), -1, True))
        yield Sample([d(3, 4)], label="q 0-d, dim None keepdim",
                     fn=lambda M, F, t: getattr(M, name)(t, _q(M, t, 0.4), keepdim=True))
        yield Sample([d(3, 4)], label="q (3,) dim None keepdim",
                     fn=lambda M, F, t: getattr(t, name)(_q(M, t, [0.2, 0.5, 0.8]),
                                                         keepdim=True))
        yield Sample([d()], label="0-d input", fn=lambda M, F, t: (
            getattr(M, name)(t, 0.2), getattr(M, name)(t, 0.2, dim=0, keepdim=True)))
        yield Sample([d(5)], label="int q=1", fn=lambda M, F, t: getattr(M, name)(t, 1))
        yield Sample([("input", _NAN_ROWS, False)], label="NaN rows",
                     fn=lambda M, F, t: tuple(getattr(M, name)(t, q, dim=1, interpolation=m)
                                              for q in (0.0, 0.5, 1.0) for m in MODES))
        yield Sample([d(4, 6), ("q", positive(3, lo=0.05, hi=0.95), True)],
                     label="q (3,) requires grad dim=1", gradcheck=True,
                     fn=lambda M, F, t, q: getattr(M, name)(t, q, dim=1))
        yield Sample([d(5), ("q", positive(lo=0.05, hi=0.95), True)],
                     label="q 0-d requires grad", fn=lambda M, F, t, q: getattr(t, name)(q))
        yield Sample([("input", _NAN_ROWS, False), ("q", const([0.0, 0.3, 1.0]), True)],
                     label="q requires grad, NaN rows", gradcheck=False,
                     fn=lambda M, F, t, q: getattr(M, name)(t, q, 1))
        yield Sample([("input", _NAN_ROWS, False)], label="NaN all elements q (3,)",
                     fn=lambda M, F, t: getattr(M, name)(t, _q(M, t, [0.1, 0.5, 1.0])))
    return samples


def _bad_quantile(name):
    def call(fn):
        return lambda M, F: fn(M, getattr(M, name))
    return [
        BadArg("q=1.5", call(lambda M, f: f(M.ones(3), 1.5)), RuntimeError, r"range \[0, 1\]"),
        BadArg("q=-0.1", call(lambda M, f: f(M.ones(3), -0.1)), RuntimeError, "range"),
        BadArg("q tensor out of range", call(lambda M, f: f(M.ones(3), M.tensor([0.5, 1.5]))),
               RuntimeError, "q values"),
        BadArg("2-d q", call(lambda M, f: f(M.ones(3), M.tensor([[0.5]]))), RuntimeError,
               "1D tensor"),
        BadArg("q of another dtype", call(lambda M, f: f(M.ones(3), M.tensor(
            [0.5], dtype=M.float64))), RuntimeError, "same dtype"),
        BadArg("int64 input", call(lambda M, f: f(M.tensor([1, 2]), 0.5)), RuntimeError,
               "float or double"),
        BadArg("empty input", call(lambda M, f: f(M.ones(2, 0), 0.5, dim=0)), RuntimeError,
               "non-empty"),
        BadArg("interpolation='cubic'", call(lambda M, f: f(M.ones(3), 0.5,
                                                             interpolation="cubic")),
               RuntimeError, "interpolation"),
        BadArg("dim 2", call(lambda M, f: f(M.ones(3), 0.5, dim=2)), IndexError, "range",
               names_op=False),
        BadArg("q a list", call(lambda M, f: f(M.ones(3), [0.5])), TypeError, name),
        BadArg("q a str", call(lambda M, f: f(M.ones(3), "a")), TypeError, name),
        BadArg("interpolation positional", call(lambda M, f: f(M.ones(3), 0.5, 0, True,
                                                               "linear")), TypeError, name)]


def _nanmedian_samples():
    yield from median_like_samples("nanmedian")
    # (the index torch gives for a row of NaNs comes from its selection algorithm: values only)
    yield Sample([("input", _NAN_ROWS, False)], label="NaN rows",
                 fn=lambda M, F, t: (t.nanmedian(), t.nanmedian(1).values,
                                     t.nanmedian(1).indices[::2], M.nanmedian(t, 0, True)))
    yield Sample([("input", const([NAN, 2.0, NAN, 1.0, 0.5]), True)],
                 label="NaN: gradient to the median", gradcheck=False,
                 fn=lambda M, F, t: (t.nanmedian(), t.nanmedian(0).values))
    yield Sample([("input", const([[NAN, NAN], [NAN, NAN]]), True)],
                 label="only NaN: gradient shared by the NaNs", gradcheck=False,
                 fn=lambda M, F, t: (t.nanmedian() * 1.0, t.nanmedian(1).values))
    yield Sample([d()], label="0-d", fn=lambda M, F, t: (t.nanmedian(), M.nanmedian(t, 0)))
    yield Sample([("input", ints(-9, 9, 3, 5), False)], label="int64",
                 fn=lambda M, F, t: (t.nanmedian(), t.nanmedian(1)))


def _cov_samples():
    yield Sample([x_obs(3, 7)], fn=lambda M, F, t: M.cov(t))
    yield Sample([x_obs(2, 5)], label="correction=0 method",
                 fn=lambda M, F, t: t.cov(correction=0))
    yield Sample([x_obs(4, 6)], label="correction=2", fn=lambda M, F, t: M.cov(t, correction=2))
    yield Sample([x_obs(6)], label="1-d: 0-d variance", fn=lambda M, F, t: M.cov(t))
    yield Sample([x_obs(3, 6), ("fweights", ints(0, 4, 6, fixed=[1, 0]), False)],
                 label="fweights", fn=lambda M, F, t, f: M.cov(t, fweights=f))
    yield Sample([x_obs(3, 6), ("aweights", positive(6, lo=0.2, hi=2.0), True)],
                 label="aweights (differentiable)", fn=lambda M, F, t, a: M.cov(t, aweights=a))
    yield Sample([x_obs(2, 6), ("fweights", ints(1, 4, 6), False),
                  ("aweights", positive(6, lo=0.2, hi=2.0), True)],
                 label="fweights aweights correction=3",
                 fn=lambda M, F, t, f, a: M.cov(t, correction=3, fweights=f, aweights=a))
    yield Sample([x_obs(2, 6), ("fweights", ints(1, 4, 6), False),
                  ("aweights", positive(6, lo=0.2, hi=2.0), True)],
                 label="fweights aweights correction=0",
                 fn=lambda M, F, t, f, a: t.cov(correction=0, fweights=f, aweights=a))
    # integer data is computed in float32 by both (the default dtype): float32's tolerance
    yield Sample([("input", ints(-5, 5, 2, 6), False)], label="int64: default float",
                 fn=lambda M, F, t: M.cov(t), tol=1e-5)
    yield Sample([x_obs(1, 5)], label="one variable 2-d", fn=lambda M, F, t: M.cov(t))


def x_obs(*shape):
    return ("input", normal(*shape), True)


def _corrcoef_samples():
    yield Sample([x_obs(3, 7)], fn=lambda M, F, t: M.corrcoef(t))
    yield Sample([x_obs(4, 5)], label="method off the diagonal",
                 fn=lambda M, F, t: t.corrcoef().triu(1))
    # one variable: 1, whose gradient is zero up to round-off (values only)
    yield Sample([("input", normal(6), False)], label="1-d: 1", fn=lambda M, F, t: M.corrcoef(t))
    yield Sample([("input", const([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0], [3.0, 1.0, 0.0]]),
                   False)], label="constant variable: NaN", fn=lambda M, F, t: M.corrcoef(t))
    yield Sample([("input", ints(-5, 5, 3, 6), False)], label="int64: default float",
                 fn=lambda M, F, t: M.corrcoef(t), tol=1e-5)
    yield Sample([("input", normal(1, 5), False)], label="one variable 2-d",
                 fn=lambda M, F, t: M.corrcoef(t))


def _w(M, *v, dtype=None):
    return M.tensor(list(v), dtype=dtype)


BAD = {
    "quantile": _bad_quantile("quantile"),
    "nanquantile": _bad_quantile("nanquantile"),
    "nanmedian": [BadArg("empty dim", lambda M, F: M.zeros(2, 0).nanmedian(1), IndexError,
                         "non-zero size", names_op=False),
                  BadArg("dim 2", lambda M, F: M.zeros(3).nanmedian(2), IndexError, "range",
                         names_op=False)],
    "cov": [
        BadArg("3-d", lambda M, F: M.cov(M.ones(2, 2, 2)), RuntimeError, "two or fewer"),
        BadArg("bool input", lambda M, F: M.cov(M.tensor([True, False])), RuntimeError, "bool"),
        BadArg("float fweights", lambda M, F: M.cov(M.ones(2, 3), fweights=_w(M, 1.0, 2.0, 3.0)),
               RuntimeError, "integral"),
        BadArg("2-d fweights", lambda M, F: M.cov(M.ones(2, 3), fweights=M.tensor([[1, 2, 3]])),
               RuntimeError, "one or fewer"),
        BadArg("fweights length", lambda M, F: M.cov(M.ones(2, 3), fweights=_w(M, 1, 2)),
               RuntimeError, "same numel"),
        BadArg("negative fweights", lambda M, F: M.cov(M.ones(2, 3), fweights=_w(M, 1, -2, 3)),
               RuntimeError, "negative"),
        BadArg("int aweights", lambda M, F: M.cov(M.ones(2, 3), aweights=_w(M, 1, 2, 3)),
               RuntimeError, "floating point"),
        BadArg("negative aweights",
               lambda M, F: M.cov(M.ones(2, 3), aweights=_w(M, 1.0, -2.0, 3.0)),
               RuntimeError, "negative"),
        BadArg("aweights length", lambda M, F: M.cov(M.ones(2, 3), aweights=_w(M, 1.0, 2.0)),
               RuntimeError, "same numel"),
        BadArg("correction=0.5", lambda M, F: M.cov(M.ones(2, 3), correction=0.5), TypeError,
               "correction"),
        BadArg("fweights a list", lambda M, F: M.cov(M.ones(2, 3), fweights=[1, 2, 3]),
               TypeError, "fweights")],
    "corrcoef": [
        BadArg("3-d", lambda M, F: M.corrcoef(M.ones(2, 2, 2)), RuntimeError, "two or fewer"),
        BadArg("bool input", lambda M, F: M.corrcoef(M.tensor([True])), RuntimeError, "bool",
               names_op=False)],
}


def _entry(name, samples, **kw):
    return OpInfo(name, samples, "statistics", bad_args=BAD.get(name, ()), **kw)


OPS = [
    _entry("quantile", _quantile_samples("quantile")),
    _entry("nanquantile", _quantile_samples("nanquantile")),
    _entry("nanmedian", _nanmedian_samples),
    _entry("cov", _cov_samples), _entry("corrcoef", _corrcoef_samples),
]
