"""The one driver that runs a registry sample in tinyconv and in torch and compares them.

``check_against_torch(sample, dtype, seed)`` builds the same input arrays for both libraries,
runs the op, compares every output (values, dtype, integer outputs exactly) and every input
updated in place (running statistics), backpropagates one random cotangent through every
differentiable output and compares every input's gradient and its dtype.  It returns a
``Report``; ``assert_against_torch`` is the form tests use.  ``gradcheck`` runs
``tinyconv.gradcheck`` on a sample in float64, ``check_refusal`` checks a ``BadArg``, and
``check_saved_versions`` writes into an input between forward and backward.

Two views of an error ``max|a - e|`` over an array: relative to magnitude,
``/ max(1, max|e|)`` (the tests' tolerances, ``TOL``), and norm-wise relative, ``/ max|e|``
(the parity table's bounds).  torch is imported only inside the functions that need it.
"""
from __future__ import annotations

import re
import warnings

import numpy as np

# relative-to-magnitude tolerances: float64 tight, float32 what users run
TOL = {"float64": 1e-10, "float32": 2e-5}


def to_numpy(t):
    """An ndarray copy of a tinyconv Tensor, a torch tensor, an array or a number."""
    if hasattr(t, "detach"):  # tinyconv.Tensor and torch.Tensor alike
        if getattr(t, "_is_zerotensor", lambda: False)():  # torch's symbolic zeros (sgn)
            return np.zeros(tuple(t.shape), dtype=str(t.dtype).replace("torch.", ""))
        return np.array(t.detach().numpy(), copy=True)
    return np.array(t, copy=True)


def assert_close(actual, expected, dtype=None, tol=None, what=""):
    """``max|actual - expected| <= tol * max(1, max|expected|)``; shapes must match exactly.

    ``dtype`` also asserts the actual dtype; ``tol`` defaults to ``TOL`` of that dtype (or of
    the expected array's).
    """
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    if dtype is not None:
        assert a.dtype == np.dtype(dtype), f"{what}: dtype {a.dtype} != {np.dtype(dtype)}"
    if tol is None:
        tol = TOL[np.dtype(dtype if dtype is not None else e.dtype).name]
    if a.size == 0:
        return
    scale = max(1.0, float(np.max(np.abs(e.astype(np.float64)))))
    err = float(np.max(np.abs(a.astype(np.float64) - e.astype(np.float64))))
    assert np.isfinite(err) or np.array_equal(a, e, equal_nan=True), f"{what}: non-finite error"
    assert err <= tol * scale, f"{what}: max abs error {err:.3e} > {tol:.1e} * {scale:.3g}"


def array_error(a, e):
    """``(max|a - e|, max|e|)`` with NaN == NaN and equal infinities counted as equal.

    A shape mismatch or a non-finite difference is an infinite error.
    """
    a64, e64 = np.asarray(a, dtype=np.float64), np.asarray(e, dtype=np.float64)
    if a64.shape != e64.shape:
        return float("inf"), 0.0
    if a64.size == 0:
        return 0.0, 0.0
    with np.errstate(invalid="ignore"):  # inf - inf: equal infinities are handled below
        d = np.where(np.isnan(a64) & np.isnan(e64), 0.0, np.abs(a64 - e64))
    d = np.where(np.isinf(a64) & (a64 == e64), 0.0, d)
    if not np.all(np.isfinite(d)):
        return float("inf"), 0.0
    scale = float(np.max(np.where(np.isfinite(e64), np.abs(e64), 0.0)))
    return float(d.max()), scale


class Comparison:
    """One compared array: ``kind`` is ``forward`` (outputs, buffers) or ``grad``."""

    def __init__(self, what, kind, abs_err, scale, exact):
        self.what, self.kind, self.abs_err, self.scale, self.exact = (
            what, kind, abs_err, scale, exact)

    @property
    def rel(self):
        """Norm-wise relative error ``max|a-e| / max|e|`` (``max|a-e|`` when ``e == 0``)."""
        return self.abs_err / self.scale if self.scale > 0 else self.abs_err

    def fails(self, tol):
        """Above ``tol`` relative to magnitude, or any difference in an integer output."""
        if self.exact:
            return self.abs_err != 0
        return not self.abs_err <= tol * max(1.0, self.scale)


