"""Registry entries: pointwise math (trigonometric, hyperbolic, logs and exponentials, erf
family, rounding, atan2/hypot, remainder/fmod/floor_divide, div's rounding modes, lerp,
addcmul/addcdiv, nan_to_num) and torch's alias names.  Inputs stay inside each function's
domain and away from its kinks; each function runs as a function, a method, in place on a
clone (so the in-place history is compared too) and on an integer tensor where torch takes
one."""
from .core import BadArg, OpInfo, Sample, const, ints, normal, positive, x

NAN, INF = float("nan"), float("inf")


def inside(lo, hi, *shape):
    return ("input", positive(*shape, lo=lo, hi=hi), True)


# name -> (input maker, whether torch takes integer inputs)
UNARY = {
    "sin": (lambda *s: x(*s, scale=2.0), True), "cos": (lambda *s: x(*s, scale=2.0), True),
    "tan": (lambda *s: inside(-1.3, 1.3, *s), True), "asin": (lambda *s: inside(-0.9, 0.9, *s),
                                                              False),
    "acos": (lambda *s: inside(-0.9, 0.9, *s), False), "atan": (lambda *s: x(*s, scale=2.0), True),
    "sinh": (lambda *s: x(*s, scale=2.0), True), "cosh": (lambda *s: x(*s, scale=2.0), True),
    "asinh": (lambda *s: x(*s, scale=2.0), True), "acosh": (lambda *s: inside(1.1, 4.0, *s), True),
    "atanh": (lambda *s: inside(-0.9, 0.9, *s), False),
    "log1p": (lambda *s: inside(-0.8, 3.0, *s), True), "log2": (lambda *s: inside(0.2, 4.0, *s),
                                                                True),
    "log10": (lambda *s: inside(0.2, 4.0, *s), True), "expm1": (lambda *s: x(*s), True),
    "exp2": (lambda *s: x(*s, scale=2.0), True), "erf": (lambda *s: x(*s, scale=1.5), True),
    "erfc": (lambda *s: x(*s, scale=1.5), True), "erfinv": (lambda *s: inside(-0.95, 0.95, *s),
                                                            False),
    "rsqrt": (lambda *s: inside(0.2, 4.0, *s), True),
    "reciprocal": (lambda *s: x(*s, away=0.3), True), "square": (lambda *s: x(*s), True),
}
# torch defines no derivative for these in-place forms
NO_INPLACE_DERIVATIVE = {"asinh", "acosh", "atanh"}
ALIAS = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
         "arccosh": "acosh", "arctanh": "atanh"}
EDGES = {"erfinv": [-1.0, -0.999999, -1e-8, 0.0, 1e-12, 0.5, 0.9999999, 1.0, 1.5, NAN],
         "erf": [-30.0, -4.0, -1e-9, 0.0, 1e-7, 3.0, 6.0, INF, NAN],
         "erfc": [-6.0, -1e-9, 0.0, 2.0, 10.0, 26.0, INF],
         "log1p": [-1.0, -0.5, -1e-12, 0.0, 1e-12, 1e10],
         "expm1": [-50.0, -1e-12, 0.0, 1e-12, 5.0], "exp2": [-200.0, -1.0, 0.0, 0.5, 100.0],
         "acosh": [1.0, 1.0 + 1e-9, 2.0, 1e8], "atanh": [-1.0, -0.5, 0.0, 0.999, 1.0],
         "rsqrt": [0.0, 1e-30, 4.0, INF], "reciprocal": [-INF, -2.0, 0.0, 0.5, 1e-30]}


