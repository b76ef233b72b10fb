"""Anomaly mode: raise at the first op whose forward or backward produces NaN or Inf.

It is one FunctionHook of the engine: active while a ``detect_anomaly`` block is open in this
thread, it checks every op's output and every gradient an op's backward returns, and names
the op and the scopes (modules) it was recorded in.
"""
import functools
import threading

import numpy as np

from .._engine import FunctionHook, add_function_hook, current_scope, in_backward

__all__ = ["detect_anomaly", "is_anomaly_enabled", "set_detect_anomaly"]


class _Flags(threading.local):
    def __init__(self):
        self.stack = []  # check_nan of each open block, innermost last
        self.handle = None


_flags = _Flags()


def _where(scope):
    names = [s if isinstance(s, str) else type(s).__name__ for s in scope]
    return f" (op called from {' > '.join(names)})" if names else ""


def _check_finite(arr, what, trace):
    if arr is None:
        return
    arr = np.asarray(arr)
    if arr.dtype.kind not in "fc" or np.isfinite(arr).all():
        return
    kind = "nan" if np.isnan(arr).any() else "inf"
    raise RuntimeError(f"detect_anomaly: {what} produced {kind} values{trace}")


class _AnomalyHook(FunctionHook):
    def forward_post(self, fn, ctx, out, node):
        if _flags.stack[-1] and not in_backward():  # a backward's ops: its node reports
            _check_finite(out, f"{fn.__name__} forward", _where(current_scope()))

    def backward_post(self, node, gy, gxs):
        if _flags.stack[-1]:
            for i, g in enumerate(gxs):
                _check_finite(g, f"{node.name()} (gradient of input {i})", _where(node.scope))


class detect_anomaly:
    """Raise at the first op whose forward or backward produces NaN or Inf.

    The error names the op and the modules that were being called when it ran, e.g.
    ``detect_anomaly: LogBackward produced nan in the gradient of input 0 (op called from
    MiniVGG > Sequential > Conv2d)``.  Checking every result costs a pass over each array, so
    use it to debug, not to train.  Works as a context manager and as a decorator.

    Args:
        check_nan: check the results (False turns the checks off inside this block).
    """

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)

    def __enter__(self):
        if not _flags.stack:
            _flags.handle = add_function_hook(_AnomalyHook())
        _flags.stack.append(self.check_nan)
        return self

    def __exit__(self, *exc):
        _flags.stack.pop()
        if not _flags.stack:
            _flags.handle.remove()
            _flags.handle = None
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly(detect_anomaly):
    """Context manager that turns anomaly checking on or off (``torch.autograd``'s name).

    Args:
        mode: True checks every op's outputs and gradients for NaN/Inf (see ``detect_anomaly``).
        check_nan: with False, nothing is checked even when ``mode`` is True (as torch).
    """

    def __init__(self, mode, check_nan=True):
        super().__init__(bool(mode) and check_nan)


def is_anomaly_enabled():
    """Whether ops are being checked for NaN/Inf in this thread.

    Returns:
        bool: True inside ``detect_anomaly()``.
    """
    return bool(_flags.stack) and _flags.stack[-1]
