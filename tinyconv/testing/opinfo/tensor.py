"""Registry entries: Tensor methods and operators, and the top-level tensor functions
(``cat``, ``stack``, ``where``, ``flatten``).  An operator sample says which operator it uses
in its label; function forms (``tc.exp(x)``, ``tc.maximum(x, y)``) sit with their method."""
import numpy as np

from .core import BadArg, OpInfo, Sample, bools, const, distinct, ints, normal, positive, x

# float32: broadcasting sums and matmul accumulate more than one rounding
TOL_ACCUMULATE = {"float32": 1e-4}
BROADCAST = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((5,), ()),
             ((), ()), ((2, 3, 1, 5), (1, 4, 1)), ((3, 4, 5), (4, 1))]
OPERATOR = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
            "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}


def _binary(name):
    """A binary op over broadcast shapes; ``div`` gets positive divisors, ``pow`` bases."""
    def samples():
        for sa, sb in BROADCAST:
            a = positive(*sa) if name == "pow" else normal(*sa)
            b = positive(*sb) if name == "div" else normal(*sb)
            if name in OPERATOR:
                fn = (lambda M, F, u, v, op=OPERATOR[name]: op(u, v))
            else:
                fn = (lambda M, F, u, v: getattr(M, name)(u, v))
            yield Sample([("input", a, True), ("other", b, True)], fn=fn,
                         label=f"{sa} {sb}" + ("" if name in OPERATOR else " function form"))
        yield Sample([("input", positive(3, 4) if name == "pow" else normal(3, 4), True),
                      ("other", positive(3, 4) if name == "div" else normal(3, 4), True)],
                     label="method form", fn=lambda M, F, u, v: getattr(u, name)(v))
        for s in SCALARS:
            for label, fn in _scalar_forms(name, s):
                yield Sample([("input", positive(3, 4), True)], label=f"{label} scalar={s}",
                             fn=fn)
    return samples


SCALARS = (2.0, -3, 0.5)


def _scalar_forms(name, s):
    """Python-scalar operands, on either side (they must keep the tensor's dtype)."""
    forms = {"add": [("x + s", lambda M, F, t: t + s)],
             "sub": [("s - x", lambda M, F, t: s - t)],
             "mul": [("x * s", lambda M, F, t: t * s)],
             "div": [("s / x", lambda M, F, t: s / t), ("x / s", lambda M, F, t: t / s)],
             "pow": [("x ** s", lambda M, F, t: t ** s)] + (
                 [("s ** x", lambda M, F, t: s ** t)] if s > 0 else [])}
    return forms.get(name, [])


def _pow_samples():
    yield from _binary("pow")()
    for e in (2, 3.0, 0.5, -1.5):
        yield Sample([("input", positive(3, 4), True)], label=f"x ** {e}",
                     fn=lambda M, F, t, e=e: t ** e)
    yield Sample([x(3, 4)], label="2.0 ** x", fn=lambda M, F, t: 2.0 ** t)
    yield Sample([x(3, 4)], label="2.5 + x * 0.5 - 1.0", fn=lambda M, F, t: 2.5 + t * 0.5 - 1.0)


def _unary(name, positive_only=False, away=0.0):
    def samples():
        for shape in [(3, 4), (4, 5)]:
            mk = positive(*shape) if positive_only else normal(*shape, away=away)
            yield Sample([("input", mk, True)], label=f"{shape} method",
                         fn=lambda M, F, t: getattr(t, name)())
            yield Sample([("input", mk, True)], label=f"{shape} function form",
                         fn=lambda M, F, t: getattr(M, name)(t))
        if name == "neg":
            yield Sample([x(3, 4)], label="-x", fn=lambda M, F, t: -t)
    return samples


def _clamp_samples():
    for lo, hi in [(-0.5, 0.5), (None, 0.3), (-0.2, None), (None, 0.2), (-0.1, None)]:
        yield Sample([x(6, 7, away=1e-2)], min=lo, max=hi)
    yield Sample([("input", const([-1.0, 0.0, 1.0, 2.0]), True)], gradcheck=False,
                 label="x on the bounds: torch passes the gradient", min=0.0, max=1.0)
    yield Sample([x(3, 4), ("min", normal(4, scale=0.5, shift=-0.3), True),
                  ("max", normal(3, 1, scale=0.5, shift=0.4), True)], label="tensor bounds",
                 fn=lambda M, F, t, lo, hi: t.clamp(lo, hi))
    yield Sample([x(3, 4), ("min", normal(3, 4), True)], label="tensor min only, function",
                 fn=lambda M, F, t, lo: M.clamp(t, min=lo))
    yield Sample([x(3, 4), ("max", normal(4), True)], label="tensor max only, in place",
                 fn=lambda M, F, t, hi: (t * 1.0).clamp_(max=hi))
    yield Sample([x(3, 4), ("min", normal(4, shift=1.0), True),
                  ("max", normal(4, shift=-1.0), True)], label="min > max gives max",
                 fn=lambda M, F, t, lo, hi: M.clamp(t, lo, hi))


