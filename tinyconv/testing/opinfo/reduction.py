"""Registry entries: the reductions added to sum/mean/var (prod with zeros, cumsum/cumprod,
amin/aminmax and amax's ties, logsumexp, var_mean/std_mean, count_nonzero, nansum/nanmean,
sum/mean with dtype=) and the norms (``norm``, ``linalg.vector_norm/matrix_norm/norm``)."""
import numpy as np

from .core import BadArg, OpInfo, Sample, const, custom, distinct, ints, x

NAN, INF = float("nan"), float("inf")


def with_zeros(*shape, zeros=1):
    """Normal values with ``zeros`` exact zeros in each row of the last dimension."""
    def make(rng, dtype):
        a = rng.standard_normal(shape) + np.sign(rng.standard_normal(shape)) * 0.3
        flat = a.reshape(-1, shape[-1])
        for row in flat:
            row[rng.choice(shape[-1], zeros, replace=False)] = 0.0
        return a.astype(dtype)
    return ("input", custom(make, shape), True)


def _prod_samples():
    yield Sample([x(3, 4, away=0.3)], label="all", fn=lambda M, F, t: t.prod())
    for dim, kd in [(0, False), (1, True), (-1, False)]:
        yield Sample([x(3, 4, away=0.3)], label=f"dim={dim} keepdim={kd}",
                     fn=lambda M, F, t, d=dim, k=kd: M.prod(t, d, k))
    yield Sample([with_zeros(3, 4)], label="one zero per row dim=1", gradcheck=True,
                 fn=lambda M, F, t: t.prod(1))
    yield Sample([with_zeros(3, 4, zeros=2)], label="two zeros per row dim=1", gradcheck=True,
                 fn=lambda M, F, t: t.prod(1))
    yield Sample([with_zeros(2, 3)], label="zeros, all", gradcheck=True,
                 fn=lambda M, F, t: t.prod())
    yield Sample([with_zeros(4, 3)], label="zeros dim=0", gradcheck=True,
                 fn=lambda M, F, t: M.prod(t, 0))
    yield Sample([("input", ints(-3, 4, 3, 4), False)], label="int64",
                 fn=lambda M, F, t: (t.prod(), t.prod(1)))
    yield Sample([x(3, 4, away=0.3)], label="dtype=float64",
                 fn=lambda M, F, t: t.prod(dtype=M.float64))


def _cum_samples(name):
    def samples():
        maker = (lambda *s: x(*s, away=0.3)) if name == "cumprod" else x
        for dim in (0, 1, -1):
            yield Sample([maker(3, 4)], label=f"dim={dim}",
                         fn=lambda M, F, t, d=dim: getattr(M, name)(t, d))
        yield Sample([maker(2, 3, 4)], label="method dim=1",
                     fn=lambda M, F, t: getattr(t, name)(1))
        yield Sample([maker(5)], label="in place",
                     fn=lambda M, F, t: getattr(t * 1.0, name + "_")(0))
        yield Sample([("input", ints(-3, 4, 3, 4), False)], label="int64",
                     fn=lambda M, F, t: getattr(M, name)(t, 1))
        yield Sample([("input", ints(0, 2, 6, dtype=np.int32), False)], label="int32 to float32",
                     fn=lambda M, F, t: getattr(M, name)(t, 0, dtype=M.float32))
        if name == "cumprod":
            for zeros in (1, 2):
                yield Sample([with_zeros(3, 5, zeros=zeros)], gradcheck=True,
                             label=f"{zeros} zeros per row", fn=lambda M, F, t: M.cumprod(t, 1))
    return samples


TIES = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]


def _extremum_samples(name):
    def samples():
        for dim, kd in [(None, False), (1, False), ((0, 2), True), (-1, True)]:
            yield Sample([("input", distinct(3, 4, 5), True)], label=f"dim={dim} keepdim={kd}",
                         gradcheck=True if dim == 1 else None,
                         fn=lambda M, F, t, d=dim, k=kd: getattr(M, name)(t, d, k)
                         if d is not None else getattr(t, name)())
        yield Sample([("input", const(TIES), True)], label="ties share the gradient",
                     gradcheck=False, fn=lambda M, F, t: (getattr(t, name)(1),
                                                          getattr(t, name)()))
        yield Sample([("input", ints(-3, 4, 3, 4), False)], label="int64",
                     fn=lambda M, F, t: getattr(t, name)(0))
    return samples


def _aminmax_samples():
    yield Sample([("input", distinct(3, 4), True)], label="all",
                 fn=lambda M, F, t: tuple(M.aminmax(t)))
    yield Sample([("input", distinct(3, 4), True)], label="dim=1 method .min .max",
                 fn=lambda M, F, t: (t.aminmax(dim=1).min, t.aminmax(dim=1).max))
    yield Sample([("input", const(TIES), True)], label="ties keepdim", gradcheck=False,
                 fn=lambda M, F, t: tuple(M.aminmax(t, dim=0, keepdim=True)))


