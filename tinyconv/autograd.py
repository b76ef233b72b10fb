"""The autograd engine: Context, Function.apply, the backward walk, grad mode and gradcheck.

An op is a ``Function`` subclass whose static ``forward(ctx, *arrays, **params)`` and
``backward(ctx, gy)`` work on raw ndarrays.  ``Function.apply`` runs ``forward`` on the
inputs' arrays and, when any input requires grad (and grad mode is on), records a ``Node``
that links the output to its inputs.  ``backward`` walks those nodes iteratively in
topological order (Kahn's algorithm), so graph depth is limited only by memory.

Contract for ops:
- ``backward`` returns one gradient per array input of ``forward`` (a tuple, or the bare
  array for a single input), ``None`` where ``ctx.needs_input_grad[i]`` is false.
- Gradients may come back broadcast (the input's shape broadcast to the output's); the engine
  sums them back to each input's shape and casts them to the input's dtype.
- Every array that ``backward`` needs goes through ``ctx.save_for_backward`` (so the engine can
  free it); hyper-parameters are plain ``ctx`` attributes.
- ``forward`` may return a tuple ``(y, aux...)``: ``y`` is the differentiable output, the
  others are returned as tensors that do not require grad (indices, masks).
"""
from __future__ import annotations

import functools
import threading

import numpy as np

__all__ = [
    "Context", "Function", "Node", "backward", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "gradcheck", "grad", "detect_anomaly", "is_anomaly_enabled",
]


# --------------------------------------------------------------------------------------------
# grad mode (thread-local, like torch's)
# --------------------------------------------------------------------------------------------
class _GradMode(threading.local):
    enabled = True
    anomaly = False
    module_stack = ()  # names of the modules being called, kept only in anomaly mode
    profiler = None  # the active tinyconv.profiler.profile, if any


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether new operations are recorded for backward."""
    return _mode.enabled


class set_grad_enabled:
    """Context manager (and decorator) that sets grad mode on or off."""

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)
        self.prev = None

    def __enter__(self):
        self.prev = _mode.enabled
        _mode.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _mode.enabled = self.prev
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(set_grad_enabled):
    """Disable graph recording: ``with tc.no_grad(): ...`` or ``@tc.no_grad()``."""

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Re-enable graph recording inside a ``no_grad`` block."""

    def __init__(self):
        super().__init__(True)


class detect_anomaly:
    """Raise at the first op whose forward or backward produces NaN or Inf.

    The error names the op and the modules that were being called when it ran, e.g.
    ``detect_anomaly: LogBackward produced nan in the gradient of input 0 (op called from
    MiniVGG > Sequential > Conv2d)``.  Checking every result costs a pass over each array, so
    use it to debug, not to train.  Works as a context manager and as a decorator.
    """

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)
        self.prev = None

    def __enter__(self):
        self.prev = (_mode.anomaly, _mode.module_stack)
        _mode.anomaly = self.check_nan
        return self

    def __exit__(self, *exc):
        _mode.anomaly, _mode.module_stack = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


def is_anomaly_enabled():
    return _mode.anomaly


class module_scope:
    """Record that a module is running (used by ``Module.__call__`` in anomaly mode)."""

    __slots__ = ("name", "prev")

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.prev = _mode.module_stack
        _mode.module_stack = self.prev + (self.name,)

    def __exit__(self, *exc):
        _mode.module_stack = self.prev
        return False


def _where():
    stack = _mode.module_stack
    return f" (op called from {' > '.join(stack)})" if stack else ""


def _check_finite(arr, what, trace):
    if arr is None or arr.dtype.kind not in "fc" or np.isfinite(arr).all():
        return
    kind = "nan" if np.isnan(arr).any() else "inf"
    raise RuntimeError(f"detect_anomaly: {what} produced {kind} values{trace}")


# --------------------------------------------------------------------------------------------
# Context, Node, Function
# --------------------------------------------------------------------------------------------
_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward(). Specify retain_graph=True if you need to backward through "
    "the graph a second time."
)


