"""Registry entries: sorting and selection.  Differentiable samples use distinct values (torch
leaves the order of ties unspecified, and a gradient at a tie is not a derivative); ties are
compared where torch documents the choice (stable sort, mode, cummax, median of all)."""
import numpy as np

from .core import BadArg, OpInfo, Sample, const, custom, distinct, ints, normal

NAN = float("nan")


def d(*shape):
    return ("input", distinct(*shape), True)


def _ties(*shape):
    return ("input", custom(lambda rng, dt: rng.integers(0, 4, shape).astype(dt), shape), False)


def _sort_samples():
    for dim, desc in [(-1, False), (0, True), (1, False), (2, True)]:
        yield Sample([d(3, 4, 5)], label=f"dim={dim} descending={desc}",
                     fn=lambda M, F, t, dim=dim, desc=desc: t.sort(dim, desc))
    yield Sample([d(6)], label="function .values .indices",
                 fn=lambda M, F, t: (M.sort(t).values, M.sort(t, descending=True).indices))
    for desc in (False, True):
        yield Sample([_ties(4, 7)], label=f"ties stable=True descending={desc}",
                     fn=lambda M, F, t, desc=desc: M.sort(t, dim=1, descending=desc,
                                                          stable=True))
    yield Sample([("input", const([1.0, NAN, 3.0, -1.0, NAN]), False)], label="NaN largest",
                 fn=lambda M, F, t: (t.sort(), t.sort(descending=True, stable=True)))
    yield Sample([("input", ints(-9, 9, 3, 5), False)], label="int64",
                 fn=lambda M, F, t: t.sort(1))


def _argsort_samples():
    yield Sample([d(3, 4)], fn=lambda M, F, t: M.argsort(t))
    yield Sample([d(3, 4)], label="dim=0 descending method",
                 fn=lambda M, F, t: t.argsort(0, descending=True))
    yield Sample([_ties(3, 6)], label="ties stable=True",
                 fn=lambda M, F, t: M.argsort(t, dim=1, stable=True))


def _topk_samples():
    for k, dim, largest in [(1, -1, True), (3, 1, True), (2, 0, False), (5, -1, True)]:
        yield Sample([d(4, 5)], label=f"k={k} dim={dim} largest={largest}",
                     fn=lambda M, F, t, k=k, dim=dim, lg=largest: t.topk(k, dim, lg))
    yield Sample([d(8, 10), ("target", ints(0, 10, 8), False)], label="top-5 accuracy idiom",
                 fn=lambda M, F, t, y: (t.topk(5, 1).indices == y[:, None]).any(1).float()
                 .mean())
    for largest in (True, False):
        yield Sample([d(3, 40)], label=f"k=3 of 40 (partitioned) largest={largest}",
                     fn=lambda M, F, t, lg=largest: t.topk(3, largest=lg))
    yield Sample([_ties(3, 40)], label="k=2 of 40 with ties: values",
                 fn=lambda M, F, t: t.topk(2).values)
    yield Sample([d(3, 4, 5)], label="function k=2 dim=1 smallest values",
                 fn=lambda M, F, t: M.topk(t, 2, dim=1, largest=False).values)


def _kthvalue_samples():
    for k, dim, kd in [(1, -1, False), (3, 1, True), (2, 0, False)]:
        yield Sample([d(4, 5)], label=f"k={k} dim={dim} keepdim={kd}",
                     fn=lambda M, F, t, k=k, dim=dim, kd=kd: t.kthvalue(k, dim, kd))
    yield Sample([d(2, 3, 4)], label="function k=4", fn=lambda M, F, t: M.kthvalue(t, 4))


def median_like_samples(name):
    """The samples median and nanmedian (``name``) share: all elements (odd, even, ties),
    and along a dim with and without keepdim."""
    yield Sample([d(3, 5)], label="all odd", fn=lambda M, F, t: getattr(t, name)())
    yield Sample([d(4, 4)], label="all even (the lower)",
                 fn=lambda M, F, t: getattr(M, name)(t))
    yield Sample([("input", const([[1.0, 2.0, 2.0], [0.0, 3.0, 2.0]]), True)],
                 label="all with ties (split evenly)", gradcheck=False,
                 fn=lambda M, F, t: getattr(t, name)())
    for dim, kd in [(1, False), (0, True), (-1, False)]:
        yield Sample([d(4, 6)], label=f"dim={dim} keepdim={kd}",
                     fn=lambda M, F, t, dim=dim, kd=kd: getattr(t, name)(dim, kd))