def _logsumexp_samples():
    for dim, kd in [(1, False), (0, True), ((0, 1), False), (-1, True)]:
        yield Sample([x(3, 4, scale=3.0)], label=f"dim={dim} keepdim={kd}",
                     fn=lambda M, F, t, d=dim, k=kd: M.logsumexp(t, d, k))
    yield Sample([("input", const([[1e4, -1e4, 0.0], [-INF, -INF, -INF], [INF, 1.0, 2.0]]),
                   False)], label="huge and infinite", fn=lambda M, F, t: t.logsumexp(1))
    yield Sample([("input", ints(0, 4, 3, 4), False)], label="int64",
                 fn=lambda M, F, t: M.logsumexp(t, 1))


def _var_mean_samples(name):
    def samples():
        yield Sample([x(3, 4)], label="all", fn=lambda M, F, t: getattr(M, name)(t))
        yield Sample([x(3, 4, 2)], label="dim=1", fn=lambda M, F, t: getattr(M, name)(t, 1))
        yield Sample([x(3, 4, 2)], label="dim=(0, 2) correction=0 keepdim",
                     fn=lambda M, F, t: getattr(M, name)(t, (0, 2), correction=0, keepdim=True))
        yield Sample([x(4, 5)], label="unbiased=False",
                     fn=lambda M, F, t: getattr(M, name)(t, 1, False))
    return samples


def _count_nonzero_samples():
    yield Sample([("input", ints(0, 3, 3, 4), False)], fn=lambda M, F, t: M.count_nonzero(t))
    yield Sample([("input", ints(0, 3, 3, 4, 2), False)], label="dim=(0, 2) method",
                 fn=lambda M, F, t: (t.count_nonzero(dim=(0, 2)), t.count_nonzero(1)))


NANS = [[1.0, NAN, 3.0, -2.0], [NAN, NAN, 0.5, 1.0], [NAN, NAN, NAN, NAN]]


def _nan_samples(name):
    def samples():
        yield Sample([("input", const(NANS), True)], label="all", gradcheck=False,
                     fn=lambda M, F, t: getattr(M, name)(t))
        yield Sample([("input", const(NANS), True)], label="dim=1 method", gradcheck=False,
                     fn=lambda M, F, t: getattr(t, name)(1))
        yield Sample([("input", const(NANS), True)], label="dim=0 keepdim", gradcheck=False,
                     fn=lambda M, F, t: getattr(M, name)(t, 0, True))
        yield Sample([x(3, 4)], label="no NaN", fn=lambda M, F, t: getattr(M, name)(t, 1))
        if name == "nansum":
            yield Sample([("input", ints(0, 3, 3, 4), False)], label="int64",
                         fn=lambda M, F, t: M.nansum(t))
    return samples


def _dtype_samples():
    yield Sample([x(3, 4)], label="sum dtype=float64", fn=lambda M, F, t: t.sum(dtype=M.float64))
    yield Sample([x(3, 4)], label="mean dim=1 dtype=float64",
                 fn=lambda M, F, t: M.mean(t, 1, dtype=M.float64))
    yield Sample([("input", ints(0, 9, 3, 4, dtype=np.int32), False)],
                 label="int32 sum (int64) and mean dtype=float32",
                 fn=lambda M, F, t: (t.sum(), t.mean(dtype=M.float32), t.sum(1, dtype=M.int32)))


ORDS = [2, 1, 3, 0.5, INF, -INF, 0]


def _vector_norm_samples():
    for ord in ORDS:
        yield Sample([x(3, 4, away=0.05)], label=f"ord={ord:g}",
                     gradcheck=None if ord not in (INF, -INF) else True,
                     fn=lambda M, F, t, o=ord: M.linalg.vector_norm(t, o))
    for dim, kd in [(1, False), ((0, 2), True), (-1, False)]:
        yield Sample([x(3, 4, 2, away=0.05)], label=f"dim={dim} keepdim={kd}",
                     fn=lambda M, F, t, d=dim, k=kd: M.linalg.vector_norm(t, 2, d, k))
    yield Sample([x(3, 4)], label="ord=3 dim=0 dtype=float64",
                 fn=lambda M, F, t: M.linalg.vector_norm(t, 3, 0, dtype=M.float64))
    yield Sample([("input", const([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0]]), True)],
                 label="zero rows: zero gradient", gradcheck=False,
                 fn=lambda M, F, t: [M.linalg.vector_norm(t, o, 1) for o in (2, 1, 3, INF)])