class Report:
    """What ``check_against_torch`` found for one sample in one dtype."""

    def __init__(self, sample, dtype):
        self.sample, self.dtype = sample, np.dtype(dtype).name
        self.comparisons, self.problems = [], []

    def compare(self, what, kind, actual, expected):
        """Record one array's error and a dtype mismatch."""
        if actual.dtype != expected.dtype:
            self.problems.append(f"{what} has dtype {actual.dtype}, torch {expected.dtype}")
        abs_err, scale = array_error(actual, expected)
        if actual.shape != expected.shape:
            self.problems.append(f"{what} has shape {actual.shape}, torch {expected.shape}")
        exact = expected.dtype.kind not in "fc"
        self.comparisons.append(Comparison(what, kind, abs_err, scale, exact))

    def failures(self, tol):
        """Readable failures at tolerance ``tol`` (relative to magnitude) and every problem."""
        bad = [f"{c.what}: max abs error {c.abs_err:.3e} (max |torch| {c.scale:.3g})"
               for c in self.comparisons if c.fails(tol)]
        return bad + list(self.problems)

    def __repr__(self):
        worst = max((c.rel for c in self.comparisons), default=0.0)
        return (f"Report({self.sample.id} {self.dtype}: worst rel {worst:.2e}, "
                f"{len(self.problems)} problems)")


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [o for e in out for o in _flatten(e)]
    return [out]


def _tensors(M, arrays, sample):
    return [M.tensor(a.copy(), requires_grad=bool(d) and a.dtype.kind == "f")
            for (_, _, d), a in zip(sample.inputs, arrays)]


