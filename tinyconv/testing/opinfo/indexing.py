"""Registry entries: indexing along a dimension (gather, scatters, index_*, masked_*, take),
slicing and joining (narrow ... repeat_interleave) and rearranging (flip ... diag_embed).

Index makers give each slice distinct indices where torch leaves repeated writes unspecified
(scatter, index_copy); accumulating ops get repeats on purpose.  In-place forms run on a
clone of a leaf, so their recorded history is compared too."""
import numpy as np

from .core import BadArg, OpInfo, Sample, bools, custom, distinct, ints, normal, x


def distinct_index(shape, n, dim):
    """An int64 index of ``shape`` whose entries along ``dim`` are distinct values < n."""
    def make(rng, _):
        full = list(shape)
        full[dim] = n
        order = rng.random(full).argsort(axis=dim)
        return order[tuple(slice(0, s) for s in shape)].astype(np.int64)
    return custom(make, shape)


def idx(maker):
    return ("index", maker, False)


def src(*shape, lo=-1.97, hi=2.03):
    return ("src", distinct(*shape, lo=lo, hi=hi), True)


def _gather_samples():
    yield Sample([x(3, 4), idx(ints(0, 4, 3, 5))], label="dim=1 repeats",
                 fn=lambda M, F, t, i: M.gather(t, 1, i))
    yield Sample([x(3, 4), idx(ints(0, 3, 2, 4))], label="dim=0 method",
                 fn=lambda M, F, t, i: t.gather(0, i))
    yield Sample([x(4, 5, 3), idx(ints(0, 5, 2, 3, 2))], label="3-d smaller index dim=-2",
                 fn=lambda M, F, t, i: M.gather(t, -2, i))
    yield Sample([x(6), idx(ints(0, 6, 4))], label="1-d", fn=lambda M, F, t, i: t.gather(0, i))
    yield Sample([x(10, 5), idx(ints(0, 5, 10, 1))], label="the target-logit idiom",
                 fn=lambda M, F, t, i: t.log_softmax(1).gather(1, i).squeeze(1))


def _scatter_samples():
    yield Sample([x(3, 5), idx(distinct_index((3, 2), 5, 1)), src(3, 2)], label="dim=1",
                 fn=lambda M, F, t, i, s: M.scatter(t, 1, i, s))
    yield Sample([x(4, 3), idx(distinct_index((2, 3), 4, 0)), src(3, 4)], grad=False,
                 label="dim=0 larger src method (torch's backward fails on a larger src)",
                 fn=lambda M, F, t, i, s: t.scatter(0, i, s))
    yield Sample([x(3, 5), idx(distinct_index((3, 2), 5, 1))], label="value=",
                 fn=lambda M, F, t, i: t.scatter(1, i, value=0.5))
    yield Sample([x(3, 5), idx(distinct_index((3, 2), 5, 1))], label="number src",
                 fn=lambda M, F, t, i: t.scatter(1, i, -2.0))
    yield Sample([x(3, 5), idx(distinct_index((3, 2), 5, 1)), src(3, 2)], label="in place",
                 fn=lambda M, F, t, i, s: (t * 1.0).scatter_(1, i, s))
    yield Sample([x(3, 5), idx(ints(0, 5, 3, 4)), src(3, 4)], label="reduce=add",
                 grad=False, fn=lambda M, F, t, i, s: t.scatter(1, i, s, reduce="add"))
    yield Sample([x(3, 5), idx(ints(0, 5, 3, 4)), src(3, 4)], label="reduce=multiply",
                 grad=False, fn=lambda M, F, t, i, s: t.scatter(1, i, s, reduce="multiply"))
    yield Sample([("input", ints(0, 9, 3, 5), False), idx(distinct_index((3, 2), 5, 1)),
                  ("src", ints(0, 9, 3, 2), False)], label="int64",
                 fn=lambda M, F, t, i, s: t.scatter(1, i, s))