def _median_samples():
    yield from median_like_samples("median")
    yield Sample([("input", const([[1.0, NAN, 3.0], [2.0, 1.0, 0.0]]), False)],
                 label="NaN", fn=lambda M, F, t: (t.median(), t.median(1)))


def _mode_samples():
    yield Sample([_ties(4, 7)], label="ties: smallest value, last position",
                 fn=lambda M, F, t: M.mode(t, 1))
    yield Sample([_ties(5, 3)], label="dim=0 keepdim", fn=lambda M, F, t: t.mode(0, True))
    yield Sample([("input", custom(lambda rng, dt: rng.integers(0, 3, (4, 6)).astype(dt),
                                   (4, 6)), True)], label="gradient", gradcheck=False,
                 fn=lambda M, F, t: t.mode().values)
    yield Sample([("input", ints(0, 3, 3, 5), False)], label="int64",
                 fn=lambda M, F, t: t.mode())
    yield Sample([d(3, 5)], label="distinct values: the smallest", gradcheck=True,
                 fn=lambda M, F, t: t.mode(1))


def _cum_samples(name):
    def samples():
        for dim in (0, 1, -1):
            yield Sample([d(4, 5)], label=f"dim={dim}",
                         fn=lambda M, F, t, dim=dim: getattr(t, name)(dim))
        yield Sample([_ties(3, 7)], label="ties: the later position",
                     fn=lambda M, F, t: getattr(M, name)(t, 1))
        yield Sample([("input", const([1.0, 3.0, NAN, 2.0, NAN, 5.0]), False)], label="NaN",
                     fn=lambda M, F, t: getattr(M, name)(t, 0))
    return samples


def _unique_samples():
    yield Sample([_ties(3, 5)], fn=lambda M, F, t: M.unique(t))
    yield Sample([_ties(3, 5)], label="inverse and counts method",
                 fn=lambda M, F, t: t.unique(return_inverse=True, return_counts=True))
    yield Sample([("input", custom(lambda rng, dt: rng.integers(0, 2, (5, 2)), (5, 2)),
                   False)], label="dim=0",
                 fn=lambda M, F, t: M.unique(t, return_inverse=True, return_counts=True, dim=0))
    yield Sample([("input", const([2.0, NAN, 1.0, NAN]), False)], label="NaNs stay apart",
                 fn=lambda M, F, t: M.unique(t))


def _unique_consecutive_samples():
    yield Sample([("input", ints(0, 2, 12), False)], fn=lambda M, F, t: M.unique_consecutive(
        t, return_inverse=True, return_counts=True))
    yield Sample([("input", custom(lambda rng, dt: rng.integers(0, 2, (6, 2)).repeat(2, 0),
                                   (12, 2)), False)], label="dim=0",
                 fn=lambda M, F, t: t.unique_consecutive(return_counts=True, dim=0))


def _weights(n):
    return ("weights", custom(lambda rng, dt: rng.normal(size=n).astype(dt), (n,)), False)


def _bincount_samples():
    yield Sample([("input", ints(0, 5, 20), False)], fn=lambda M, F, t: M.bincount(t))
    yield Sample([("input", ints(0, 3, 9), False)], label="minlength method",
                 fn=lambda M, F, t: t.bincount(minlength=6))
    yield Sample([("input", ints(0, 4, 12), False), _weights(12)], label="weights",
                 fn=lambda M, F, t, w: M.bincount(t, w, minlength=2))
    yield Sample([("input", ints(0, 4, 12), False)], label="int weights are float64",
                 fn=lambda M, F, t: M.bincount(t, weights=t * 2))
    yield Sample([("input", ints(0, 1, 0), False)], label="empty",
                 fn=lambda M, F, t: (M.bincount(t), M.bincount(t, minlength=3)))
    yield Sample([("target", ints(0, 3, 16), False), ("pred", ints(0, 3, 16), False)],
                 label="confusion-matrix idiom",
                 fn=lambda M, F, y, p: M.bincount(y * 3 + p, minlength=9).reshape(3, 3))


def _sorted(*shape, kind="float"):
    def make(rng, dt):
        if kind == "int":  # with repeated entries: left and right differ there
            return np.sort(rng.integers(0, 6, shape), axis=-1).astype(np.int64)
        return np.sort(rng.normal(size=shape), axis=-1).astype(dt)
    return ("sorted_sequence", custom(make, shape), False)


def _v(*shape, kind="float"):
    if kind == "int":
        return ("values", ints(-1, 7, *shape), False)
    return ("values", custom(lambda rng, dt: (2 * rng.normal(size=shape)).astype(dt), shape),
            False)