def check_against_torch(sample, dtype, seed=0):
    """Run ``sample`` in tinyconv and in torch on the same arrays in ``dtype``; a ``Report``.

    Compared: every output (values, dtype, whether it requires grad; integer outputs
    exactly), every non-differentiable input after the call (buffers updated in place, which
    must stay out of the graph), and, after one
    backward of the same random cotangent through every differentiable output, every
    differentiable input's gradient and its dtype.  The cotangent is zero where torch's output
    is infinite (a max-pool window wholly in the padding: torch routes that gradient past the
    plane).  A warning from tinyconv is a problem; torch's own notes are ignored.
    """
    import torch
    import torch.nn.functional as TF

    import tinyconv
    import tinyconv.nn.functional as F

    rep = Report(sample, dtype)
    arrays = sample.arrays(dtype, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_in = _tensors(torch, arrays, sample)
        t_out = _flatten(sample.call(torch, TF, *t_in))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c_in = _tensors(tinyconv, arrays, sample)
        c_out = _flatten(sample.call(tinyconv, F, *c_in))
    rep.problems += [f"tinyconv warned: {w.category.__name__}: {w.message}" for w in caught]
    if len(c_out) != len(t_out):
        rep.problems.append(f"{len(c_out)} outputs, torch has {len(t_out)}")
        return rep
    t_vals = [to_numpy(t) for t in t_out]
    for i, (c, tv) in enumerate(zip(c_out, t_vals)):
        rep.compare(f"output {i}", "forward", to_numpy(c), tv)
    for (name, _, diff), c, t in zip(sample.inputs, c_in, t_in):
        if not diff:
            rep.compare(f"{name} after the call", "forward", to_numpy(c), to_numpy(t))
            if c.requires_grad:
                rep.problems.append(f"{name} requires grad after the call")
    if not sample.grad:
        return rep
    rng = np.random.default_rng(sample.seed(seed) + 1)
    pending = []  # (tinyconv output, torch output, cotangent)
    for i, (c, t, tv) in enumerate(zip(c_out, t_out, t_vals)):
        if not (isinstance(t, torch.Tensor) and t.requires_grad):
            if getattr(c, "requires_grad", False):
                rep.problems.append(f"output {i} requires grad (torch's does not)")
            continue
        if not getattr(c, "requires_grad", False):
            rep.problems.append(f"output {i} does not require grad (torch's does)")
            continue
        g = np.array(rng.standard_normal(tv.shape), dtype=tv.dtype)
        g[np.isinf(tv)] = 0.0
        pending.append((c, t, g))
    for k, (c, t, g) in enumerate(pending):  # gradients of several outputs accumulate
        retain = k < len(pending) - 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t.backward(torch.tensor(g), retain_graph=retain)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            c.backward(tinyconv.tensor(g), retain_graph=retain)
        rep.problems += [f"tinyconv warned in backward: {w.category.__name__}: {w.message}"
                         for w in caught]
    if not pending:
        return rep
    for (name, _, diff), a, c, t in zip(sample.inputs, arrays, c_in, t_in):
        if not diff or a.dtype.kind != "f":
            continue
        tg = to_numpy(t.grad) if t.grad is not None else np.zeros(a.shape, a.dtype)
        cg = to_numpy(c.grad) if c.grad is not None else np.zeros(a.shape, a.dtype)
        rep.compare(f"grad {name}", "grad", cg, tg)
    return rep


def assert_against_torch(sample, dtype, seed=0, tol=None):
    """``check_against_torch`` as an assertion; ``tol`` defaults to the sample's tolerance."""
    rep = check_against_torch(sample, dtype, seed)
    tol = sample.tolerance(dtype, TOL) if tol is None else tol
    bad = rep.failures(tol)
    assert not bad, f"{sample.id} in {rep.dtype} (tol {tol:g}): " + "; ".join(bad)
    return rep


def _as_function(sample, seed):
    """(fn, inputs): ``sample``'s first output as a function of its differentiable inputs
    (float64; the other inputs held fixed), for the finite-difference checks."""
    import tinyconv
    import tinyconv.nn.functional as F

    arrays = sample.arrays(np.float64, seed)
    ts = _tensors(tinyconv, arrays, sample)
    idx = [i for i, t in enumerate(ts) if t.requires_grad]

    def fn(*diff):
        full = list(ts)
        for i, t in zip(idx, diff):
            full[i] = t
        return _flatten(sample.call(tinyconv, F, *full))[0]

    return fn, tuple(ts[i] for i in idx)


def gradcheck(sample, seed=0):
    """``tinyconv.gradcheck`` of ``sample``'s first output w.r.t. its differentiable inputs.

    float64; the non-differentiable inputs are held fixed.  Raises ``RuntimeError`` naming
    the worst element on failure (``tinyconv.gradcheck``'s report).
    """
    import tinyconv

    return tinyconv.gradcheck(*_as_function(sample, seed))


def check_double_backward(sample, seed=0, dtype=np.float64):
    """Second derivatives of ``sample`` against torch's (float64 by default); a ``Report``.

    Both libraries compute the input gradients with ``create_graph=True`` for a random
    cotangent that itself requires grad, then differentiate ``sum(first * v)`` (random ``v``)
    with respect to the inputs and the cotangent.  Compared: the first-order gradients and
    every second-order one (None on one side counts as zeros).
    """
    import torch
    import torch.nn.functional as TF

    import tinyconv
    import tinyconv.nn.functional as F

    rep = Report(sample, dtype)
    arrays = sample.arrays(dtype, seed)
    rng = np.random.default_rng(sample.seed(seed) + 7)
    sides = {}
    for M, FF in ((torch, TF), (tinyconv, F)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ins = _tensors(M, arrays, sample)
            outs = [o for o in _flatten(sample.call(M, FF, *ins))
                    if getattr(o, "requires_grad", False)]
            diff = [t for t in ins if t.requires_grad]
            sides[M.__name__] = (ins, outs, diff)
    t_ins, t_outs, t_diff = sides["torch"]
    c_ins, c_outs, c_diff = sides["tinyconv"]
    if not t_outs or not t_diff:
        return rep
    gys = [rng.standard_normal(tuple(o.shape)).astype(dtype) for o in t_outs]
    vs = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in t_diff]

    def second(M, outs, diff):
        g = [M.tensor(a, requires_grad=True) for a in gys]
        first = M.autograd.grad(outs, diff, g, create_graph=True, allow_unused=True)
        terms = [(f * M.tensor(v)).sum() for f, v in zip(first, vs)
                 if f is not None and f.requires_grad]
        if not terms:
            return first, [None] * (len(diff) + len(g))
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return first, M.autograd.grad(total, list(diff) + g, allow_unused=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_first, t_second = second(torch, t_outs, t_diff)
    try:
        c_first, c_second = second(tinyconv, c_outs, c_diff)
    except RuntimeError as e:
        rep.problems.append(f"double backward raised: {e}")
        return rep
    names = [n for (n, _, d), t in zip(sample.inputs, t_ins) if t.requires_grad]
    labels = names + [f"grad_output {i}" for i in range(len(gys))]

    def arr(g, like):
        if g is None or getattr(g, "_is_zerotensor", lambda: False)():
            # torch's symbolic zeros, or no gradient: zeros of the input's dtype
            return np.zeros(tuple(like.shape), dtype=to_numpy(like.detach()).dtype)
        return to_numpy(g)

    for n, c, t, like in zip(names, c_first, t_first, t_diff):
        rep.compare(f"first-order grad {n}", "grad", arr(c, like), arr(t, like))
    likes = list(t_diff) + [torch.tensor(a) for a in gys]
    for n, c, t, like in zip(labels, c_second, t_second, likes):
        rep.compare(f"second-order grad {n}", "grad", arr(c, like), arr(t, like))
    return rep


def gradgradcheck(sample, seed=0):
    """``tinyconv.autograd.gradgradcheck`` of ``sample``'s first output, float64."""
    import tinyconv

    return tinyconv.autograd.gradgradcheck(*_as_function(sample, seed))


def _changed(a):
    """Different values of the same dtype and range: shifted floats, rolled integers/masks."""
    if a.dtype.kind == "f":
        return a + 0.5
    return np.roll(a.reshape(-1), 1).reshape(a.shape)


def _write_then_backward(M, F, sample, arrays, which, seed):
    """Run ``sample``, write new values into input ``which`` (None: none) under no_grad, then
    backpropagate a fixed cotangent: ("error" | "ok" | "no grad", input gradients)."""
    M.manual_seed(seed)
    ts = _tensors(M, arrays, sample)
    outs = [o for o in _flatten(sample.call(M, F, *ts)) if getattr(o, "requires_grad", False)]
    if not outs:
        return "no grad", None
    if which is not None:
        with M.no_grad():
            ts[which].copy_(M.tensor(_changed(arrays[which])))
    rng = np.random.default_rng(sample.seed(seed) + 3)
    gs = [M.tensor(rng.standard_normal(tuple(o.shape))) for o in outs]
    try:
        M.autograd.backward(outs, gs)
    except RuntimeError as e:
        if "modified by an inplace operation" not in str(e):
            raise
        return "error", None
    return "ok", [None if t.grad is None else to_numpy(t.grad) for t in ts]


def check_saved_versions(sample, which, seed=0):
    """Write into input ``which`` of ``sample`` between forward and backward (float64), in
    both libraries: ``(torch's outcome, tinyconv's outcome, problems)``.

    An outcome is "error" (torch's "modified by an inplace operation": the op saved that
    input) or "ok" (it did not); "no grad" when nothing is differentiable.  A problem is a
    tinyconv gradient that differs from the one of the same run without the write (a saved
    value changed under the op: a silently wrong gradient).
    """
    import torch
    import torch.nn.functional as TF

    import tinyconv
    import tinyconv.nn.functional as F

    arrays = sample.arrays(np.float64, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out, _ = _write_then_backward(torch, TF, sample, arrays, which, seed)
    c_out, grads = _write_then_backward(tinyconv, F, sample, arrays, which, seed)
    problems = []
    if c_out == "ok":
        _, clean = _write_then_backward(tinyconv, F, sample, arrays, None, seed)
        for (name, _, _), g, e in zip(sample.inputs, grads, clean):
            if (g is None) != (e is None) or (g is not None and not np.allclose(
                    g, e, rtol=1e-10, atol=1e-12, equal_nan=True)):
                problems.append(f"grad {name} changed by writing into "
                                f"{sample.inputs[which][0]} after forward")
    return t_out, c_out, problems


def _refused(bad, M, F):
    try:
        bad.call(M, F)
    except Exception as e:  # noqa: BLE001 - the exception is the result being examined
        return e
    return None


def check_refusal(bad):
    """What is wrong with how tinyconv (and torch, when asked) refuse ``bad``: a list."""
    import tinyconv
    import tinyconv.nn.functional as F

    problems = []
    err = _refused(bad, tinyconv, F)
    if err is None:
        problems.append("tinyconv accepted the call")
    elif not isinstance(err, bad.exc):
        problems.append(f"tinyconv raised {type(err).__name__} ({err}), not {bad.exc.__name__}")
    else:
        msg = str(err)
        if not re.search(bad.match, msg, re.IGNORECASE):
            problems.append(f"message does not match {bad.match!r}: {msg}")
        short = bad.op.short_name
        if bad.names_op and short not in msg and short.split("_")[0] not in msg:
            problems.append(f"message does not name the op {short}: {msg}")
    if bad.torch is not None:
        import torch
        import torch.nn.functional as TF

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_err = _refused(bad, torch, TF)
        if t_err is None:
            problems.append("torch accepts the call (set torch=None and say why)")
        elif bad.torch == "same" and not isinstance(t_err, bad.exc):
            problems.append(f"torch raised {type(t_err).__name__}, not {bad.exc.__name__}")
    return problems