def _scatter_add_samples():
    yield Sample([x(3, 5), idx(ints(0, 5, 3, 6)), src(3, 6)], label="dim=1 repeats",
                 fn=lambda M, F, t, i, s: M.scatter_add(t, 1, i, s))
    yield Sample([x(4, 3), idx(ints(0, 4, 6, 2)), src(7, 3)], grad=False, gradcheck=True,
                 label="dim=0 larger src (torch's backward fails on a larger src)",
                 fn=lambda M, F, t, i, s: t.scatter_add(0, i, s))
    yield Sample([x(2, 3, 4), idx(ints(0, 3, 2, 5, 4)), src(2, 5, 4)], label="3-d dim=1",
                 fn=lambda M, F, t, i, s: t.scatter_add(1, i, s))
    yield Sample([x(3, 5), idx(ints(0, 5, 3, 6)), src(3, 6)], label="in place",
                 fn=lambda M, F, t, i, s: (t * 1.0).scatter_add_(1, i, s))
    yield Sample([idx(ints(0, 4, 12)), src(12)], label="segment sums into zeros",
                 fn=lambda M, F, i, s: M.zeros(4, dtype=s.dtype).scatter_add(0, i, s))


def _scatter_reduce_samples():
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for inc in (True, False):
            yield Sample([("input", distinct(3, 5), True), idx(ints(0, 5, 3, 4)), src(3, 4)],
                         label=f"{reduce} include_self={inc}",
                         fn=lambda M, F, t, i, s, r=reduce, inc=inc: M.scatter_reduce(
                             t, 1, i, s, r, include_self=inc))
    yield Sample([("input", distinct(4, 3), True), idx(ints(0, 4, 6, 3)), src(6, 3)],
                 label="amax dim=0 method", fn=lambda M, F, t, i, s: t.scatter_reduce(
                     0, i, s, "amax"))
    for inc in (True, False):
        yield Sample([("input", distinct(2, 4, lo=-1.9), True),
                      idx(ints(0, 4, 2, 5, fixed=[1, 1, 1, 2, 0, 3, 3, 3, 3, 0])),
                      ("src", distinct(2, 5, lo=-1.93, hi=2.07), True)], gradcheck=True,
                     label=f"prod with zeros include_self={inc}",
                     fn=lambda M, F, t, i, s, inc=inc: t.scatter_reduce(
                         1, i, s * M.tensor([[0.0, 1, 1, 1, 1], [1, 0, 1, 0, 1]],
                                            dtype=s.dtype), "prod", include_self=inc))
    yield Sample([x(3, 5), idx(ints(0, 5, 3, 4)), src(3, 4)], label="mean in place",
                 fn=lambda M, F, t, i, s: (t * 1.0).scatter_reduce_(1, i, s, "mean"))


def _index_select_samples():
    yield Sample([x(4, 5), ("index", ints(0, 5, 7), False)], label="dim=1 repeats",
                 fn=lambda M, F, t, i: M.index_select(t, 1, i))
    yield Sample([x(4, 5, 2), ("index", ints(0, 4, 3, dtype=np.int32), False)],
                 label="dim=0 int32 method", fn=lambda M, F, t, i: t.index_select(0, i))
    yield Sample([x(4, 5, 2)], label="0-d index",
                 fn=lambda M, F, t: t.index_select(-1, M.tensor(1)))


def _index_add_samples():
    yield Sample([x(4, 5), ("index", ints(0, 5, 7), False), ("source", normal(4, 7), True)],
                 label="dim=1 repeats", fn=lambda M, F, t, i, s: M.index_add(t, 1, i, s))
    yield Sample([x(4, 5), ("index", ints(0, 4, 3), False), ("source", normal(3, 5), True)],
                 label="dim=0 alpha=2.5", fn=lambda M, F, t, i, s: t.index_add(0, i, s,
                                                                               alpha=2.5))
    yield Sample([x(4, 5), ("index", ints(0, 5, 3), False), ("source", normal(4, 3), True)],
                 label="in place", fn=lambda M, F, t, i, s: (t * 1.0).index_add_(1, i, s))