def _matrix_norm_samples():
    for ord in ("fro", 1, -1, INF, -INF):
        yield Sample([("input", distinct(3, 4), True)], label=f"ord={ord}",
                     fn=lambda M, F, t, o=ord: M.linalg.matrix_norm(t, o))
    yield Sample([("input", distinct(2, 3, 4), True)], label="batched ord=1 keepdim",
                 fn=lambda M, F, t: M.linalg.matrix_norm(t, 1, keepdim=True))
    yield Sample([("input", distinct(3, 2, 4), True)], label="dim=(0, 2) ord=inf",
                 fn=lambda M, F, t: M.linalg.matrix_norm(t, INF, dim=(0, 2)))
    for ord in ("nuc", 2, -2):  # from the singular values
        yield Sample([x(3, 4)], label=f"ord={ord}",
                     fn=lambda M, F, t, o=ord: M.linalg.matrix_norm(t, o))
    yield Sample([x(2, 4, 3)], label="dim=(2, 0) ord=nuc keepdim",
                 fn=lambda M, F, t: M.linalg.matrix_norm(t, "nuc", dim=(2, 0), keepdim=True))
    yield Sample([x(2, 3, 4)], label="batched ord=-2 keepdim",
                 fn=lambda M, F, t: M.linalg.matrix_norm(t, -2, keepdim=True))


def _linalg_norm_samples():
    yield Sample([x(3, 4)], label="default (2-norm of all)",
                 fn=lambda M, F, t: M.linalg.norm(t))
    yield Sample([x(5)], label="vector ord=3", fn=lambda M, F, t: M.linalg.norm(t, 3))
    yield Sample([x(3, 4)], label="matrix ord=2", fn=lambda M, F, t: M.linalg.norm(t, 2))
    yield Sample([("input", distinct(3, 4), True)], label="matrix ord=1",
                 fn=lambda M, F, t: M.linalg.norm(t, 1))
    yield Sample([x(3, 4, 2)], label="dim=1", fn=lambda M, F, t: M.linalg.norm(t, dim=1))
    yield Sample([("input", distinct(3, 4, 2), True)], label="dim=(0, 1) ord=-inf",
                 fn=lambda M, F, t: M.linalg.norm(t, -INF, dim=(0, 1)))


def _norm_samples():
    yield Sample([x(3, 4)], label="default", fn=lambda M, F, t: t.norm())
    yield Sample([x(3, 4)], label="nuc", fn=lambda M, F, t: t.norm("nuc"))
    yield Sample([x(3, 4)], label="p=1 dim=1", fn=lambda M, F, t: M.norm(t, 1, 1))
    yield Sample([x(3, 4, 2)], label="fro dim=(0, 1) keepdim",
                 fn=lambda M, F, t: t.norm("fro", (0, 1), True))
    yield Sample([x(3, 4, away=0.05)], label="p=inf", gradcheck=True,
                 fn=lambda M, F, t: t.norm(INF))
    yield Sample([x(3, 4)], label="p=3 dim=0", fn=lambda M, F, t: t.norm(3, 0))
    yield Sample([x(2, 3)], label="the weight-decay idiom",
                 fn=lambda M, F, t: sum(p.norm(2) ** 2 for p in (t, t * 2.0)))


def _z(M):
    return M.zeros(3, 4)


BAD = {
    "prod": [BadArg("tuple dim", lambda M, F: M.prod(_z(M), (0, 1)), TypeError, "dim",
                    torch="raises")],
    "amin": [BadArg("empty dim", lambda M, F: M.amin(M.zeros(0, 3), 0), IndexError,
                    "non-zero size")],
    "nanmean": [BadArg("int64", lambda M, F: M.nanmean(M.tensor([1, 2])), RuntimeError,
                       "floating")],
    "linalg.vector_norm": [BadArg("int64", lambda M, F: M.linalg.vector_norm(M.tensor([3, 4])),
                                  RuntimeError, "floating")],
    "linalg.matrix_norm": [
        BadArg("1-d", lambda M, F: M.linalg.matrix_norm(M.ones(3)), RuntimeError,
               "at least 2 dimensions"),
        BadArg("ord=3", lambda M, F: M.linalg.matrix_norm(_z(M), 3), RuntimeError,
               "not supported")],
    "linalg.norm": [BadArg("3-d with ord", lambda M, F: M.linalg.norm(M.ones(2, 2, 2), 1),
                           RuntimeError, "1D or 2D")],
    "cumsum": [BadArg("no dim", lambda M, F: M.cumsum(_z(M)), TypeError, "dim",
                      names_op=False)],
}


def _entry(name, samples, **kw):
    return OpInfo(name, samples, "reduction", bad_args=BAD.get(name, ()), **kw)


OPS = [
    _entry("prod", _prod_samples), _entry("cumsum", _cum_samples("cumsum")),
    _entry("cumprod", _cum_samples("cumprod")), _entry("amin", _extremum_samples("amin")),
    _entry("amax", _extremum_samples("amax")), _entry("aminmax", _aminmax_samples),
    _entry("logsumexp", _logsumexp_samples),
    _entry("var_mean", _var_mean_samples("var_mean")),
    _entry("std_mean", _var_mean_samples("std_mean")),
    _entry("count_nonzero", _count_nonzero_samples, gradcheck=False),
    _entry("nansum", _nan_samples("nansum")), _entry("nanmean", _nan_samples("nanmean")),
    _entry("sum", _dtype_samples), _entry("norm", _norm_samples),
    _entry("linalg.vector_norm", _vector_norm_samples),
    _entry("linalg.matrix_norm", _matrix_norm_samples),
    _entry("linalg.norm", _linalg_norm_samples),
]
