"""Registry entries: comparisons (functions, methods, operators, in-place forms), closeness and
equality, the float predicates, all/any, nonzero/argwhere/where(cond), and the bitwise and
logical ops.  None of them has a gradient (gradcheck off); outputs are compared exactly."""
import numpy as np

from .core import BadArg, OpInfo, Sample, bools, const, custom, ints, normal, x

NAN, INF = float("nan"), float("inf")
SPECIAL = [[1.0, NAN, -INF, 0.0], [INF, 2.0, NAN, -0.0]]
OPERATORS = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
ALIASES = {"greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le",
           "not_equal": "ne"}


def _with_ties(*shape):
    """Small integers as floats: plenty of equal pairs between two such tensors."""
    return custom(lambda rng, dtype: rng.integers(-2, 3, shape).astype(dtype), shape)


def _operator(op):
    return {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}[op]


def _comparison_samples(name):
    def samples():
        yield Sample([("input", _with_ties(3, 4), False), ("other", _with_ties(3, 4), False)],
                     label="function", fn=lambda M, F, a, b: getattr(M, name)(a, b))
        yield Sample([("input", _with_ties(3, 4), False), ("other", _with_ties(4), False)],
                     label="broadcast method", fn=lambda M, F, a, b: getattr(a, name)(b))
        yield Sample([("input", const(SPECIAL), False)], label="NaN and inf vs 0.0",
                     fn=lambda M, F, a: getattr(M, name)(a, 0.0))
        yield Sample([("input", ints(-3, 3, 5), False)], label="int64 vs 0.5",
                     fn=lambda M, F, a: getattr(M, name)(a, 0.5))
        yield Sample([("input", ints(-3, 3, 5), False), ("other", _with_ties(5), False)],
                     label="int64 vs float", fn=lambda M, F, a, b: getattr(a, name)(b))
        if name in OPERATORS:
            op = _operator(OPERATORS[name])
            yield Sample([("input", _with_ties(3, 4), False), ("other", _with_ties(4), False)],
                         label=f"operator {OPERATORS[name]}", fn=lambda M, F, a, b: op(a, b))
            yield Sample([("input", _with_ties(3, 4), False)], label="in place",
                         fn=lambda M, F, a: getattr(a.clone(), f"{name}_")(1.0))
    return samples


def _isclose_samples():
    yield Sample([x(3, 4), ("other", normal(3, 4, scale=1e-5), False)],
                 label="near", fn=lambda M, F, a, b: M.isclose(a, a.detach() + b))
    yield Sample([("input", const(SPECIAL), False), ("other", const(SPECIAL[::-1]), False)],
                 label="NaN inf", fn=lambda M, F, a, b: M.isclose(a, b))
    yield Sample([("input", const(SPECIAL), False)], label="equal_nan method",
                 fn=lambda M, F, a: a.isclose(a, equal_nan=True))
    yield Sample([x(3, 4), ("other", normal(4, scale=1e-3), False)],
                 label="broadcast rtol atol", fn=lambda M, F, a, b: M.isclose(
                     a, a.detach() + b, rtol=0.0, atol=1e-3))


def _allclose_samples():
    for scale in (1e-9, 1e-3):
        yield Sample([x(3, 4), ("other", normal(3, 4, scale=scale), False)],
                     label=f"perturbed by {scale:g}",
                     fn=lambda M, F, a, b: M.allclose(a, a.detach() + b))
    yield Sample([("input", const(SPECIAL), False)], label="NaN method equal_nan",
                 fn=lambda M, F, a: (a.allclose(a), a.allclose(a, equal_nan=True)))


def _equal_samples():
    yield Sample([("input", _with_ties(4), False), ("other", _with_ties(4), False)],
                 label="random", fn=lambda M, F, a, b: (M.equal(a, b), M.equal(a, a)))
    yield Sample([("input", _with_ties(4), False)], label="shape, int vs float, NaN",
                 fn=lambda M, F, a: (a.equal(a[:2]), M.equal(a.long(), a),
                                     M.equal(a / 0.0, a / 0.0)))


def _predicate_samples(name):
    def samples():
        yield Sample([("input", const(SPECIAL), False)], label="function",
                     fn=lambda M, F, a: getattr(M, name)(a))
        yield Sample([("input", const(SPECIAL), False)], label="method",
                     fn=lambda M, F, a: getattr(a, name)())
        yield Sample([("input", ints(-3, 3, 4), False)], label="int64",
                     fn=lambda M, F, a: getattr(M, name)(a))
    return samples