def _index_put_samples():
    rows, cols = ("rows", ints(0, 4, 6), False), ("cols", ints(0, 5, 6), False)
    yield Sample([x(4, 5), rows, cols, ("values", normal(6), True)],
                 label="accumulate repeats",
                 fn=lambda M, F, t, r, c, v: M.index_put(t, (r, c), v, accumulate=True))
    yield Sample([x(4, 5), ("rows", distinct_index((3,), 4, 0), False),
                  ("values", normal(3, 5), True)], label="rows replaced, list of indices",
                 fn=lambda M, F, t, r, v: t.index_put([r], v))
    yield Sample([x(4, 5), ("rows", ints(-4, 4, 3), False), ("values", normal(5), True)],
                 label="broadcast values, negative rows, accumulate",
                 fn=lambda M, F, t, r, v: t.index_put((r,), v, accumulate=True))
    yield Sample([x(4, 5), ("mask", bools(4), False), ("value", normal(), True)],
                 label="bool mask 0-d value", fn=lambda M, F, t, m, v: t.index_put((m,), v))
    yield Sample([x(4, 5), rows, cols, ("values", normal(6), True)], label="in place",
                 fn=lambda M, F, t, r, c, v: (t * 1.0).index_put_((r, c), v, accumulate=True))
    yield Sample([("target", ints(0, 3, 16), False), ("pred", ints(0, 3, 16), False)],
                 label="confusion-matrix idiom",
                 fn=lambda M, F, y, p: M.zeros(3, 3, dtype=M.int64).index_put_(
                     (y, p), M.ones_like(y), accumulate=True))


def _index_fill_samples():
    yield Sample([x(4, 5), ("index", ints(-5, 5, 3), False)], label="dim=1 number",
                 fn=lambda M, F, t, i: M.index_fill(t, 1, i, -1.5))
    yield Sample([x(4, 5), ("index", ints(0, 4, 2), False), ("value", normal(), True)],
                 label="dim=0 0-d tensor value", fn=lambda M, F, t, i, v: t.index_fill(0, i, v))
    yield Sample([x(4, 5), ("index", ints(0, 5, 2), False)], label="in place",
                 fn=lambda M, F, t, i: (t * 1.0).index_fill_(1, i, 2.0))


def _index_copy_samples():
    yield Sample([x(4, 5), ("index", distinct_index((3,), 5, 0), False),
                  ("source", normal(4, 3), True)], label="dim=1",
                 fn=lambda M, F, t, i, s: M.index_copy(t, 1, i, s))
    yield Sample([x(4, 5), ("index", distinct_index((2,), 4, 0), False),
                  ("source", normal(2, 5), True)], label="dim=0 in place",
                 fn=lambda M, F, t, i, s: (t * 1.0).index_copy_(0, i, s))


def _masked_fill_samples():
    yield Sample([x(3, 4), ("mask", bools(3, 4), False)], label="number",
                 fn=lambda M, F, t, m: M.masked_fill(t, m, -1.0))
    yield Sample([x(3, 4), ("mask", bools(4), False)], label="broadcast mask -inf softmax",
                 fn=lambda M, F, t, m: t.masked_fill(m, float("-inf")).exp())
    yield Sample([x(3, 4), ("mask", bools(2, 3, 4), False), ("value", normal(), True)],
                 label="broadcast input 0-d tensor value",
                 fn=lambda M, F, t, m, v: t.masked_fill(m, v))
    yield Sample([x(3, 4), ("mask", bools(3, 4), False)], label="in place",
                 fn=lambda M, F, t, m: (t * 1.0).masked_fill_(m, 0.0))


def _masked_select_samples():
    yield Sample([x(3, 4), ("mask", bools(3, 4), False)],
                 fn=lambda M, F, t, m: M.masked_select(t, m))
    yield Sample([x(3, 4), ("mask", bools(2, 1, 4), False)], label="broadcast",
                 fn=lambda M, F, t, m: t.masked_select(m))


def _masked_scatter_samples():
    yield Sample([x(3, 4), ("mask", bools(3, 4), False), ("source", normal(14), True)],
                 fn=lambda M, F, t, m, s: t.masked_scatter(m, s))
    yield Sample([x(3, 4), ("mask", bools(4), False), ("source", normal(3, 5), True)],
                 label="broadcast mask 2-d source in place",
                 fn=lambda M, F, t, m, s: (t * 1.0).masked_scatter_(m, s))


def _take_samples():
    yield Sample([x(3, 4), ("index", ints(-12, 12, 2, 5), False)],
                 fn=lambda M, F, t, i: M.take(t, i))
    yield Sample([x(3, 4)], label="method 0-d index", fn=lambda M, F, t: t.take(M.tensor(5)))


def _take_along_dim_samples():
    yield Sample([x(3, 4), ("indices", ints(0, 4, 3, 2), False)], label="dim=1",
                 fn=lambda M, F, t, i: M.take_along_dim(t, i, dim=1))
    yield Sample([x(3, 4), ("indices", ints(0, 12, 5), False)], label="dim=None",
                 fn=lambda M, F, t, i: M.take_along_dim(t, i))
    yield Sample([x(2, 1, 4), ("indices", ints(0, 4, 1, 3, 2), False)], label="broadcast",
                 fn=lambda M, F, t, i: t.take_along_dim(i, 2))
    yield Sample([x(5, 6)], label="argsort idiom", fn=lambda M, F, t: M.take_along_dim(
        t, t.argsort(dim=1), dim=1))


