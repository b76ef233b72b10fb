"""Registry entries: the matrix products of the top-level namespace (mm, bmm, mv, dot, vdot,
outer, addmm, baddbmm, addmv, einsum, tensordot, kron, trace, cdist)."""
from .core import BadArg, OpInfo, Sample, normal

TOL_SUMS = {"float32": 1e-4}


def _n(name, *shape):
    return (name, normal(*shape), True)


def _call(name, *args, **kw):
    """A sample calling ``M.name(*tensors, **kw)`` (``args`` lead, as einsum's equation)."""
    return lambda M, F, *ts, **k: getattr(M, name)(*args, *ts, **k)


def _samples(name, cases):
    def samples():
        for shapes, kw in cases:
            yield Sample([_n(f"in{i}", *s) for i, s in enumerate(shapes)], fn=_call(name),
                         **kw)
        yield Sample([_n(f"in{i}", *s) for i, s in enumerate(cases[0][0])],
                     label="method form", fn=lambda M, F, t, *rest, **kw: getattr(t, name)(
                         *rest, **kw), **cases[0][1])
        # a small case, gradchecked (the main case has too many elements for it)
        small = [tuple(min(d, 2) for d in s) for s in cases[0][0]]
        yield Sample([_n(f"in{i}", *s) for i, s in enumerate(small)], label="small",
                     fn=_call(name), gradcheck=True, **cases[0][1])
    return samples


EINSUM = [("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ii->i", [(3, 3)]), ("iij->j", [(3, 3, 4)]),
          ("ij->i", [(3, 4)]), ("ij,j", [(3, 4), (4,)]), ("i,j->ij", [(3,), (4,)]),
          ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]), ("ij,jk,kl->il",
                                                              [(3, 4), (4, 5), (5, 2)]),
          ("bhld,bhsd->bhls", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ii", [(4, 4)]),
          ("...ij->...ji", [(2, 3, 4)])]


def _einsum_samples():
    for eq, shapes in EINSUM:
        yield Sample([_n(f"in{i}", *s) for i, s in enumerate(shapes)], label=eq,
                     fn=_call("einsum", eq))
    yield Sample([_n("a", 3, 4), _n("b", 4, 2)], label="list of operands",
                 fn=lambda M, F, a, b: M.einsum("ij,jk", [a, b]))


def _tensordot_samples():
    for shapes, dims in [([(3, 4, 5), (4, 5, 2)], 2), ([(3, 4, 5), (5, 3)], ([0, 2], [1, 0])),
                         ([(3, 4), (2, 5)], 0), ([(3, 4), (4, 2)], 1)]:
        yield Sample([_n("a", *shapes[0]), _n("b", *shapes[1])], label=f"dims={dims}",
                     fn=lambda M, F, a, b, d=dims: M.tensordot(a, b, dims=d))


def _scaled(name, shapes):
    def samples():
        for beta, alpha in [(1, 1), (0.5, 2.0), (0, -1.0)]:
            yield Sample([_n(f"in{i}", *s) for i, s in enumerate(shapes)],
                         label=f"beta={beta} alpha={alpha}",
                         fn=lambda M, F, *ts, b=beta, a=alpha: getattr(M, name)(*ts, beta=b,
                                                                               alpha=a))
        yield Sample([_n("in0", shapes[0][-1]),
                      *[_n(f"in{i + 1}", *s) for i, s in enumerate(shapes[1:])]],
                     label="broadcast input", fn=_call(name))
        small = [tuple(min(d, 2) for d in s) for s in shapes]
        yield Sample([_n(f"in{i}", *s) for i, s in enumerate(small)], label="small",
                     fn=_call(name), gradcheck=True)
    return samples


def _cdist_samples():
    for p in (2.0, 1.0, 3.0, 0.5, float("inf"), 0.0):
        yield Sample([_n("x1", 3, 4), _n("x2", 5, 4)], label=f"p={p:g}",
                     fn=lambda M, F, a, b, p=p: M.cdist(a, b, p=p))
    yield Sample([_n("x1", 2, 3, 4), _n("x2", 2, 5, 4)], label="batched", fn=_call("cdist"))


def _m(M, *s):
    return M.randn(*s)


def _entry(name, samples, bad_args, **kw):
    return OpInfo(name, samples, "matrix", bad_args=bad_args, tol=TOL_SUMS, **kw)