def _all_any_samples(name):
    def samples():
        for dim, kd in [(None, False), (0, False), (1, True), ((0, 2), False), (-1, True)]:
            yield Sample([("input", bools(3, 4, 2, p=0.8), False)], label=f"dim={dim} kd={kd}",
                         fn=lambda M, F, a, d=dim, k=kd: getattr(a, name)(dim=d, keepdim=k)
                         if d is not None else getattr(a, name)())
        yield Sample([("input", ints(0, 2, 3, 4), False)], label="int64 function dim=1",
                     fn=lambda M, F, a: getattr(M, name)(a, 1))
        yield Sample([("input", ints(0, 3, 3, 4, dtype=np.uint8), False)], label="uint8",
                     fn=lambda M, F, a: getattr(a, name)(0))
        yield Sample([("input", _with_ties(3, 4), False)], label="float",
                     fn=lambda M, F, a: (getattr(a, name)(), getattr(a, name)(1)))
    return samples


def _nonzero_samples():
    yield Sample([("input", ints(0, 2, 3, 4), False)], fn=lambda M, F, a: M.nonzero(a))
    yield Sample([("input", ints(0, 2, 3, 4), False)], label="as_tuple method",
                 fn=lambda M, F, a: a.nonzero(as_tuple=True))
    yield Sample([("input", const(3.0), False)], label="0-d",
                 fn=lambda M, F, a: (M.nonzero(a), M.nonzero(a, as_tuple=True)))
    yield Sample([x(3, 4)], label="x[nonzero(as_tuple)] of a mask",
                 fn=lambda M, F, t: t[(t > 0).nonzero(as_tuple=True)])


def _argwhere_samples():
    yield Sample([("input", ints(0, 2, 3, 4), False)], fn=lambda M, F, a: M.argwhere(a))
    yield Sample([("input", _with_ties(2, 3, 2), False)], label="method",
                 fn=lambda M, F, a: a.argwhere())


INT_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,))]


def _bitwise_samples(name):
    ops = {"bitwise_and": "&", "bitwise_or": "|", "bitwise_xor": "^",
           "bitwise_left_shift": "<<", "bitwise_right_shift": ">>"}
    py = {"&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
          "<<": lambda a, b: a << b, ">>": lambda a, b: a >> b}
    shift = "shift" in name

    def samples():
        for sa, sb in INT_PAIRS:
            yield Sample([("input", ints(-20, 20, *sa), False),
                          ("other", ints(0, 5, *sb), False)], label=f"int64 {sa} {sb}",
                         fn=lambda M, F, a, b: getattr(M, name)(a, b))
        yield Sample([("input", ints(-20, 20, 3, 4, dtype=np.int32), False)],
                     label=f"operator {ops[name]} with 3",
                     fn=lambda M, F, a: py[ops[name]](a, 3))
        yield Sample([("input", ints(-20, 20, 5), False)], label="in place method",
                     fn=lambda M, F, a: getattr(a.clone(), name + "_")(2))
        if not shift:
            yield Sample([("input", bools(3, 4), False), ("other", bools(4), False)],
                         label="bool", fn=lambda M, F, a, b: getattr(a, name)(b))
            yield Sample([("input", bools(3, 4), False), ("other", ints(0, 9, 4), False)],
                         label="bool with int64", fn=lambda M, F, a, b: py[ops[name]](a, b))
    return samples


def _bitwise_not_samples():
    yield Sample([("input", ints(-20, 20, 3, 4), False)], fn=lambda M, F, a: M.bitwise_not(a))
    yield Sample([("input", bools(3, 4), False)], label="~ bool", fn=lambda M, F, a: ~a)
    yield Sample([("input", ints(-20, 20, 3, dtype=np.int32), False)], label="~ int32 in place",
                 fn=lambda M, F, a: a.clone().bitwise_not_())


def _logical_samples(name):
    def samples():
        yield Sample([("input", _with_ties(3, 4), False), ("other", bools(4), False)],
                     label="float with bool", fn=lambda M, F, a, b: getattr(M, name)(a, b))
        yield Sample([("input", ints(-1, 2, 3, 4), False), ("other", ints(-1, 2, 3, 4), False)],
                     label="int64 method", fn=lambda M, F, a, b: getattr(a, name)(b))
        yield Sample([("input", _with_ties(5), False), ("other", ints(0, 2, 5), False)],
                     label="in place keeps the dtype",
                     fn=lambda M, F, a, b: getattr(a.clone(), name + "_")(b))
    return samples


def _logical_not_samples():
    yield Sample([("input", _with_ties(3, 4), False)], fn=lambda M, F, a: M.logical_not(a))
    yield Sample([("input", bools(5), False)], label="method in place",
                 fn=lambda M, F, a: a.clone().logical_not_())


def _z(M):
    return M.zeros(3, 4)