class Context:
    """Per-call scratch space of an op: saved arrays, hyper-parameters, needs_input_grad."""

    _saved = ()
    _freed = False

    def __init__(self, needs_input_grad=()):
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *arrays):
        """Keep arrays for ``backward``; the engine frees them after backward."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        return self._saved

    def _free(self):
        if self._saved:  # only ops that saved buffers refuse a second backward
            self._saved = ()
            self._freed = True


_Tensor = None  # tinyconv.tensor.Tensor, bound by tensor.py (the import goes the other way)


class Node:
    """A recorded op application: the backward half of the graph (torch's ``grad_fn``).

    ``next`` holds, per forward input, the Node that produced it, the leaf Tensor that
    accumulates its gradient, or None (no grad needed).  ``meta`` holds each input's shape
    and dtype so gradients can be reduced and cast without keeping the input alive.
    """

    __slots__ = ("fn", "ctx", "next", "meta", "retained", "trace", "prof", "__weakref__")

    def __init__(self, fn, ctx, next_, meta):
        self.fn = fn
        self.ctx = ctx
        self.next = next_
        self.meta = meta
        self.retained = None  # weakref to an output tensor that called retain_grad()
        self.trace = None  # where the forward ran, recorded in anomaly mode
        self.prof = None  # the module it ran in, set while tinyconv.profiler is active

    def name(self):
        return self.fn.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"


class Function:
    """Base class of every op; subclasses define static ``forward`` and ``backward``."""

    @staticmethod
    def forward(ctx, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, gy):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on Tensors and record it for backward when needed."""
        make = _Tensor._make
        try:
            arrays = [t.data for t in inputs]
        except AttributeError:
            bad = next(t for t in inputs if not isinstance(t, _Tensor))
            raise TypeError(
                f"{cls.__name__}: expected Tensor inputs, got {type(bad).__name__}") from None
        if _mode.enabled:
            needs = tuple([t.requires_grad for t in inputs])
            any_grad = True in needs
        else:
            needs = (False,) * len(inputs)
            any_grad = False
        ctx = Context(needs)
        out = cls.forward(ctx, *arrays, **params)
        aux = None
        if type(out) is tuple:
            out, aux = out[0], out[1:]
        if _mode.anomaly:
            _check_finite(np.asarray(out), f"{cls.__name__} forward", _where())
        if any_grad:
            nxt = tuple([(t.grad_fn or t) if n else None for t, n in zip(inputs, needs)])
            meta = tuple([(a.shape, a.dtype) for a in arrays])
            node = Node(cls, ctx, nxt, meta)
            if _mode.anomaly:
                node.trace = _where()
            y = make(out, True, node)
        else:
            y = make(out, False, None)
        if aux is None:
            return y
        return (y,) + tuple([make(a, False, None) for a in aux])


# --------------------------------------------------------------------------------------------
# the backward walk
# --------------------------------------------------------------------------------------------
def _reduce_to(g, shape, dtype):
    """Sum a broadcast gradient back to ``shape`` and cast it to ``dtype``."""
    if g.shape != shape:
        extra = g.ndim - len(shape)
        if extra < 0:
            raise RuntimeError(
                f"autograd: gradient of shape {g.shape} cannot be reduced to input shape {shape}")
        axes = tuple(range(extra)) + tuple(
            i + extra for i, s in enumerate(shape) if s == 1 and g.shape[i + extra] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
        if extra:
            g = g.reshape(g.shape[extra:])
        if g.shape != shape:
            raise RuntimeError(
                f"autograd: gradient of shape {g.shape} does not match input shape {shape}")
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g


def _accumulate_leaf(t, g, owned):
    """Add ``g`` into leaf ``t.grad``; ``owned`` says g may be kept without a copy."""
    from .tensor import Tensor

    if t.grad is None:
        t.grad = Tensor._make(g if owned else g.copy(), False, None)
    else:
        t.grad.data += g
    hooks = t._hooks
    if hooks:
        for h in list(hooks.values()):
            h(t)


def backward(root, gradient, retain_graph=False):
    """Backpropagate ``gradient`` (an ndarray shaped like root) through root's graph."""
    from .tensor import Tensor

    start = root.grad_fn
    if start is None:
        # a leaf that requires grad: its gradient is the seed itself
        _accumulate_leaf(root, gradient.astype(root.dtype, copy=True), True)
        return

    # 1. dependency counts over the nodes reachable from root (iterative DFS); leaves are
    #    counted too (by id), so a leaf used several times gets one summed accumulation and
    #    its post-accumulate hooks run once, as torch's AccumulateGrad does
    deps = {start: 0}
    leaf_deps = {}
    stack = [start]
    while stack:
        node = stack.pop()
        for nxt in node.next:
            if nxt is None:
                continue
            if type(nxt) is not Node:
                k = id(nxt)
                leaf_deps[k] = leaf_deps.get(k, 0) + 1
            elif nxt in deps:
                deps[nxt] += 1
            else:
                deps[nxt] = 1
                stack.append(nxt)
    leaf_grads = {}  # id(leaf) -> (summed gradient, owned)

    # 2. Kahn's walk: a node runs once every consumer has contributed its gradient
    grads = {start: (gradient, True)}  # node -> (summed gradient, owned by the engine)
    ready = [start]
    while ready:
        node = ready.pop()
        gy, _ = grads.pop(node)
        if gy is None:
            # no gradient reached this node (every consumer returned None): pass nothing on
            gxs = (None,) * len(node.next)
            saved = ()
        else:
            ctx = node.ctx
            if node.retained is not None:
                t = node.retained()
                if t is not None:
                    _store_retained(t, gy)
            if node.prof is None or _mode.profiler is None:
                gxs = node.fn.backward(ctx, gy)
            else:
                gxs = _mode.profiler.run_backward(node, ctx, gy)
            saved = ctx._saved
            if not retain_graph:
                ctx._free()
            if type(gxs) is not tuple:
                gxs = (gxs,)
            if node.trace is not None:
                for i, g in enumerate(gxs):
                    _check_finite(None if g is None else np.asarray(g),
                                  f"{node.name()} (gradient of input {i})", node.trace)
            if len(gxs) != len(node.next):
                raise RuntimeError(
                    f"{node.name()}: backward returned {len(gxs)} gradients for "
                    f"{len(node.next)} inputs")
        handed = []
        for nxt, g, (shape, dtype) in zip(node.next, gxs, node.meta):
            if nxt is None:
                continue
            owned = False
            if g is not None:
                if type(g) is not np.ndarray:
                    g = np.asarray(g)
                r = _reduce_to(g, shape, dtype)
                if r is not g:
                    owned = True  # a new array made by the reduction or the cast
                else:
                    # a fresh array from backward (not gy, not a view, not a saved buffer,
                    # not handed to another input) can be kept without a copy
                    owned = (g is not gy and g.base is None and g.flags.writeable
                             and not any(g is h for h in handed)
                             and not any(g is a for a in saved))
                g = r
                handed.append(g)
            if type(nxt) is Node:
                prev = grads.get(nxt)
                if prev is None or prev[0] is None:
                    grads[nxt] = (g, owned)
                elif g is not None:
                    if prev[1]:
                        prev[0].__iadd__(g)
                    else:
                        grads[nxt] = (prev[0] + g, True)
                deps[nxt] -= 1
                if deps[nxt] == 0:
                    ready.append(nxt)
            else:
                k = id(nxt)
                if g is not None:
                    prev = leaf_grads.get(k)
                    if prev is None:
                        leaf_grads[k] = (g, owned)
                    elif prev[1]:
                        prev[0].__iadd__(g)
                    else:
                        leaf_grads[k] = (prev[0] + g, True)
                leaf_deps[k] -= 1
                if leaf_deps[k] == 0:
                    done = leaf_grads.pop(k, None)
                    if done is not None:
                        _accumulate_leaf(nxt, done[0], done[1])
    del grads


def _store_retained(t, gy):
    from .tensor import Tensor

    if t.grad is None:
        t.grad = Tensor._make(np.array(gy, dtype=t.dtype, copy=True), False, None)
    else:
        t.grad.data += gy


def grad(outputs, inputs, grad_outputs=None, retain_graph=False):
    """Gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``.

    A simple version of ``torch.autograd.grad`` (no create_graph): it temporarily swaps the
    inputs' ``.grad`` attributes.
    """
    from .tensor import Tensor

    single = isinstance(inputs, Tensor)
    if single:
        inputs = (inputs,)
    saved = [t.grad for t in inputs]
    for t in inputs:
        t.grad = None
    try:
        outputs.backward(grad_outputs, retain_graph=retain_graph)
        res = tuple(t.grad for t in inputs)
    finally:
        for t, g in zip(inputs, saved):
            t.grad = g
    return res[0] if single else res


# --------------------------------------------------------------------------------------------
# gradcheck
# --------------------------------------------------------------------------------------------
def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare analytical gradients with central differences, in float64.

    Args:
        fn: callable taking the tensors in ``inputs`` and returning a Tensor (or a tuple whose
            first element is the Tensor to check).
        inputs: a Tensor or a sequence of Tensors; those with ``requires_grad`` are checked.
            They must be float64 (float32 differences are too coarse to mean anything).
        eps, atol, rtol: step and tolerances; an element fails when
            ``|analytical - numerical| > atol + rtol * |numerical|``.
        raise_exception: raise ``RuntimeError`` naming the worst element on failure
            (otherwise return False).

    Returns:
        True when every checked element agrees.
    """
    from .tensor import Tensor

    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and t.dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} has dtype {t.dtype}; use float64 inputs")

    def run():
        out = fn(*inputs)
        if isinstance(out, tuple):
            out = out[0]
        return out

    with no_grad():
        y0 = run()
    ny = y0.data.size
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    worst = None  # (excess, message)
    for i in checked:
        x = inputs[i]
        # analytical Jacobian, one output element at a time: J[k, :] = d y_k / d x
        jac_a = np.zeros((ny, x.data.size), dtype=np.float64)
        saved_grad = x.grad
        y = run()
        for k in range(ny):
            x.grad = None
            seed = np.zeros(ny, dtype=y.data.dtype)
            seed[k] = 1.0
            if y.requires_grad:
                y.backward(seed.reshape(y.shape), retain_graph=True)
            if x.grad is not None:
                jac_a[k] = x.grad.data.ravel()
        x.grad = saved_grad
        # numerical Jacobian by central differences
        jac_n = np.zeros_like(jac_a)
        flat = x.data.reshape(-1)
        if not np.shares_memory(flat, x.data):
            raise ValueError(f"gradcheck: input {i} must be contiguous")
        with no_grad():
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                yp = run().data.astype(np.float64).ravel()
                flat[j] = orig - eps
                ym = run().data.astype(np.float64).ravel()
                flat[j] = orig
                jac_n[:, j] = (yp - ym) / (2.0 * eps)
        err = np.abs(jac_a - jac_n) - (atol + rtol * np.abs(jac_n))
        if err.size and err.max() > 0:
            k, j = np.unravel_index(int(np.argmax(err)), err.shape)
            xi = tuple(int(v) for v in np.unravel_index(j, x.shape)) if x.ndim else ()
            yi = tuple(int(v) for v in np.unravel_index(k, y0.shape)) if y0.ndim else ()
            msg = (f"gradcheck failed for input {i} element {xi} and output element {yi}: "
                   f"numerical {jac_n[k, j]:.10g}, analytical {jac_a[k, j]:.10g}")
            if worst is None or err.max() > worst[0]:
                worst = (err.max(), msg)
    if worst is not None:
        if raise_exception:
            raise RuntimeError(worst[1])
        return False
    return True