def _searchsorted_samples():
    for right in (False, True):
        yield Sample([_sorted(6), _v(3, 4)], label=f"1-d right={right}",
                     fn=lambda M, F, s, v, r=right: M.searchsorted(s, v, right=r))
        yield Sample([_sorted(7, kind="int"), _v(10, kind="int")],
                     label=f"int64 ties right={right}",
                     fn=lambda M, F, s, v, r=right: M.searchsorted(s, v, right=r))
    yield Sample([_sorted(2, 3, 5), _v(2, 3, 4)], label="batched N-d side='right' out_int32",
                 fn=lambda M, F, s, v: (M.searchsorted(s, v, side="right", out_int32=True),
                                        M.searchsorted(s, v, side="left")))
    yield Sample([_sorted(3, 7, kind="int"), _v(3, 2, kind="int")], label="batched int ties",
                 fn=lambda M, F, s, v: (M.searchsorted(s, v), M.searchsorted(s, v, right=True)))
    yield Sample([_sorted(5)], label="numbers: 0-d",
                 fn=lambda M, F, s: (M.searchsorted(s, 0.25), M.searchsorted(s, s[2].item(),
                                                                              right=True)))
    yield Sample([_sorted(5, kind="int"), _v(6)], label="int64 sequence, float values",
                 fn=lambda M, F, s, v: M.searchsorted(s, v))
    yield Sample([("input", distinct(2, 5), False)], label="sorter from argsort",
                 fn=lambda M, F, t: M.searchsorted(t, t[:, :3] + 0.01, sorter=t.argsort()))
    yield Sample([_sorted(4), _v(0)], label="empty values",
                 fn=lambda M, F, s, v: M.searchsorted(s, v))


def _bucketize_samples():
    for right in (False, True):
        yield Sample([("input", ints(-1, 7, 4, 5), False),
                      ("boundaries", ints(0, 1, 6, fixed=[0, 1, 1, 3, 4, 6]), False)],
                     label=f"int64 on the boundaries right={right}",
                     fn=lambda M, F, x, b, r=right: M.bucketize(x, b, right=r))
    yield Sample([_v(3, 4), _sorted(5)], label="float out_int32",
                 fn=lambda M, F, x, b: M.bucketize(x, b, out_int32=True))
    yield Sample([_sorted(5)], label="a number",
                 fn=lambda M, F, b: (M.bucketize(0.1, b), M.bucketize(b[1].item(), b, right=True)))


def _histc_samples():
    yield Sample([("input", normal(200), False)], label="default: the data's range",
                 fn=lambda M, F, t: M.histc(t))
    yield Sample([("input", normal(4, 30), False)], label="bins=7 min=-1 max=1 method",
                 fn=lambda M, F, t: t.histc(7, -1, 1))
    yield Sample([("input", const([0.0, 1.0, 2.0, 3.0, 3.5, -0.5, NAN]), False)],
                 label="on the edges, outside, NaN",
                 fn=lambda M, F, t: (M.histc(t, bins=3, min=0, max=3),
                                     M.histc(t, bins=6, min=0.0, max=3.0)))
    yield Sample([("input", normal(20), False)], label="min == max == 1: the data's range",
                 fn=lambda M, F, t: M.histc(t, 5, min=1, max=1))
    yield Sample([("input", const([2.0, 2.0, 2.0]), False)], label="constant data: +-1",
                 fn=lambda M, F, t: (M.histc(t, 4), M.histc(t * 0.0, 3)))
    yield Sample([("input", normal(0), False)], label="empty", fn=lambda M, F, t: M.histc(t, 3))


def _z(M):
    return M.zeros(3, 4)


