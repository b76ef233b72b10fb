"""Registry entries: the activations of ``nn.functional.nonlinear`` (silu, hardswish, elu,
softplus, glu, prelu, ...).  Piecewise ones are sampled away from their kinks (gradchecks
there are meaningless) and once on the kinks themselves, where torch's convention for the
gradient is compared."""
from .core import BadArg, OpInfo, Sample, const, normal, positive, x

EXTREME = [-1e4, -800.0, -40.0, -1.0, 0.5, 40.0, 800.0, 1e4]
SHAPES = [(7,), (3, 5), (2, 3, 4, 5)]


def _grid(kinks=(), **kw):
    """A few shapes away from the kinks, the extreme values, and the kinks themselves."""
    def samples():
        yield Sample([x(3, 4, 5, scale=3.0, away=5e-2)], **kw)
        for shape in SHAPES:
            yield Sample([x(*shape, scale=4.0, away=5e-2)], **kw)
        yield Sample([("input", const(EXTREME), True)], label=f"extreme values {kw}".strip(),
                     gradcheck=False, **kw)
        if kinks:
            yield Sample([("input", const(list(kinks)), True)], label=f"on the kinks {kw}",
                         gradcheck=False, **kw)
    return samples


def _shifted(points, **kw):
    """Samples well away from the piecewise ops' breakpoints ``points``."""
    def samples():
        yield from _grid(kinks=points, **kw)()
        for p in points:
            # away from the breakpoint by design: these are the ones gradchecked
            yield Sample([x(4, 5, shift=p, away=5e-2)], label=f"around {p} {kw}".strip(),
                         gradcheck=True, **kw)
    return samples


def _prelu_samples():
    yield Sample([x(2, 3, 4, 5, away=1e-2), ("weight", positive(3, lo=0.1, hi=0.4), True)])
    yield Sample([x(2, 3, away=1e-2), ("weight", const([0.25]), True)])
    yield Sample([x(6, away=1e-2), ("weight", const([-0.5]), True)])
    yield Sample([x(2, 4, 3, away=1e-2), ("weight", normal(4), True)], gradcheck=True)
    yield Sample([("input", const([[-1.0, 0.0, 2.0]]), True), ("weight", const([0.3]), True)],
                 label="gradient at 0 goes to the slope", gradcheck=False)


def _glu_samples():
    for shape, dim in [((4, 6), -1), ((4, 6), 0), ((2, 6, 3), 1), ((8,), 0)]:
        yield Sample([x(*shape)], dim=dim)


def _softmin_samples():
    for shape, dim in [((4, 6), 1), ((2, 3, 4), 0), ((5,), -1)]:
        yield Sample([x(*shape, scale=3.0)], dim=dim)


def _rrelu_samples():
    for lo, hi in [(0.125, 1.0 / 3), (0.1, 0.3)]:
        yield Sample([x(3, 4, away=1e-2)], label=f"eval lower={lo:g} upper={hi:g}", lower=lo,
                     upper=hi, training=False)


def _inplace(name, **kw):
    """The in-place form on a non-leaf copy: same values and gradients as the out-of-place.

    torch's in-place celu_ differentiates through its result with 1/alpha in float32, the
    out-of-place one through its input: float64 results differ from ours at 1e-8."""
    tol = {"float64": 1e-7} if name == "celu" else None
    return Sample([x(3, 4, scale=3.0, away=5e-2)], label=f"inplace {kw}".strip(), tol=tol,
                  fn=lambda M, F, t: getattr(F, name)(t * 1.0, inplace=True, **kw))


def _with_inplace(name, samples, **kw):
    def all_samples():
        yield from samples()
        yield _inplace(name, **kw)
    return all_samples


def _x(M):
    return M.randn(2, 3, 4)


def _entry(name, samples, bad_args=(), **kw):
    """An entry whose bad arguments include a list input (a TypeError naming ``input``)."""
    return OpInfo(name, samples, "nonlinear", bad_args=[_type_error(name), *bad_args], **kw)