def _clamp_one_samples(name):
    kw = "min" if name == "clamp_min" else "max"

    def samples():
        for v in (-0.3, 0.4):
            yield Sample([x(5, 6, away=1e-2)], label=f"{v}",
                         fn=lambda M, F, t, v=v: getattr(M, name)(t, v))
        yield Sample([("input", const([-1.0, 0.0, 1.0, 2.0]), True)], gradcheck=False,
                     label="x on the bound: torch passes the gradient",
                     fn=lambda M, F, t: getattr(t, name)(1.0))
        yield Sample([x(3, 4), (kw, normal(4, scale=0.5), True)], label="tensor bound method",
                     fn=lambda M, F, t, b: getattr(t, name)(b))
        yield Sample([x(3, 4), (kw, normal(3, 1, scale=0.5), True)],
                     label="tensor bound keyword, in place",
                     fn=lambda M, F, t, b: getattr(t * 1.0, name + "_")(**{kw: b}))
        yield Sample([x(4, away=1e-2)], label="number in place",
                     fn=lambda M, F, t: getattr(t * 1.0, name + "_")(0.1))
        yield Sample([("input", ints(-3, 4, 6), False)], label="int64: int bound, float bound",
                     fn=lambda M, F, t: (getattr(M, name)(t, 1), getattr(M, name)(t, 1.5),
                                         getattr(t, name)(2.0), getattr(t * 1, name + "_")(0)))
    return samples


def _clamp_one_bad(name):
    kw = "min" if name == "clamp_min" else "max"
    return [
        BadArg("None bound", lambda M, F: getattr(M, name)(M.zeros(3), None), TypeError, kw),
        BadArg("a string bound", lambda M, F: getattr(M, name)(M.zeros(3), "a"), TypeError, kw),
        BadArg("bound (2,) against (3,)", lambda M, F: getattr(M, name)(M.zeros(3), M.ones(2)),
               RuntimeError, "size of tensor", names_op=False),
        BadArg("float result into int64 in place",
               lambda M, F: getattr(M.tensor([1, 5]), name + "_")(2.5), RuntimeError,
               "can't be cast", names_op=False)]


def _where_samples():
    yield Sample([("condition", bools(3, 4), False), x(3, 4), ("other", normal(3, 4), True)])
    yield Sample([("condition", bools(3, 4), False), x(3, 4), ("other", normal(4), True)])
    yield Sample([("condition", bools(3, 4), False), x(3, 4)], label="a number as other",
                 fn=lambda M, F, c, t: M.where(c, t, 0.5))
    yield Sample([("condition", bools(3, 4), False)], label="one argument: nonzero's tuple",
                 fn=lambda M, F, c: M.where(c))


def _reduction(name):
    def samples():
        for dim in (None, 0, 1, -1, (0, 2), (1, -1)):
            for kd in (False, True):
                yield Sample([x(3, 4, 5)], label=f"dim={dim} keepdim={kd}",
                             fn=lambda M, F, t, d=dim, kd=kd: getattr(t, name)(d, keepdim=kd))
        yield Sample([x(3, 4, 5)], label="no arguments", fn=lambda M, F, t: getattr(t, name)())
        if name in ("var", "std"):
            for dim, kd in [(None, False), (1, False), ((0, 2), True), (-1, True)]:
                for corr in (0, 1, 2):
                    yield Sample([x(3, 4, 5)], dim=dim, keepdim=kd, correction=corr)
            yield Sample([x(4, 6)], dim=1, unbiased=False)
        else:
            for dim, kd in [(1, False), ((0, 2), True), (-1, True)]:
                yield Sample([x(3, 4, 5)], dim=dim, keepdim=kd)
    return samples


TIES = [[1.0, 3.0, 3.0], [0.0, 3.0, -1.0]]