def _e(*shape):
    return ("elements", ints(0, 6, *shape), False)


def _isin_samples():
    yield Sample([_e(3, 4), ("test_elements", ints(0, 6, 4), False)],
                 fn=lambda M, F, e, t: M.isin(e, t))
    yield Sample([_e(3, 4), ("test_elements", ints(0, 6, 2, 2), False)],
                 label="invert, 2-d test_elements",
                 fn=lambda M, F, e, t: M.isin(e, t, invert=True))
    yield Sample([("elements", normal(2, 5), False)],
                 label="float: a slice of itself and one not there",
                 fn=lambda M, F, t: (M.isin(t, t[0, 1:4]),
                                     M.isin(t, M.cat([t[1, :2], t[0, :1] + 0.5]),
                                            assume_unique=True)))
    yield Sample([("input", const([[1.0, NAN, 2.5], [-INF, 0.0, 3.0]]), False)],
                 label="NaN in nothing", fn=lambda M, F, t: M.isin(t, t[0]))
    yield Sample([_e(5)], label="numbers: test_element, element",
                 fn=lambda M, F, e: (M.isin(e, 2), M.isin(3, e), M.isin(e, 2.0),
                                     M.isin(e, 2.5, invert=True)))
    yield Sample([("elements", normal(4, scale=2.0), False), ("other", ints(-2, 3, 4), False)],
                 label="float elements, int64 tests",
                 fn=lambda M, F, t, i: (M.isin(t.round(), i), M.isin(i, t.round())))
    yield Sample([_e(0, 3), ("test_elements", ints(0, 6, 0), False)],
                 label="empty", fn=lambda M, F, e, t: (M.isin(e, t), M.isin(t, e)))


BAD = {
    "isin": [
        BadArg("two numbers", lambda M, F: M.isin(1, 2), TypeError, "isin"),
        BadArg("a list", lambda M, F: M.isin(_z(M), [1, 2]), TypeError, "isin"),
        BadArg("invert=1", lambda M, F: M.isin(_z(M), _z(M), invert=1), TypeError, "invert"),
        BadArg("bool elements", lambda M, F: M.isin(M.tensor([True]), M.tensor([1])),
               RuntimeError, "Bool"),
        BadArg("bool number", lambda M, F: M.isin(_z(M), True), RuntimeError, "Bool")],
    "isclose": [BadArg("float32 vs float64", lambda M, F: M.isclose(_z(M), _z(M).double()),
                       RuntimeError, "float64|Double")],
    "allclose": [BadArg("float32 vs float64", lambda M, F: M.allclose(_z(M), _z(M).double()),
                        RuntimeError, "float64|Double", names_op=False)],
    "eq": [BadArg("shapes", lambda M, F: M.eq(_z(M), M.zeros(3)), RuntimeError, "size"),
           BadArg("a string", lambda M, F: M.eq(_z(M), "a"), TypeError, "other", torch="raises")],
    "all": [BadArg("keepdim=1", lambda M, F: _z(M).all(0, keepdim=1), TypeError, "keepdim",
                   names_op=False)],
    "bitwise_and": [BadArg("float", lambda M, F: M.bitwise_and(_z(M), _z(M)), TypeError,
                           "float", torch="raises")],
    "bitwise_not": [BadArg("~ float", lambda M, F: ~_z(M), TypeError, "integer",
                           torch="raises", names_op=False)],
    "bitwise_left_shift": [BadArg("float", lambda M, F: _z(M) << 1, TypeError, "integer",
                                  torch="raises", names_op=False)],
}


def _entry(name, samples, **kw):
    return OpInfo(name, samples, "compare", gradcheck=False, bad_args=BAD.get(name, ()), **kw)


OPS = (
    [_entry(n, _comparison_samples(n)) for n in list(OPERATORS) + list(ALIASES)]
    + [_entry("isclose", _isclose_samples), _entry("allclose", _allclose_samples),
       _entry("equal", _equal_samples), _entry("isin", _isin_samples)]
    + [_entry(n, _predicate_samples(n))
       for n in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal")]
    + [_entry(n, _all_any_samples(n)) for n in ("all", "any")]
    + [_entry("nonzero", _nonzero_samples), _entry("argwhere", _argwhere_samples)]
    + [_entry(n, _bitwise_samples(n)) for n in ("bitwise_and", "bitwise_or", "bitwise_xor",
                                                "bitwise_left_shift", "bitwise_right_shift")]
    + [_entry("bitwise_not", _bitwise_not_samples)]
    + [_entry(n, _logical_samples(n)) for n in ("logical_and", "logical_or", "logical_xor")]
    + [_entry("logical_not", _logical_not_samples)]
)