BAD = {
    "topk": [BadArg("k=5 of 4", lambda M, F: _z(M).topk(5), RuntimeError, "k")],
    "kthvalue": [BadArg("k=0", lambda M, F: _z(M).kthvalue(0), RuntimeError, "k")],
    "median": [BadArg("empty dim", lambda M, F: M.zeros(2, 0).median(1), IndexError,
                      "non-zero size")],
    "bincount": [
        BadArg("negative", lambda M, F: M.bincount(M.tensor([1, -1])), RuntimeError,
               "non-negative"),
        BadArg("2-d", lambda M, F: M.bincount(M.tensor([[1]])), RuntimeError, "1-d"),
        BadArg("float input", lambda M, F: M.bincount(M.tensor([1.0])), NotImplementedError,
               "Float"),
        BadArg("minlength -1", lambda M, F: M.bincount(M.tensor([1]), minlength=-1),
               RuntimeError, "minlength"),
        BadArg("weights of another length",
               lambda M, F: M.bincount(M.tensor([1]), M.tensor([1.0, 2.0])), RuntimeError,
               "weights")],
    "histc": [
        BadArg("int64 input", lambda M, F: M.histc(M.tensor([1, 2]), 3), NotImplementedError,
               "Long", names_op=False),
        BadArg("bins=0", lambda M, F: M.histc(M.ones(3), 0), RuntimeError, "bins"),
        BadArg("bins=3.5", lambda M, F: M.histc(M.ones(3), 3.5), TypeError, "bins"),
        BadArg("min > max", lambda M, F: M.histc(M.ones(3), 3, min=2, max=1), RuntimeError,
               "larger than min"),
        BadArg("min=inf", lambda M, F: M.histc(M.ones(3), 3, min=float("inf")), RuntimeError,
               "not finite"),
        BadArg("inf in the data's range", lambda M, F: M.histc(M.tensor([1.0, float("inf")]), 3),
               RuntimeError, "not finite"),
        BadArg("NaN in the data's range", lambda M, F: M.histc(M.tensor([1.0, NAN]), 3),
               RuntimeError, "not finite")],
    "searchsorted": [
        BadArg("side and right opposite",
               lambda M, F: M.searchsorted(M.ones(3), M.ones(2), right=True, side="left"),
               RuntimeError, "opposites"),
        BadArg("side='middle'", lambda M, F: M.searchsorted(M.ones(3), M.ones(2),
                                                            side="middle"), RuntimeError, "side"),
        BadArg("0-d sequence", lambda M, F: M.searchsorted(M.tensor(1.0), M.ones(2)),
               RuntimeError, "positive dimension"),
        BadArg("leading dims differ", lambda M, F: M.searchsorted(M.ones(2, 3), M.ones(3, 1)),
               RuntimeError, "first N-1 dimensions"),
        BadArg("number with N-d sequence", lambda M, F: M.searchsorted(M.ones(2, 3), 1.0),
               RuntimeError, "scalar"),
        BadArg("a list", lambda M, F: M.searchsorted(M.ones(3), [1.0]), TypeError,
               "searchsorted"),
        BadArg("right=1", lambda M, F: M.searchsorted(M.ones(3), M.ones(2), right=1),
               TypeError, "searchsorted"),
        BadArg("bool", lambda M, F: M.searchsorted(M.tensor([False, True]), M.tensor([True])),
               NotImplementedError, "Bool"),
        BadArg("sorter length", lambda M, F: M.searchsorted(M.ones(3), M.ones(2),
                                                            sorter=M.tensor([0, 1])),
               RuntimeError, "sorter"),
        BadArg("float sorter", lambda M, F: M.searchsorted(M.ones(2), M.ones(2),
                                                           sorter=M.tensor([0.0, 1.0])),
               RuntimeError, "long"),
        BadArg("sorter out of range", lambda M, F: M.searchsorted(M.ones(2), M.ones(1),
                                                                  sorter=M.tensor([0, 5])),
               RuntimeError, "out of range")],
    "bucketize": [
        BadArg("2-d boundaries", lambda M, F: M.bucketize(M.ones(3), M.ones(2, 2)),
               RuntimeError, "1 dimension", names_op=False),
        BadArg("a list", lambda M, F: M.bucketize(M.ones(3), [1.0, 2.0]), TypeError,
               "bucketize")],
    "sort": [BadArg("dim 2", lambda M, F: _z(M).sort(2), IndexError, "range", names_op=False)],
}


def _entry(name, samples, **kw):
    return OpInfo(name, samples, "sorting", bad_args=BAD.get(name, ()), **kw)


OPS = [
    _entry("sort", _sort_samples), _entry("argsort", _argsort_samples, gradcheck=False),
    _entry("msort", lambda: [Sample([d(4, 3)], fn=lambda M, F, t: M.msort(t)),
                             Sample([d(5)], label="method", fn=lambda M, F, t: t.msort())]),
    _entry("topk", _topk_samples), _entry("kthvalue", _kthvalue_samples),
    _entry("median", _median_samples), _entry("mode", _mode_samples),
    _entry("cummax", _cum_samples("cummax")), _entry("cummin", _cum_samples("cummin")),
    _entry("unique", _unique_samples, gradcheck=False),
    _entry("unique_consecutive", _unique_consecutive_samples, gradcheck=False),
    _entry("bincount", _bincount_samples, gradcheck=False),
    _entry("histc", _histc_samples, gradcheck=False),
    _entry("searchsorted", _searchsorted_samples, gradcheck=False),
    _entry("bucketize", _bucketize_samples, gradcheck=False),
]