def _views(calls):
    def samples():
        for i, (label, fn) in enumerate(calls):
            yield Sample([x(4, 6, 3)], label=label, fn=fn, gradcheck=True if i == 0 else None)
    return samples


VIEWS = {
    "narrow": [("(1, 2, 3)", lambda M, F, t: t.narrow(1, 2, 3)),
               ("function (-1, -2, 2)", lambda M, F, t: M.narrow(t, -1, -2, 2))],
    "select": [("(1, 2)", lambda M, F, t: t.select(1, 2)),
               ("function (0, -1)", lambda M, F, t: M.select(t, 0, -1))],
    "chunk": [("3 dim=1", lambda M, F, t: t.chunk(3, 1)),
              ("4 dim=1 uneven", lambda M, F, t: t.chunk(4, 1)),
              ("function 2", lambda M, F, t: M.chunk(t, 2))],
    "split": [("int 4 dim=1", lambda M, F, t: t.split(4, 1)),
              ("sizes [1, 3, 2] dim=1", lambda M, F, t: t.split([1, 3, 2], 1)),
              ("function 3", lambda M, F, t: M.split(t, 3))],
    "tensor_split": [("3 sections dim=1", lambda M, F, t: t.tensor_split(4, 1)),
                     ("indices [1, 4] dim=1", lambda M, F, t: t.tensor_split([1, 4], 1)),
                     ("function tensor indices", lambda M, F, t: M.tensor_split(
                         t, M.tensor([3, 1]), dim=1))],
    "unbind": [("dim=0", lambda M, F, t: t.unbind()),
               ("function dim=2", lambda M, F, t: M.unbind(t, 2))],
    "movedim": [("0 -> 2", lambda M, F, t: t.movedim(0, 2)),
                ("function (0, 1) -> (2, 0)", lambda M, F, t: M.movedim(t, (0, 1), (2, 0)))],
    "moveaxis": [("-1 -> 0", lambda M, F, t: M.moveaxis(t, -1, 0)),
                 ("method", lambda M, F, t: t.moveaxis(1, 0))],
    "swapaxes": [("(0, 2)", lambda M, F, t: t.swapaxes(0, 2)),
                 ("function", lambda M, F, t: M.swapaxes(t, 1, 2))],
    "swapdims": [("(0, 1)", lambda M, F, t: t.swapdims(0, 1)),
                 ("function", lambda M, F, t: M.swapdims(t, -1, 0))],
    "unflatten": [("1 -> (2, 3)", lambda M, F, t: t.unflatten(1, (2, 3))),
                  ("function -1 -> (-1, 1)", lambda M, F, t: M.unflatten(t, -1, (-1, 1)))],
    "broadcast_to": [("(2, 4, 6, 3)", lambda M, F, t: t.broadcast_to((2, 4, 6, 3))),
                     ("function x[:, :1] (4, 5, 3)", lambda M, F, t: M.broadcast_to(
                         t[:, :1], (4, 5, 3)))],
    "tile": [("(2,)", lambda M, F, t: t.tile((2,))),
             ("function (2, 1, 1, 2)", lambda M, F, t: M.tile(t, (2, 1, 1, 2)))],
    "repeat_interleave": [("2", lambda M, F, t: t.repeat_interleave(2)),
                          ("3 dim=1", lambda M, F, t: M.repeat_interleave(t, 3, dim=1)),
                          ("tensor dim=0", lambda M, F, t: t.repeat_interleave(
                              M.tensor([1, 0, 3, 2]), dim=0)),
                          ("one-argument form", lambda M, F, t: M.repeat_interleave(
                              M.tensor([2, 0, 1])).to(t.dtype) + t[0, 0, 0])],
    "flip": [("(0, 2)", lambda M, F, t: t.flip((0, 2))),
             ("function 1", lambda M, F, t: M.flip(t, [1]))],
    "fliplr": [("", lambda M, F, t: M.fliplr(t)), ("method", lambda M, F, t: t.fliplr())],
    "flipud": [("", lambda M, F, t: M.flipud(t)), ("method", lambda M, F, t: t.flipud())],
    "roll": [("2 flat", lambda M, F, t: t.roll(2)),
             ("(1, -2) dims (0, 2)", lambda M, F, t: M.roll(t, (1, -2), (0, 2))),
             ("7 dim 1", lambda M, F, t: t.roll(7, 1))],
    "rot90": [(f"k={k}", lambda M, F, t, k=k: M.rot90(t, k, (0, 1))) for k in (1, 2, 3, 4, -1)]
    + [("method dims (2, 1)", lambda M, F, t: t.rot90(1, (2, 1)))],
    "tril": [("0", lambda M, F, t: M.tril(t)), ("1", lambda M, F, t: t.tril(1)),
             ("-2", lambda M, F, t: M.tril(t, -2)),
             ("in place", lambda M, F, t: (t * 1.0).tril_(-1))],
    "triu": [("0", lambda M, F, t: M.triu(t)), ("1", lambda M, F, t: t.triu(1)),
             ("-1 in place", lambda M, F, t: (t * 1.0).triu_(-1))],
    "diagonal": [("()", lambda M, F, t: t.diagonal()),
                 ("offset 1 dims (0, 2)", lambda M, F, t: M.diagonal(t, 1, 0, 2)),
                 ("offset -2 dims (-1, 1)", lambda M, F, t: t.diagonal(-2, -1, 1)),
                 ("write through the view", lambda M, F, t: _fill_diagonal(t))],
    "diag": [("matrix", lambda M, F, t: M.diag(t[0])),
             ("matrix offset 2", lambda M, F, t: t[:, :, 0].diag(2)),
             ("vector", lambda M, F, t: M.diag(t[0, :, 0])),
             ("vector offset -1", lambda M, F, t: M.diag(t[:, 0, 1], -1))],
    "Tensor.unfold": [("(1, 3, 2)", lambda M, F, t: t.unfold(1, 3, 2)),
                      ("(0, 2, 1) overlapping", lambda M, F, t: t.unfold(0, 2, 1)),
                      ("(-1, 3, 3) whole dim", lambda M, F, t: t.unfold(-1, 3, 3)),
                      ("(1, 2, 4) gaps", lambda M, F, t: t.unfold(1, 2, 4)),
                      ("size 0", lambda M, F, t: t.unfold(2, 0, 1)),
                      ("of a transpose, twice", lambda M, F, t: t.transpose(0, 2).unfold(
                          1, 2, 3).unfold(0, 2, 1)),
                      ("write through the view", lambda M, F, t: _write_windows(t))],
    "diag_embed": [("()", lambda M, F, t: t.diag_embed()),
                   ("offset 1 dims (0, 2)", lambda M, F, t: M.diag_embed(t, 1, 0, 2)),
                   ("offset -1 dims (-1, 1)", lambda M, F, t: M.diag_embed(t, -1, -1, 1))],
}