def _extremum(name):
    def samples():
        yield Sample([("input", distinct(3, 4, 5), True)], label="all",
                     fn=lambda M, F, t: getattr(t, name)())
        yield Sample([("input", const(TIES), True)], label="all with ties (split evenly)",
                     gradcheck=False, fn=lambda M, F, t: getattr(t, name)())
        yield Sample([("input", const([[2.0, 2.0, 1.0]]), True)], gradcheck=False,
                     label="dim=1 tie (one element)", fn=lambda M, F, t: getattr(t, name)(1))
        for dim, kd in [(0, False), (1, True), (-1, False), (1, False)]:
            yield Sample([("input", distinct(4, 5, 3), True)], label=f"dim={dim} keepdim={kd}",
                         gradcheck=True, fn=lambda M, F, t, d=dim, kd=kd: getattr(t, name)(d, kd))
        yield Sample([("input", distinct(3, 4, 5), True)], label="dim=1 .values",
                     fn=lambda M, F, t: getattr(t, name)(1).values)
    return samples


def _amax_samples():
    for dim in [(0, 2), (-1, 0), [1], 1]:
        yield Sample([("input", distinct(3, 4, 5), True)], gradcheck=True, dim=dim)
    yield Sample([("input", distinct(3, 4, 5), True)], dim=(0, 2), keepdim=True)


def _arg(name):
    def samples():
        yield Sample([x(4, 6)], label="all", fn=lambda M, F, t: getattr(t, name)())
        for d in (0, 1, -1):
            for kd in (False, True):
                yield Sample([x(4, 6)], dim=d, keepdim=kd)
    return samples


MATMUL = [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 6)), ((4,), (4, 3)),
          ((3, 4), (4,)), ((4,), (4,)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
          ((2, 1, 3, 4), (5, 4, 2))]


def _matmul_samples():
    for sa, sb in MATMUL:
        yield Sample([x(*sa), ("other", normal(*sb), True)], label=f"{sa} @ {sb}",
                     fn=lambda M, F, u, v: u @ v)
    yield Sample([x(3, 4), ("other", normal(4, 2), True)], label="method form")


def _shape(calls):
    """Shape ops on a (2, 3, 4) input."""
    def samples():
        for label, fn in calls:
            yield Sample([x(2, 3, 4)], label=label, fn=fn)
    return samples


def _getitem_samples():
    idx = np.array([0, 2, 2, 4, 0])  # repeated indices must accumulate
    cases = [
        ("[1]", lambda M, F, t: t[1]), ("[1:4:2, :]", lambda M, F, t: t[1:4:2, :]),
        ("[..., 1]", lambda M, F, t: t[..., 1]),
        ("[None, 2, :, 1:]", lambda M, F, t: t[None, 2, :, 1:]),
        ("[1, None, :, 2]", lambda M, F, t: t[1, None, :, 2]),
        ("[idx]", lambda M, F, t: t[M.tensor(idx)]),
        ("[idx, 1]", lambda M, F, t: t[M.tensor(idx), 1]),
        ("[:, [3, 3, 0]]", lambda M, F, t: t[:, M.tensor(np.array([3, 3, 0]))]),
        ("[idx, idx2]", lambda M, F, t: t[M.tensor(idx), M.tensor(np.array([0, 1, 1, 3, 0]))]),
        ("[[1, 1, 3]]", lambda M, F, t: t[[1, 1, 3]]),
        ("[-1, -2, -3]", lambda M, F, t: t[-1, -2, -3]),
        ("[1:, ::2, -3:]", lambda M, F, t: t[1:, ::2, -3:]),
    ]
    for label, fn in cases:
        yield Sample([x(5, 4, 3)], label=label, fn=fn)
    yield Sample([x(5, 4, 3), ("mask", bools(5, 4), False)], label="[mask]",
                 fn=lambda M, F, t, m: t[m])


def _cat_samples():
    for dim in (0, 1, -1):
        other = (4, 3) if dim == 0 else (2, 5)
        yield Sample([x(2, 3), ("other", normal(*other), True)], label=f"two tensors dim={dim}",
                     fn=lambda M, F, u, v, d=dim: M.cat([u, v], d))
    yield Sample([x(3, 4, 5)], label="x, 2x, x[:, :1] dim=1",
                 fn=lambda M, F, t: M.cat([t, t * 2.0, t[:, :1]], 1))


def _stack_samples():
    for dim in (0, 1, -1):
        yield Sample([x(2, 3), ("other", normal(2, 3), True)], label=f"x, y, x dim={dim}",
                     fn=lambda M, F, u, v, d=dim: M.stack([u, v, u], d))
    yield Sample([x(3, 4, 5)], label="x, 3x dim=0", fn=lambda M, F, t: M.stack([t, t * 3.0], 0))


def _flatten_samples():
    yield Sample([x(2, 3, 4)], start_dim=1)
    yield Sample([x(2, 3, 4)], start_dim=0, end_dim=1)
    yield Sample([x(2, 3, 4, 5)], start_dim=1, end_dim=-2)


