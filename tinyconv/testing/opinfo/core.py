"""The registry's vocabulary: ``OpInfo``, ``Sample``, ``BadArg`` and the input makers.

Legend: ``M`` is a library's top-level module (``tinyconv`` or ``torch``) and ``F`` its
``nn.functional``; a *maker* is ``maker(rng, dtype) -> ndarray``.  An input is a triple
``(name, maker, differentiable)``.  Nothing here imports torch.
"""
from __future__ import annotations

import zlib

import numpy as np

FLOAT_DTYPES = ("float64", "float32")

# A sample is float64-gradchecked automatically when its differentiable inputs hold at most
# this many elements (central differences cost two calls per element), at most
# GRADCHECK_PER_OP such samples per op; samples marked gradcheck=True always are.
GRADCHECK_MAX_ELEMENTS = 60
GRADCHECK_PER_OP = 3


# ----------------------------------------------------------------------------- makers
class Maker:
    """An input generator: ``maker(rng, dtype)`` returns an ndarray of ``shape``."""

    def __init__(self, fn, shape):
        self.fn, self.shape = fn, tuple(shape)

    def __call__(self, rng, dtype):
        return self.fn(rng, np.dtype(dtype))


def normal(*shape, scale=1.0, shift=0.0, away=0.0):
    """Normal values; ``away`` keeps ``|x - shift|`` at least that far from a kink at 0."""
    def make(rng, dtype):
        a = rng.standard_normal(shape) * scale
        if away:
            a = np.where(np.abs(a) < away, np.sign(a + 1e-300) * away + a, a)
        return (a + shift).astype(dtype)
    return Maker(make, shape)


def distinct(*shape, lo=-2.0, hi=2.0):
    """A permutation of well separated values: no ties for max/argmax (gradcheck-safe)."""
    def make(rng, dtype):
        n = int(np.prod(shape))
        step = (hi - lo) / max(n, 1)
        return (rng.permutation(n).reshape(shape) * step + lo).astype(dtype)
    return Maker(make, shape)


def positive(*shape, lo=0.5, hi=2.0):
    """Uniform values in ``[lo, hi)`` (variances, divisors, class weights)."""
    def make(rng, dtype):
        return rng.uniform(lo, hi, shape).astype(dtype)
    return Maker(make, shape)


def uniform(*shape):
    """Uniform values in ``[0, 1)`` (probabilities)."""
    return positive(*shape, lo=0.0, hi=1.0)


def probs(*shape, axis=1):
    """Non-negative values summing to one along ``axis`` (probability targets)."""
    def make(rng, dtype):
        p = rng.random(shape)
        return (p / p.sum(axis=axis, keepdims=True)).astype(dtype)
    return Maker(make, shape)


def ints(low, high, *shape, fixed=None, dtype=np.int64):
    """Integers in ``[low, high)``; ``fixed`` overwrites the first flat entries."""
    def make(rng, _):
        a = rng.integers(low, high, shape).astype(dtype)
        if fixed is not None:
            a.reshape(-1)[: len(fixed)] = fixed
        return a
    return Maker(make, shape)


def bools(*shape, p=0.5):
    """A boolean mask (conditions, masks for indexing)."""
    def make(rng, _):
        return rng.random(shape) < p
    return Maker(make, shape)


def const(values, kind="float"):
    """Fixed values: cast to the sample's dtype (``kind="float"``) or kept as given."""
    values = np.asarray(values)

    def make(rng, dtype):
        return values.astype(dtype) if kind == "float" else values.copy()
    return Maker(make, values.shape)


def custom(fn, shape):
    """A maker from ``fn(rng, dtype)`` (random configurations with coupled inputs)."""
    return Maker(fn, shape)


def x(*shape, **kw):
    """The usual first input: a differentiable normal ``input`` of ``shape``."""
    return ("input", normal(*shape, **kw), True)


# ----------------------------------------------------------------------------- samples
def _fmt(v):
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, tuple):
        return "(" + ",".join(_fmt(e) for e in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v) if isinstance(v, str) else str(v)