def _diff_samples():
    yield Sample([x(3, 5)], fn=lambda M, F, t: M.diff(t))
    yield Sample([x(4, 3, 2)], label="n=2 dim=0 method", fn=lambda M, F, t: t.diff(2, 0))
    yield Sample([x(3, 4), ("prepend", normal(3, 1), True), ("append", normal(3, 2), True)],
                 label="prepend append", fn=lambda M, F, t, p, a: M.diff(t, prepend=p, append=a))
    yield Sample([x(2, 3), ("prepend", normal(1, 3), True)], label="n=3 dim=-2 prepend",
                 fn=lambda M, F, t, p: t.diff(n=3, dim=-2, prepend=p))
    yield Sample([x(4)], label="n >= length: empty", fn=lambda M, F, t: (M.diff(t, 4),
                                                                         M.diff(t, 6)))
    yield Sample([x(4)], label="n=0 a copy", fn=lambda M, F, t: M.diff(t, 0) * 1.0)
    yield Sample([x(5), ("prepend", ints(-3, 3, 2), False)], label="int64 prepend promotes",
                 fn=lambda M, F, t, p: M.diff(t, prepend=p))
    yield Sample([("input", ints(-9, 9, 3, 6), False)], label="int64 n=2",
                 fn=lambda M, F, t: t.diff(2))
    yield Sample([("input", bools(7), False)], label="bool: logical_xor",
                 fn=lambda M, F, t: M.diff(t))