# the other arguments each function needs besides the input
_REQUIRED = {"threshold": (0.5, 0.0), "prelu": (None,)}


def _type_error(name):
    def call(M, F):
        extra = [M.ones(1) if a is None else a for a in _REQUIRED.get(name, ())]
        return getattr(F, name)([1.0], *extra)
    return BadArg("list input", call, TypeError, "input", torch="raises")


OPS = [
    _entry("silu", _with_inplace("silu", _grid())),
    _entry("mish", _with_inplace("mish", _grid())),
    _entry("hardswish", _with_inplace("hardswish", _shifted((-3.0, 3.0))),
           gradcheck="marked"),
    # torch has no second derivative of hardsigmoid ("not implemented")
    _entry("hardsigmoid", _with_inplace("hardsigmoid", _shifted((-3.0, 3.0))),
           gradcheck="marked", torch_double_backward=False),
    _entry("hardtanh", _shifted((-1.0, 1.0)), bad_args=[
        BadArg("min_val > max_val", lambda M, F: F.hardtanh(_x(M), 2.0, 1.0), ValueError,
               "min_val")]),
    _entry("relu6", _with_inplace("relu6", _shifted((0.0, 6.0)))),
    _entry("elu", lambda: list(_with_inplace("elu", _grid(kinks=(0.0,)))()) + [
        Sample([x(3, 4, scale=3.0, away=5e-2)], alpha=a) for a in (0.5, 2.0)], bad_args=[
        BadArg("alpha string", lambda M, F: F.elu(_x(M), "a"), TypeError, "alpha",
               torch="raises")]),
    _entry("selu", _with_inplace("selu", _grid(kinks=(0.0,)))),
    _entry("celu", _with_inplace("celu", _grid(kinks=(0.0,), alpha=0.7), alpha=0.7),
           bad_args=[BadArg("alpha 0", lambda M, F: F.celu(_x(M), 0.0), ValueError, "alpha",
                            torch="raises")]),
    _entry("softplus", lambda: list(_grid()()) + [
        Sample([x(3, 4, scale=3.0)], beta=2.0, threshold=5.0),
        Sample([x(3, 4, scale=10.0)], beta=0.5, threshold=3.0),
        Sample([("input", const(EXTREME), True)], label="extreme beta=3", gradcheck=False,
               beta=3.0)]),
    _entry("softsign", _grid(kinks=(0.0,))),
    _entry("tanhshrink", _grid()),
    _entry("logsigmoid", _grid()),
    _entry("threshold", _with_inplace("threshold", _shifted((0.5,), threshold=0.5, value=-2.0),
                                      threshold=0.5, value=-2.0)),
    _entry("hardshrink", lambda: list(_shifted((-0.5, 0.5))()) + [
        Sample([x(4, 5, scale=2.0, away=5e-2)], lambd=1.0)], bad_args=[
        BadArg("lambd < 0", lambda M, F: F.hardshrink(_x(M), -1.0), ValueError, "lambd",
               torch=None)]),  # torch accepts a negative lambd for hardshrink
    _entry("softshrink", lambda: list(_shifted((-0.5, 0.5))()) + [
        Sample([x(4, 5, scale=2.0, away=5e-2)], lambd=1.0)], bad_args=[
        BadArg("lambd < 0", lambda M, F: F.softshrink(_x(M), -1.0), RuntimeError, "lambd")]),
    _entry("glu", _glu_samples, bad_args=[
        BadArg("odd dim", lambda M, F: F.glu(M.randn(3, 5)), RuntimeError, "even")]),
    _entry("softmin", _softmin_samples),
    _entry("prelu", _prelu_samples, gradcheck="marked", bad_args=[
        BadArg("channels", lambda M, F: F.prelu(M.randn(2, 3, 4), M.randn(4)), RuntimeError,
               "channel")]),
    _entry("rrelu", _rrelu_samples, bad_args=[
        BadArg("lower > upper", lambda M, F: F.rrelu(_x(M), 0.5, 0.1, training=True),
               ValueError, "lower", torch="raises")]),
]