class Sample:
    """One call of an op on named inputs.

    Args:
        inputs: ``(name, maker, differentiable)`` triples.  The default call passes the first
            input positionally and the others as keyword arguments named ``name``, so input
            names are the op's parameter names (``weight``, ``bias``, ``target`` ...).
        label: what the sample is about; by default its shapes and options.
        fn: ``fn(M, F, *tensors, **kwargs)`` instead of the op's call: composite or
            library-specific calls (a method form, a workaround for a torch bug ...).
        tol: tolerance override (a float, or ``{dtype: float}``) relative to magnitude.
        gradcheck: ``True`` always gradcheck in float64, ``False`` never (ties, kinks, huge
            values), ``None`` when small (see ``GRADCHECK_MAX_ELEMENTS``).
        grad: compare gradients with torch (``False`` only where torch's backward is wrong,
            with the reason in the label; gradcheck then judges ours).
        **kwargs: the op's options for this sample.
    """

    def __init__(self, inputs, label=None, fn=None, tol=None, gradcheck=None, grad=True,
                 **kwargs):
        self.inputs = [tuple(i) for i in inputs]
        self.kwargs = kwargs
        self.fn, self.tol, self.gradcheck, self.grad = fn, tol, gradcheck, grad
        if label is None:
            shapes = " ".join(f"{n}{_fmt(mk.shape)}" for n, mk, _ in self.inputs)
            label = " ".join([shapes] + [f"{k}={_fmt(v)}" for k, v in kwargs.items()])
        self.label = label
        self.op = None  # the OpInfo, set when the registry is built

    @property
    def id(self):
        """``op[label]``: unique in the registry."""
        return f"{self.op.name if self.op else '?'}[{self.label}]"

    def seed(self, base=0):
        """A per-sample seed from the id (adding a sample does not move the others)."""
        return (zlib.crc32(self.id.encode()) + int(base)) % 2**32

    def arrays(self, dtype, seed=0):
        """The input arrays in ``dtype`` (float makers; integer/bool makers keep theirs)."""
        rng = np.random.default_rng(self.seed(seed))
        return [mk(rng, np.dtype(dtype)) for _, mk, _ in self.inputs]

    def diff_elements(self):
        """Number of elements of the differentiable inputs (what gradcheck perturbs)."""
        return sum(int(np.prod(mk.shape)) for _, mk, d in self.inputs if d)

    def call(self, M, F, *tensors):
        """Run this sample in one library: ``M``/``F`` are tinyconv's or torch's."""
        if self.fn is not None:
            return self.fn(M, F, *tensors, **self.kwargs)
        named = {name: t for (name, _, _), t in zip(self.inputs[1:], tensors[1:])}
        return self.op.target(M, F, tensors[0])(tensors[0], **named, **self.kwargs)

    def tolerance(self, dtype, default):
        """This sample's tolerance in ``dtype``: its own, else its op's, else ``default``."""
        dtype = np.dtype(dtype).name
        for tol in (self.tol, self.op.tol if self.op else None):
            if isinstance(tol, dict) and dtype in tol:
                return tol[dtype]
            if isinstance(tol, float):
                return tol
        return default[dtype]

    def copy(self):
        """The same sample, not yet attached to an op (for ad hoc registries)."""
        return Sample(self.inputs, self.label, self.fn, self.tol, self.gradcheck, self.grad,
                      **self.kwargs)

    def __repr__(self):
        return f"Sample({self.id})"


class BadArg:
    """A call the op must refuse with a clean error naming what is wrong.

    Args:
        label: what is wrong (``"stride 0"``).
        call: ``call(M, F)`` makes the call in one library (tinyconv or torch).
        exc: the exception type tinyconv raises.
        match: a regex the message must contain (case-insensitive): the argument's name, or
            the shapes/values at fault.
        torch: ``"same"`` torch raises the same type too, ``"raises"`` torch raises some
            error, ``None`` torch is not asked (it accepts the call or crashes; say why).
        names_op: the message must name the op.
    """

    def __init__(self, label, call, exc, match, torch="same", names_op=True):
        self.label, self.call, self.exc, self.match = label, call, exc, match
        self.torch, self.names_op = torch, names_op
        self.op = None

    @property
    def id(self):
        return f"{self.op.name if self.op else '?'}: {self.label}"

    def __repr__(self):
        return f"BadArg({self.id})"