def _unary_samples(name):
    base = ALIAS.get(name, name)
    make, ints_ok = UNARY[base]

    def samples():
        yield Sample([make(3, 4)], label="function", fn=lambda M, F, t: getattr(M, name)(t))
        yield Sample([make(2, 3, 4)], label="method", fn=lambda M, F, t: getattr(t, name)())
        if base in NO_INPLACE_DERIVATIVE:
            yield Sample([("input", make(5)[1], False)],
                         label="in place, no grad (torch has no derivative)",
                         fn=lambda M, F, t: getattr(t.detach() * 1.0, name + "_")())
        else:
            yield Sample([make(5)], label="in place on a clone",
                         fn=lambda M, F, t: getattr(t * 1.0, name + "_")())
        if ints_ok and name == base:  # float32 results: torch's float32 kernels differ by ulps
            yield Sample([("input", ints(1, 4, 5), False)], label="int64 input", tol=1e-6,
                         fn=lambda M, F, t: getattr(M, name)(t))
        if base in EDGES and name == base:
            yield Sample([("input", const(EDGES[base]), False)], label="edge values",
                         fn=lambda M, F, t: getattr(M, name)(t))
    return samples


def _rounding_samples(name):
    def samples():
        yield Sample([x(3, 4, scale=3.0)], label="function", fn=lambda M, F, t: getattr(M, name)(t))
        yield Sample([x(2, 5, scale=3.0)], label="method", fn=lambda M, F, t: getattr(t, name)())
        yield Sample([x(5, scale=3.0)], label="in place on a clone",
                     fn=lambda M, F, t: getattr(t * 1.0, name + "_")())
        yield Sample([("input", const([-2.5, -1.5, -0.5, -0.0, 0.5, 1.5, 2.5, NAN, INF]), False)],
                     label="halves, signed zero, NaN, inf", fn=lambda M, F, t: getattr(M, name)(t))
        if name != "frac":
            yield Sample([("input", ints(-5, 5, 6), False)], label="int64 stays int64",
                         fn=lambda M, F, t: getattr(M, name)(t))
        if name == "round":
            for dec in (1, 2, -1):
                yield Sample([x(3, 4, scale=30.0)], label=f"decimals={dec}",
                             fn=lambda M, F, t, d=dec: M.round(t, decimals=d))
    return samples


def _binary_float_samples(name, b_maker=None, ints_ok=True):
    def samples():
        other = b_maker or (lambda *s: normal(*s, away=0.2))
        for sa, sb in [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1))]:
            yield Sample([x(*sa, scale=2.0), ("other", other(*sb), True)], label=f"{sa} {sb}",
                         fn=lambda M, F, a, b: getattr(M, name)(a, b))
        yield Sample([x(3, 4), ("other", other(3, 4), True)], label="method in place",
                     fn=lambda M, F, a, b: getattr(a * 1.0, name + "_")(b))
        if ints_ok:
            yield Sample([("input", ints(-5, 5, 6), False), ("other", ints(1, 4, 6), False)],
                         label="int64", tol=1e-6, fn=lambda M, F, a, b: getattr(M, name)(a, b))
    return samples


def _modulo_samples(name):
    def samples():
        yield from _binary_float_samples(name, lambda *s: normal(*s, away=0.3))()
        yield Sample([x(3, 4, scale=3.0)], label="scalar divisor 1.5",
                     fn=lambda M, F, a: getattr(M, name)(a, 1.5))
        yield Sample([("input", ints(-9, 9, 6), False)], label="int64 by -4",
                     fn=lambda M, F, a: getattr(M, name)(a, -4))
        yield Sample([("input", const([-7.5, 7.5, -0.0, 3.0, INF]), False)],
                     label="signs, inf, by 0 and -2", fn=lambda M, F, a: (
                         getattr(M, name)(a, 0.0), getattr(M, name)(a, -2.0)))
        if name == "remainder":
            yield Sample([x(3, 4, scale=3.0)], label="x % 1.5", fn=lambda M, F, a: a % 1.5)
            yield Sample([x(3, 4, scale=3.0)], label="5 % x (torch: no derivative)", grad=False,
                         fn=lambda M, F, a: 5 % a)
    return samples