def _write_windows(t):
    y = t * 1.0
    y.unfold(1, 2, 3).mul_(2.0)  # a view: the write reaches y
    return y


def _fill_diagonal(t):
    y = t * 1.0
    y.diagonal().mul_(2.0)  # a view: the write reaches y
    return y


def _joining_samples(name):
    def samples():
        pairs = {"hstack": [((3, 4), (3, 2)), ((5,), (2,))],
                 "vstack": [((3, 4), (2, 4)), ((4,), (4,))],
                 "dstack": [((3, 4), (3, 4)), ((4,), (4,)), ((2, 3, 1), (2, 3, 2))],
                 "column_stack": [((3,), (3, 2)), ((4,), (4,))]}[name]
        for sa, sb in pairs:
            yield Sample([x(*sa), ("other", normal(*sb), True)], label=f"{sa} {sb}",
                         fn=lambda M, F, a, b: getattr(M, name)([a, b]))
    return samples


def _atleast_samples(name):
    def samples():
        for shape in [(), (3,), (2, 3), (2, 3, 4)]:
            yield Sample([x(*shape)], label=f"{shape}",
                         fn=lambda M, F, t: getattr(M, name)(t))
        yield Sample([x(), ("other", normal(3), True)], label="two tensors",
                     fn=lambda M, F, a, b: getattr(M, name)(a, b))
        yield Sample([x(3), ("other", normal(2, 2), True)], label="a list",
                     fn=lambda M, F, a, b: getattr(M, name)([a, b]))
    return samples


def _broadcast_tensors_samples():
    yield Sample([x(3, 1), ("other", normal(4), True)],
                 fn=lambda M, F, a, b: M.broadcast_tensors(a, b))
    yield Sample([x(2, 1, 3), ("other", normal(4, 1), True)], label="three",
                 fn=lambda M, F, a, b: M.broadcast_tensors(a, b, a[0]))


def _meshgrid_samples():
    for indexing in ("ij", "xy"):
        yield Sample([x(3), ("other", normal(4), True)], label=f"indexing={indexing}",
                     fn=lambda M, F, a, b, i=indexing: M.meshgrid(a, b, indexing=i))
    yield Sample([x(2), ("other", normal(3), True)], label="three, a list, xy",
                 fn=lambda M, F, a, b: M.meshgrid([a, b, a * 2.0], indexing="xy"))


def _bad(op, label, call, exc, match, **kw):
    return BadArg(label, call, exc, match, **kw)


def _z(M):
    return M.zeros(3, 4)


def _i(M, *v):
    return M.tensor(np.array(v, dtype=np.int64))