# ----------------------------------------------------------------------------- ops
class OpInfo:
    """One public op: how to call it in both libraries, its samples and its bad arguments.

    Args:
        name: the public name: ``"conv2d"`` (``nn.functional``), ``"cat"`` (top level),
            ``"linalg.norm"`` (a submodule's) or ``"Tensor.sum"`` (a method).
        samples: a function returning the samples (built on first use).
        family: the registry module it lives in (conv, pooling, ...).
        call: ``call(M, F, first) -> callable`` when the default (``F.name``, ``M.name``, or
            the method of the first input) does not fit.
        bad_args: ``BadArg`` cases.
        tol: tolerance overrides ``{dtype: float}`` for every sample (say why where set).
        dtypes: the dtypes every sample runs in.
        gradcheck: ``True`` (marked and small samples), ``"marked"`` (only samples marked
            ``gradcheck=True``: ops with kinks or ties need chosen inputs), ``False`` (nothing
            differentiable, or random ops).
        torch_double_backward: False where torch cannot differentiate the op twice (its
            second derivatives are then only gradgradchecked, not compared with torch).
    """

    def __init__(self, name, samples, family, call=None, bad_args=(), tol=None,
                 dtypes=FLOAT_DTYPES, gradcheck=True, torch_double_backward=True):
        self.name, self.family = name, family
        self._build, self._samples = samples, None
        self._call = call
        self.bad_args = list(bad_args)
        for b in self.bad_args:
            b.op = self
        self.tol, self.dtypes, self.gradcheck = tol, tuple(dtypes), gradcheck
        self.torch_double_backward = torch_double_backward

    @property
    def short_name(self):
        """The name without ``Tensor.`` (what an error message says)."""
        return self.name.split(".")[-1]

    def samples(self):
        """The samples, each knowing its op."""
        if self._samples is None:
            samples = list(self._build())
            for s in samples:
                s.op = self
            self._samples = samples
        return self._samples

    def target(self, M, F, first):
        """The callable this op is in library ``M``: ``F.name``, ``M.name`` or a method."""
        if self._call is not None:
            return self._call(M, F, first)
        if self.name.startswith("Tensor."):
            method = getattr(first, self.short_name)
            return lambda _first, **kw: method(**kw)
        return getattr(F, self.name) if hasattr(F, self.name) else _resolve(M, self.name)

    def public(self):
        """The public tinyconv object this entry covers (fuzzed, and checked to exist)."""
        import tinyconv
        import tinyconv.nn.functional as F

        if self.name.startswith("Tensor."):
            return getattr(tinyconv.Tensor, self.short_name)
        return getattr(F, self.name) if hasattr(F, self.name) else _resolve(tinyconv, self.name)

    def sample(self, inputs, label="ad hoc", **kwargs):
        """A sample of this op outside the registry (a test's own inputs or switches); takes
        ``Sample``'s arguments.  Fixed arrays go in through ``const``."""
        s = Sample(inputs, label, **kwargs)
        s.op = self
        return s

    def gradcheck_samples(self):
        """The samples gradchecked in float64 (see ``GRADCHECK_MAX_ELEMENTS``)."""
        if not self.gradcheck:
            return []
        marked = [s for s in self.samples() if s.gradcheck is True]
        if self.gradcheck == "marked":
            return marked
        small = [s for s in self.samples() if s.gradcheck is None
                 and 0 < s.diff_elements() <= GRADCHECK_MAX_ELEMENTS]
        return marked + small[:max(0, GRADCHECK_PER_OP - len(marked))]

    def __repr__(self):
        return f"OpInfo({self.name})"


def _resolve(module, name):
    """``module.a.b`` for the name ``"a.b"`` (``linalg.norm``)."""
    for part in name.split("."):
        module = getattr(module, part)
    return module


# ----------------------------------------------------------------------------- geometry
def out_size(size, k, s=1, p=0, d=1, ceil=False):
    """torch's conv/pool output length along one axis (below 1 when the kernel does not fit).

    With ``ceil_mode`` a last window starting in the right padding is dropped, as in torch.
    """
    span = size + 2 * p - d * (k - 1) - 1  # the last admissible window start
    if not ceil:
        return span // s + 1
    o = -(-span // s) + 1
    return o - 1 if (o - 1) * s >= size + p else o