def _floor_divide_samples():
    yield Sample([x(3, 4, scale=3.0), ("other", normal(4, away=0.3), True)], grad=False,
                 label="no derivative (backward refuses, as torch)",
                 fn=lambda M, F, a, b: M.floor_divide(a, b))
    yield Sample([("input", ints(-9, 9, 6), False), ("other", ints(1, 4, 6), False)],
                 label="int64 // int64", fn=lambda M, F, a, b: a // b)
    yield Sample([("input", ints(-9, 9, 6), False)], label="int64 // 2.5 and 7 // x",
                 fn=lambda M, F, a: (a // 2.5, 7 // (a * 0 + 3)))
    yield Sample([("input", const([-7.5, 7.5, 1.0, -1.0]), False)], label="by 0.0",
                 fn=lambda M, F, a: a // 0.0)
    yield Sample([("input", ints(-9, 9, 5), False)], label="//= in place",
                 fn=lambda M, F, a: _ifloordiv(a.clone(), 2))


def _ifloordiv(t, v):
    t //= v
    return t


def _div_samples():
    for mode in ("trunc", "floor"):
        yield Sample([x(3, 4, scale=3.0), ("other", normal(4, away=0.3), True)],
                     label=f"rounding_mode={mode}",
                     fn=lambda M, F, a, b, m=mode: M.div(a, b, rounding_mode=m))
        yield Sample([("input", ints(-9, 9, 6), False), ("other", ints(-3, 4, 6, fixed=[
            1, -2, 3, -1, 2, -3]), False)], label=f"int64 {mode}",
                     fn=lambda M, F, a, b, m=mode: a.div(b, rounding_mode=m))
        yield Sample([x(5, scale=3.0)], label=f"in place {mode} by 0.7",
                     fn=lambda M, F, a, m=mode: (a * 1.0).div_(0.7, rounding_mode=m))
    yield Sample([x(3, 4), ("other", normal(3, 4, away=0.3), True)], label="true division")


def _lerp_samples():
    yield Sample([x(3, 4), ("end", normal(3, 4), True)], label="scalar weight 0.3",
                 fn=lambda M, F, a, b: M.lerp(a, b, 0.3))
    yield Sample([x(3, 4), ("end", normal(4), True), ("weight", positive(3, 1, lo=0.0, hi=1.0),
                                                       True)],
                 label="tensor weight broadcast", fn=lambda M, F, a, b, w: M.lerp(a, b, w))
    yield Sample([x(3, 4), ("end", normal(3, 4), True)], label="method in place weight 0.8",
                 fn=lambda M, F, a, b: (a * 1.0).lerp_(b, 0.8))


def _addc_samples(name):
    def samples():
        t2 = (lambda *s: normal(*s, away=0.3)) if name == "addcdiv" else normal
        yield Sample([x(3, 4), ("tensor1", normal(3, 4), True), ("tensor2", t2(3, 4), True)],
                     label="function", fn=lambda M, F, a, b, c: getattr(M, name)(a, b, c))
        yield Sample([x(3, 4), ("tensor1", normal(4), True), ("tensor2", t2(3, 1), True)],
                     label="broadcast value=-0.5",
                     fn=lambda M, F, a, b, c: getattr(M, name)(a, b, c, value=-0.5))
        yield Sample([x(3, 4), ("tensor1", normal(3, 4), True), ("tensor2", t2(3, 4), True)],
                     label="method in place value=2",
                     fn=lambda M, F, a, b, c: getattr(a * 1.0, name + "_")(b, c, value=2))
        if name == "addcmul":
            yield Sample([("input", ints(-5, 5, 4), False)], label="int64 value=3",
                         fn=lambda M, F, a: M.addcmul(a, a, a, value=3))
    return samples


def _nan_to_num_samples():
    special = [[1.0, NAN, INF, -INF], [-2.0, 0.5, NAN, 3.0]]
    yield Sample([("input", const(special), True)], label="defaults", gradcheck=False,
                 fn=lambda M, F, t: M.nan_to_num(t))
    yield Sample([("input", const(special), True)], label="nan=1 posinf=2 neginf=-3 method",
                 gradcheck=False, fn=lambda M, F, t: t.nan_to_num(1.0, 2.0, -3.0))
    yield Sample([x(3, 4)], label="finite, in place", fn=lambda M, F, t: (t * 1.0).nan_to_num_())
    yield Sample([("input", ints(-5, 5, 4), False)], label="int64",
                 fn=lambda M, F, t: M.nan_to_num(t))


def _alias_samples(name):
    def samples():
        if name in ("negative", "absolute"):
            yield Sample([x(3, 4, away=0.1)], label="function",
                         fn=lambda M, F, t: getattr(M, name)(t))
            yield Sample([x(4, away=0.1)], label="method in place",
                         fn=lambda M, F, t: getattr(t * 1.0, name + "_")())
            return
        yield Sample([x(3, 4), ("other", normal(4, away=0.3), True)], label="function",
                     fn=lambda M, F, a, b: getattr(M, name)(a, b))
        yield Sample([x(3, 4), ("other", normal(3, 4, away=0.3), True)], label="method in place",
                     fn=lambda M, F, a, b: getattr(a * 1.0, name + "_")(b))
        if name == "divide":
            yield Sample([x(3, 4, scale=3.0)], label="rounding_mode=floor",
                         fn=lambda M, F, a: M.divide(a, 0.7, rounding_mode="floor"))
        if name == "subtract":
            yield Sample([x(3, 4), ("other", normal(4), True)], label="alpha=2",
                         fn=lambda M, F, a, b: M.subtract(a, b, alpha=2))
    return samples


def _z(M):
    return M.zeros(3, 4)


BAD = {
    "floor_divide": [
        BadArg("backward through it", lambda M, F: (M.ones(2, requires_grad=True) // 2.0).sum()
               .backward(), RuntimeError, "derivative"),
        BadArg("int64 by zero", lambda M, F: M.tensor([3]) // 0, RuntimeError, "ZeroDivision",
               names_op=False)],
    "remainder": [BadArg("int64 by zero", lambda M, F: M.remainder(M.tensor([3]), 0),
                         RuntimeError, "ZeroDivision", names_op=False)],
    "div": [BadArg("rounding_mode='round'", lambda M, F: M.div(_z(M), 2, rounding_mode="round"),
                   RuntimeError, "rounding_mode")],
    "lerp": [BadArg("weight dtype", lambda M, F: M.lerp(_z(M), _z(M), _z(M).double()),
                    RuntimeError, "weight")],
    "hypot": [BadArg("int64", lambda M, F: M.hypot(M.tensor([3]), M.tensor([4])), TypeError,
                     "floating|Long", torch="raises")],
    "addcdiv": [BadArg("integer division", lambda M, F: M.addcdiv(
        M.tensor([1]), M.tensor([1]), M.tensor([2])), RuntimeError, "Integer division")],
    "round": [BadArg("decimals=0.5", lambda M, F: M.round(_z(M), decimals=0.5), TypeError,
                     "decimals")],
}


def _entry(name, samples, **kw):
    return OpInfo(name, samples, "math", bad_args=BAD.get(name, ()), **kw)


ROUNDING = ("floor", "ceil", "trunc", "fix", "round", "frac", "sign", "sgn")
OPS = (
    [_entry(n, _unary_samples(n)) for n in list(UNARY) + list(ALIAS)]
    + [_entry(n, _rounding_samples(n)) for n in ROUNDING]
    + [_entry("atan2", _binary_float_samples("atan2")),
       _entry("arctan2", _binary_float_samples("arctan2", ints_ok=False)),
       _entry("hypot", _binary_float_samples("hypot", ints_ok=False)),
       _entry("remainder", _modulo_samples("remainder")),
       _entry("fmod", _modulo_samples("fmod")),
       _entry("floor_divide", _floor_divide_samples, gradcheck=False),
       _entry("div", _div_samples), _entry("lerp", _lerp_samples),
       _entry("addcmul", _addc_samples("addcmul")), _entry("addcdiv", _addc_samples("addcdiv")),
       _entry("nan_to_num", _nan_to_num_samples)]
    + [_entry(n, _alias_samples(n)) for n in (
        "divide", "true_divide", "multiply", "subtract", "negative", "absolute")]
)