OPS = [
    _entry("mm", _samples("mm", [([(3, 4), (4, 5)], {})]), [
        BadArg("shapes", lambda M, F: M.mm(_m(M, 3, 4), _m(M, 3, 4)), RuntimeError,
               "cannot be multiplied")]),
    _entry("bmm", _samples("bmm", [([(2, 3, 4), (2, 4, 5)], {})]), [
        BadArg("batch", lambda M, F: M.bmm(_m(M, 2, 3, 4), _m(M, 3, 4, 5)), RuntimeError,
               "batch2"),
        BadArg("2-D", lambda M, F: M.bmm(_m(M, 3, 4), _m(M, 4, 5)), RuntimeError, "3-D",
               torch="raises")]),
    _entry("mv", _samples("mv", [([(3, 4), (4,)], {})]), [
        BadArg("shapes", lambda M, F: M.mv(_m(M, 3, 4), _m(M, 3)), RuntimeError, "size")]),
    _entry("dot", _samples("dot", [([(4,), (4,)], {})]), [
        BadArg("sizes", lambda M, F: M.dot(_m(M, 3), _m(M, 4)), RuntimeError, "size")]),
    _entry("vdot", _samples("vdot", [([(4,), (4,)], {})]), [
        BadArg("2-D", lambda M, F: M.vdot(_m(M, 2, 2), _m(M, 2, 2)), RuntimeError, "1-D",
               torch="raises", names_op=False)]),
    _entry("outer", _samples("outer", [([(3,), (4,)], {})]), [
        BadArg("2-D", lambda M, F: M.outer(_m(M, 2, 2), _m(M, 3)), RuntimeError, "1-D",
               torch="raises")]),
    _entry("addmm", _scaled("addmm", [(3, 5), (3, 4), (4, 5)]), [
        BadArg("shapes", lambda M, F: M.addmm(_m(M, 3, 5), _m(M, 3, 4), _m(M, 3, 5)),
               RuntimeError, "cannot be multiplied", names_op=False)]),
    _entry("baddbmm", _scaled("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)]), [
        BadArg("batch", lambda M, F: M.baddbmm(_m(M, 2, 3, 5), _m(M, 2, 3, 4), _m(M, 3, 4, 5)),
               RuntimeError, "batch2", names_op=False)]),
    _entry("addmv", _scaled("addmv", [(3,), (3, 4), (4,)]), [
        BadArg("shapes", lambda M, F: M.addmv(_m(M, 3), _m(M, 3, 4), _m(M, 3)), RuntimeError,
               "size", names_op=False)]),
    _entry("einsum", _einsum_samples, [
        BadArg("operand count", lambda M, F: M.einsum("ij,jk->ik", _m(M, 2, 3)), RuntimeError,
               "operands"),
        BadArg("sizes", lambda M, F: M.einsum("ij,jk->ik", _m(M, 2, 3), _m(M, 4, 2)),
               RuntimeError, "size"),
        BadArg("output letter", lambda M, F: M.einsum("ij->k", _m(M, 2, 3)), RuntimeError,
               "output subscript")]),
    _entry("tensordot", _tensordot_samples, [
        BadArg("sizes", lambda M, F: M.tensordot(_m(M, 3, 4), _m(M, 5, 2), dims=1),
               RuntimeError, "contracted dimensions"),
        BadArg("dims over the ranks", lambda M, F: M.tensordot(_m(M, 2, 3), _m(M, 3, 2), dims=3),
               RuntimeError, "dims=3", torch="raises")]),
    _entry("kron", _samples("kron", [([(2, 3), (3, 2)], {}), ([(2, 3), (4,)], {}),
                                     ([(2,), (2, 2, 3)], {})]), [
        BadArg("list input", lambda M, F: M.kron([1.0], _m(M, 2)), TypeError, "kron",
               torch="raises")]),
    _entry("trace", _samples("trace", [([(3, 4)], {}), ([(4, 4)], {})]), [
        BadArg("3-D", lambda M, F: M.trace(_m(M, 2, 2, 2)), RuntimeError, "2-D",
               torch="raises")]),
    _entry("cdist", _cdist_samples, [
        BadArg("columns", lambda M, F: M.cdist(_m(M, 3, 4), _m(M, 3, 5)), RuntimeError,
               "columns"),
        BadArg("negative p", lambda M, F: M.cdist(_m(M, 3, 4), _m(M, 3, 4), p=-1.0),
               RuntimeError, "p")],
           torch_double_backward=False),  # torch's _cdist_backward has no derivative
]