def _keepdim_bad(name):
    return [BadArg(f"keepdim={v!r}", lambda M, F, v=v: getattr(M.zeros(2, 3), name)(
        0, keepdim=v), TypeError, "keepdim", names_op=False) for v in (1, 10**30, "yes", None)]


def _entry(name, samples, **kw):
    return OpInfo(name, samples, "tensor", **kw)


SHAPE_OPS = {
    "reshape": [("(6, 4)", lambda M, F, t: t.reshape(6, 4)),
                ("(-1,)", lambda M, F, t: t.reshape(-1)),
                ("(4, -1)", lambda M, F, t: t.reshape(4, -1))],
    "view": [("(3, -1)", lambda M, F, t: t.view(3, -1)),
             ("(12, 2)", lambda M, F, t: t.view(12, 2))],
    "flatten": [("()", lambda M, F, t: t.flatten()), ("(1)", lambda M, F, t: t.flatten(1)),
                ("(0, 1)", lambda M, F, t: t.flatten(0, 1))],
    "permute": [("(2, 0, 1)", lambda M, F, t: t.permute(2, 0, 1))],
    "transpose": [("(0, 2)", lambda M, F, t: t.transpose(0, 2)),
                  ("(-1, -2) then reshape", lambda M, F, t: t.transpose(-1, -2).reshape(2, 12))],
    "T": [("x[0].T", lambda M, F, t: t[0].T)],
    "unsqueeze": [("1", lambda M, F, t: t.unsqueeze(1)),
                  ("-1", lambda M, F, t: t.unsqueeze(-1))],
    "squeeze": [("unsqueeze(0).squeeze(0)", lambda M, F, t: t.unsqueeze(0).squeeze(0)),
                ("x[:, :1].squeeze()", lambda M, F, t: t[:, :1].squeeze()),
                ("x[:, :1].squeeze(1)", lambda M, F, t: t[:, :1].squeeze(1))],
    "expand": [("x[:, :1].expand(2, 5, 4)", lambda M, F, t: t[:, :1].expand(2, 5, 4)),
               ("x[0, :, :1].expand(3, 3, -1)", lambda M, F, t: t[0, :, :1].expand(3, 3, -1)),
               ("(2, 2, 3, 4)", lambda M, F, t: t.expand(2, 2, 3, 4))],
    "repeat": [("(2, 1, 3)", lambda M, F, t: t.repeat(2, 1, 3))],
    "narrow": [("(1, 1, 2)", lambda M, F, t: t.narrow(1, 1, 2)),
               ("(2, -3, 2)", lambda M, F, t: t.narrow(2, -3, 2)),
               ("function form", lambda M, F, t: M.narrow(t, 0, 1, 1))],
    "select": [("(1, 2)", lambda M, F, t: t.select(1, 2)),
               ("(-1, -4)", lambda M, F, t: t.select(-1, -4)),
               ("function form", lambda M, F, t: M.select(t, 0, 1))],
    "diagonal": [("()", lambda M, F, t: t.diagonal()),
                 ("(1, 1, 2)", lambda M, F, t: t.diagonal(1, 1, 2)),
                 ("(-1, 2, 1)", lambda M, F, t: t.diagonal(-1, 2, 1)),
                 ("function form", lambda M, F, t: M.diagonal(t, offset=1, dim1=-1, dim2=0))],
}
SHAPE_BAD = {
    "narrow": [BadArg("start + length past the end", lambda M, F: M.zeros(2, 3).narrow(1, 2, 2),
                      RuntimeError, "exceeds"),
               BadArg("start out of range", lambda M, F: M.zeros(2, 3).narrow(1, 4, 0),
                      IndexError, "start out of range"),
               BadArg("negative length", lambda M, F: M.zeros(2, 3).narrow(1, 1, -1),
                      RuntimeError, "length")],
    "select": [BadArg("index out of range", lambda M, F: M.zeros(2, 3).select(1, 3), IndexError,
                      "index 3 out of range"),
               BadArg("0-d input", lambda M, F: M.zeros(()).select(0, 0), IndexError, "0-dim")],
    "diagonal": [BadArg("identical dims", lambda M, F: M.zeros(2, 3).diagonal(0, 1, 1),
                        RuntimeError, "identical"),
                 BadArg("1-d input", lambda M, F: M.zeros(3).diagonal(), IndexError,
                        "Dimension out of range")],
}