BAD = {
    "index_put": [
        _bad("index_put", "indices a Tensor", lambda M, F: _z(M).index_put(_i(M, 0), _z(M)[0]),
             TypeError, "indices", names_op=True),
        _bad("index_put", "row 3 of 3", lambda M, F: _z(M).index_put((_i(M, 3),), _z(M)[0]),
             IndexError, "out of bounds", names_op=False),
        _bad("index_put", "int64 values", lambda M, F: _z(M).index_put((_i(M, 0),), _i(M, 1)),
             RuntimeError, "dtypes match", names_op=False),
        _bad("index_put", "values of 3", lambda M, F: _z(M).index_put((_i(M, 0, 1),),
                                                                       M.ones(3)),
             RuntimeError, "shape mismatch")],
    "gather": [
        _bad("gather", "index out of bounds", lambda M, F: _z(M).gather(1, _i(M, [5])),
             RuntimeError, "out of bounds"),
        _bad("gather", "float index", lambda M, F: _z(M).gather(1, M.ones(3, 1)), RuntimeError,
             "dtype"),
        _bad("gather", "index rank", lambda M, F: _z(M).gather(1, _i(M, 1)), RuntimeError,
             "dimensions"),
        _bad("gather", "index too large", lambda M, F: _z(M).gather(1, M.zeros(
            4, 1, dtype=M.int64)), RuntimeError, "no larger"),
        _bad("gather", "dim 2", lambda M, F: _z(M).gather(2, M.zeros(3, 1, dtype=M.int64)),
             IndexError, "range", names_op=False)],
    "scatter": [
        _bad("scatter", "src dtype", lambda M, F: _z(M).scatter(1, M.zeros(
            3, 1, dtype=M.int64), M.ones(3, 1, dtype=M.float64)), RuntimeError, "dtype"),
        _bad("scatter", "src smaller than index", lambda M, F: _z(M).scatter(1, M.zeros(
            3, 2, dtype=M.int64), M.ones(3, 1)), RuntimeError, "src"),
        _bad("scatter", "reduce='sum'", lambda M, F: _z(M).scatter(1, M.zeros(
            3, 1, dtype=M.int64), M.ones(3, 1), reduce="sum"), RuntimeError, "reduce",
             names_op=False)],
    "scatter_add": [
        _bad("scatter_add", "index out of bounds", lambda M, F: _z(M).scatter_add(
            0, M.full((1, 4), 3, dtype=M.int64), M.ones(1, 4)), RuntimeError, "out of bounds",
             names_op=False)],
    "scatter_reduce": [
        _bad("scatter_reduce", "reduce='max'", lambda M, F: _z(M).scatter_reduce(
            1, M.zeros(3, 1, dtype=M.int64), M.ones(3, 1), "max"), RuntimeError, "reduce",
             torch=None)],  # torch 2.x accepts 'max' as an undocumented alias of 'amax'
    "index_select": [
        _bad("index_select", "index out of range", lambda M, F: _z(M).index_select(
            1, _i(M, 4)), RuntimeError, "out of|index"),
        _bad("index_select", "2-d index", lambda M, F: _z(M).index_select(
            1, _i(M, [1])), IndexError, "vector"),
        _bad("index_select", "float index", lambda M, F: _z(M).index_select(
            1, M.ones(1)), RuntimeError, "dtype")],
    "index_add": [
        _bad("index_add", "source size", lambda M, F: _z(M).index_add(
            1, _i(M, 1), M.ones(3, 2)), RuntimeError, "source"),
        _bad("index_add", "source dtype", lambda M, F: _z(M).index_add(
            1, _i(M, 1), M.ones(3, 1, dtype=M.float64)), RuntimeError, "same scalar type")],
    "index_fill": [
        _bad("index_fill", "1-d value", lambda M, F: _z(M).index_fill(
            1, _i(M, 1), M.ones(1)), RuntimeError, "0-dimensional")],
    "index_copy": [
        _bad("index_copy", "negative index", lambda M, F: _z(M).index_copy(
            1, _i(M, -1), M.ones(3, 1)), IndexError, "out of bounds")],
    "masked_fill": [
        _bad("masked_fill", "float mask", lambda M, F: _z(M).masked_fill(M.ones(3, 4), 1.0),
             RuntimeError, "boolean"),
        _bad("masked_fill", "in place broadcast", lambda M, F: _z(M).masked_fill_(
            M.ones(2, 3, 4, dtype=M.bool), 1.0), RuntimeError, "shape", names_op=False)],
    "masked_scatter": [
        _bad("masked_scatter", "short source", lambda M, F: _z(M).masked_scatter(
            M.ones(3, 4, dtype=M.bool), M.ones(5)), RuntimeError, "source")],
    "take": [_bad("take", "index 12 of 12", lambda M, F: _z(M).take(_i(M, 12)), IndexError,
                  "out of range")],
    "narrow": [_bad("narrow", "past the end", lambda M, F: _z(M).narrow(1, 3, 2), RuntimeError,
                    "exceeds")],
    "select": [_bad("select", "index 4 of 4", lambda M, F: _z(M).select(1, 4), IndexError,
                    "out of range")],
    "chunk": [_bad("chunk", "0 chunks", lambda M, F: _z(M).chunk(0), RuntimeError,
                   "greater than 0")],
    "split": [_bad("split", "sizes not summing", lambda M, F: _z(M).split([1, 2], 1),
                   RuntimeError, "sum exactly", names_op=False)],
    "unflatten": [_bad("unflatten", "sizes", lambda M, F: _z(M).unflatten(1, (3, 2)),
                       RuntimeError, "multiply")],
    "movedim": [_bad("movedim", "repeated", lambda M, F: _z(M).movedim((0, 0), (1, 0)),
                     RuntimeError, "repeated")],
    "roll": [_bad("roll", "shifts and dims", lambda M, F: _z(M).roll((1, 2), (0,)),
                  RuntimeError, "align")],
    "rot90": [_bad("rot90", "same dims", lambda M, F: _z(M).rot90(1, (0, 0)), RuntimeError,
                   "different")],
    "diag": [_bad("diag", "3-d", lambda M, F: M.diag(M.ones(2, 2, 2)), RuntimeError, "1D or 2D")],
    "tril": [_bad("tril", "1-d", lambda M, F: M.tril(M.ones(3)), RuntimeError,
                  "at least 2 dimensions")],
    "diagonal": [_bad("diagonal", "same dims", lambda M, F: _z(M).diagonal(0, 1, 1),
                      RuntimeError, "identical")],
    "repeat_interleave": [
        _bad("repeat_interleave", "negative", lambda M, F: _z(M).repeat_interleave(-1),
             RuntimeError, "non-negative", names_op=False),
        _bad("repeat_interleave", "repeats length", lambda M, F: _z(M).repeat_interleave(
            _i(M, 1, 2), dim=0), RuntimeError, "same size", names_op=False)],
    "meshgrid": [_bad("meshgrid", "indexing='x'", lambda M, F: M.meshgrid(M.ones(2),
                                                                          indexing="x"),
                      RuntimeError, "indexing")],
    "diff": [
        _bad("diff", "0-d", lambda M, F: M.diff(M.tensor(1.0)), RuntimeError,
             "one-dimensional"),
        _bad("diff", "n=-1", lambda M, F: _z(M).diff(-1), RuntimeError, "non-negative",
             names_op=False),
        _bad("diff", "n=1.5", lambda M, F: M.diff(_z(M), 1.5), TypeError, "'n'"),
        _bad("diff", "dim 2", lambda M, F: _z(M).diff(dim=2), IndexError, "range",
             names_op=False),
        _bad("diff", "prepend of another size", lambda M, F: M.diff(
            _z(M), prepend=M.zeros(2, 4)), RuntimeError, "size"),
        _bad("diff", "prepend 1-d", lambda M, F: M.diff(_z(M), append=M.zeros(4)),
             RuntimeError, "same dimension"),
        _bad("diff", "prepend a float", lambda M, F: M.diff(_z(M), prepend=1.0), TypeError,
             "'prepend' must be Tensor")],
    "Tensor.unfold": [
        _bad("Tensor.unfold", "size 7 > 6", lambda M, F: M.zeros(6).unfold(0, 7, 1),
             RuntimeError, "maximum size", names_op=False),
        _bad("Tensor.unfold", "size -1", lambda M, F: M.zeros(6).unfold(0, -1, 1),
             RuntimeError, "size is -1", names_op=False),
        _bad("Tensor.unfold", "step 0", lambda M, F: M.zeros(6).unfold(0, 2, 0),
             RuntimeError, "step is 0", names_op=False),
        _bad("Tensor.unfold", "dimension 1 of 1-d", lambda M, F: M.zeros(6).unfold(1, 2, 1),
             IndexError, "range", names_op=False),
        _bad("Tensor.unfold", "size 2.0", lambda M, F: M.zeros(6).unfold(0, 2.0, 1),
             TypeError, "'size'")],
    "broadcast_to": [_bad("broadcast_to", "(2, 4)", lambda M, F: _z(M).broadcast_to((2, 4)),
                          RuntimeError, "size", names_op=False)],
}


def _entry(name, samples, **kw):
    return OpInfo(name, samples, "indexing", bad_args=BAD.get(name, ()), **kw)


OPS = (
    [_entry("gather", _gather_samples), _entry("scatter", _scatter_samples),
     _entry("scatter_add", _scatter_add_samples),
     _entry("scatter_reduce", _scatter_reduce_samples),
     _entry("index_select", _index_select_samples), _entry("index_add", _index_add_samples),
     _entry("index_fill", _index_fill_samples), _entry("index_copy", _index_copy_samples),
     _entry("index_put", _index_put_samples),
     _entry("masked_fill", _masked_fill_samples),
     _entry("masked_select", _masked_select_samples),
     _entry("masked_scatter", _masked_scatter_samples), _entry("take", _take_samples),
     _entry("take_along_dim", _take_along_dim_samples)]
    + [_entry(n, _views(calls)) for n, calls in VIEWS.items()]
    + [_entry(n, _joining_samples(n)) for n in ("hstack", "vstack", "dstack", "column_stack")]
    + [_entry(n, _atleast_samples(n)) for n in ("atleast_1d", "atleast_2d", "atleast_3d")]
    + [_entry("broadcast_tensors", _broadcast_tensors_samples),
       _entry("meshgrid", _meshgrid_samples), _entry("diff", _diff_samples)]
)