def _mm_samples():
    for sa, sb in (((3, 4), (4, 5)), ((1, 4), (4, 1)), ((5, 2), (2, 3))):
        yield Sample([x(*sa), ("mat2", normal(*sb), True)], label=f"{sa} mm {sb}")
    yield Sample([x(3, 4), ("mat2", normal(4, 2), True)], label="function form",
                 fn=lambda M, F, u, v: M.mm(u, v))


MM_BAD = [
    BadArg("inner sizes differ", lambda M, F: M.mm(M.zeros(2, 3), M.zeros(4, 5)), RuntimeError,
           "2x3 and 4x5"),
    BadArg("vector mat2", lambda M, F: M.mm(M.zeros(2, 3), M.zeros(3)), RuntimeError,
           "mat2 must be a matrix"),
    BadArg("batched input", lambda M, F: M.mm(M.zeros(2, 2, 3), M.zeros(3, 4)), RuntimeError,
           "self must be a matrix"),
    BadArg("mixed dtypes", lambda M, F: M.mm(M.zeros(2, 3), M.zeros(3, 4, dtype=M.float64)),
           RuntimeError, "same dtype"),
    BadArg("number mat2", lambda M, F: M.mm(M.zeros(2, 3), 2), TypeError, "mat2"),
]

def _mul_samples():
    yield from _binary("mul")()
    yield Sample([("input", const(1.5), True), ("other", const(-0.5), True)],
                 label="0-d (x * y + exp(x)) / y", fn=lambda M, F, u, v: (u * v + u.exp()) / v)


FLATTEN_BAD = [
    BadArg("dim 7", lambda M, F: M.flatten(M.randn(2, 3, 6, 6), 7), IndexError, "Dimension"),
    BadArg("ndarray input", lambda M, F: M.flatten(M.randn(2, 3, 6, 6).numpy()), TypeError,
           "input"),  # found by the fuzz test
]
MAX_BAD = [BadArg("tuple dim", lambda M, F: M.zeros(3, 4, 5).max((0, 2)), TypeError, "dim",
                  names_op=False)]

OPS = (
    [_entry("Tensor.add", _binary("add"), tol=TOL_ACCUMULATE),
     _entry("Tensor.sub", _binary("sub"), tol=TOL_ACCUMULATE),
     _entry("Tensor.mul", _mul_samples, tol=TOL_ACCUMULATE),
     _entry("Tensor.div", _binary("div"), tol=TOL_ACCUMULATE),
     _entry("Tensor.pow", _pow_samples, tol=TOL_ACCUMULATE),
     _entry("Tensor.maximum", _binary("maximum"), tol=TOL_ACCUMULATE),
     _entry("Tensor.minimum", _binary("minimum"), tol=TOL_ACCUMULATE),
     _entry("Tensor.exp", _unary("exp")), _entry("Tensor.log", _unary("log", True)),
     _entry("Tensor.sqrt", _unary("sqrt", True)),
     _entry("Tensor.abs", _unary("abs", away=5e-2)), _entry("Tensor.neg", _unary("neg")),
     _entry("Tensor.clamp", _clamp_samples),
     _entry("where", _where_samples)]
    + [_entry(n, _clamp_one_samples(n), bad_args=_clamp_one_bad(n))
       for n in ("clamp_min", "clamp_max")]
    + [_entry(f"Tensor.{n}", _reduction(n), bad_args=_keepdim_bad(n))
       for n in ("sum", "mean", "var", "std")]
    + [_entry(f"Tensor.{n}", _extremum(n), gradcheck="marked",
              bad_args=_keepdim_bad(n) + (MAX_BAD if n == "max" else []))
       for n in ("max", "min")]
    + [_entry("Tensor.amax", _amax_samples, gradcheck="marked", bad_args=_keepdim_bad("amax"))]
    + [_entry(f"Tensor.{n}", _arg(n), gradcheck=False, bad_args=_keepdim_bad(n))
       for n in ("argmax", "argmin")]
    + [_entry("Tensor.matmul", _matmul_samples, tol=TOL_ACCUMULATE),
       _entry("Tensor.mm", _mm_samples, tol=TOL_ACCUMULATE, bad_args=MM_BAD)]
    + [_entry(f"Tensor.{n}", _shape(calls), bad_args=SHAPE_BAD.get(n, ()))
       for n, calls in SHAPE_OPS.items()]
    + [_entry("Tensor.__getitem__", _getitem_samples), _entry("cat", _cat_samples),
       _entry("stack", _stack_samples),
       # F.flatten is tinyconv's alias of flatten; torch has only torch.flatten
       _entry("flatten", _flatten_samples, call=lambda M, F, first: M.flatten,
              bad_args=FLATTEN_BAD)]
)
