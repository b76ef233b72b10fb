"""In-place updates with torch's autograd semantics.

``inplace(t, fn, op, others)`` writes ``fn(t)`` into ``t``'s storage and bumps its version:
- with nothing to record (grad mode off, or no tensor involved requires grad) it is a plain
  write: ``w -= lr * w.grad`` under no_grad updates ``w`` itself;
- in grad mode a leaf that requires grad (or a view of one) refuses, with torch's error;
- otherwise the op is recorded and ``t``'s history rebased onto it (``t.grad_fn`` becomes the
  op's node), as torch does.  When ``t`` is a view, its base's history is rebased too (the
  base becomes "itself with the view's region replaced", torch's CopySlices), and the view is
  re-derived from the new base.

Ops recorded inside ``fn`` may have saved ``t``'s current values; those are replaced by
snapshots before the write, so their backward still sees the values they were computed on
(torch saves the original ``self`` of an in-place op).  What they saved of another operand
that shares ``t``'s storage (``t.mul_(t)``, ``t.mul_(t.detach())``) is not: the write makes
their backward raise torch's "modified by an inplace operation" error, as torch's does.
"""
import numpy as np

from .._engine import TensorBase, is_grad_enabled, no_grad, recording_nodes
from ..ops import shape as S
from .arith import cast

__all__ = ["check_not_leaf", "inplace", "positions", "rebase_history"]


def positions(view, base):
    """The flat (C-order) positions in ``base`` of ``view``'s elements: an int array of
    ``view``'s shape (a view's elements are somewhere in its base's memory)."""
    vb, bb = view._data, base._data
    item = bb.itemsize
    start = (vb.__array_interface__["data"][0] - bb.__array_interface__["data"][0])
    offsets = np.full(vb.shape, start, dtype=np.int64)
    for d, (n, st) in enumerate(zip(vb.shape, vb.strides)):
        shape = [1] * vb.ndim
        shape[d] = n
        offsets = offsets + (np.arange(n, dtype=np.int64) * st).reshape(shape)
    if bb.flags.c_contiguous:
        return offsets // item
    base_off = np.zeros(bb.shape, dtype=np.int64)
    for d, (n, st) in enumerate(zip(bb.shape, bb.strides)):
        shape = [1] * bb.ndim
        shape[d] = n
        base_off = base_off + (np.arange(n, dtype=np.int64) * st).reshape(shape)
    flat = base_off.reshape(-1)
    order = np.argsort(flat, kind="stable")
    return order[np.searchsorted(flat[order], offsets)]


def _write(t, arr, op):
    """Copy ``arr`` into ``t``'s storage (same shape; same-kind cast) and bump its version."""
    if arr.shape != t._data.shape:
        raise RuntimeError(f"{op}: output with shape {list(t._data.shape)} doesn't match the "
                           f"broadcast shape {list(arr.shape)}")
    try:
        np.copyto(t._data, arr, casting="same_kind")
    except TypeError:
        raise RuntimeError(f"{op}: result type {arr.dtype} can't be cast to the desired output "
                           f"type {t._data.dtype}") from None
    except ValueError:
        if not t._data.flags.writeable:
            raise RuntimeError(
                f"{op}: unsupported operation: more than one element of the written-to tensor "
                f"refers to a single memory location (an expanded tensor, shape "
                f"{tuple(t.shape)}). Please clone() the tensor before performing the "
                f"operation.") from None
        raise
    t._vc.value += 1


def _snapshot_saved(nodes, t, operands):
    """Nodes just recorded may have saved ``t``'s values: give them a copy before the write
    (torch saves the original ``self`` of an in-place op so).  A saved operand that aliases
    ``t`` (``t.mul_(t)``, ``t.div_(t[0])``) is left as is: the write makes its backward
    raise, as torch's does."""
    snap = None
    for node in nodes:
        recs = node.ctx._records
        if not recs:
            continue
        for r in recs:
            if r is None or r.box is not t._vc:
                continue
            if r.tensor is not None and any(r.tensor is o for o in operands):
                continue
            if r.tensor is not None:
                if snap is None or snap._data.shape != r.tensor._data.shape:
                    src = r.tensor
                    snap = src._make(src._data.copy(), src.requires_grad, src.grad_fn,
                                     src._output_nr)
                r.tensor = snap
                r.box, r.version = snap._vc, 0
            else:
                r.array = r.array.copy()
                r.box = None


def _rebase(t, res):
    t.grad_fn, t._output_nr, t.requires_grad = res.grad_fn, res._output_nr, res.requires_grad


def rebase_history(t, res):
    """Make ``t``, just written in place, continue the graph from ``res`` (a graph tensor of
    its new values): ``t.grad_fn`` becomes ``res``'s; when ``t`` is a view, its base becomes
    "itself with the view's region replaced by ``res``" (torch's CopySlices) and ``t`` is
    re-derived from the new base.

    Args:
        t: the tensor written in place.
        res: a tensor of ``t``'s shape whose history the new values have.
    """
    base = t._base
    if base is None:
        _rebase(t, res)
        return
    pos = positions(t, base)
    new_base = S.PutFlat.apply(base, res, pos=pos)
    view = S.GetItem.apply(S.Reshape.apply(new_base, shape=(-1,)), index=pos)
    _rebase(base, new_base)
    _rebase(t, view)


def check_not_leaf(t, op):
    """Raise torch's error for an in-place change (in grad mode) of a leaf that requires grad
    (also one made from a view) or of a view of such a leaf.

    Args:
        t: the tensor about to change in place.
        op: the method's name, for messages.
    """
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an "
                           f"in-place operation.")
    base = t._base
    if base is not None and base.requires_grad and base.grad_fn is None:
        raise RuntimeError(f"{op}: a view of a leaf Variable that requires grad is being "
                           f"used in an in-place operation.")


def inplace(t, fn, op, others=()):
    """Write ``fn(t)`` (a Tensor of t's shape) into ``t``; returns ``t``.

    Args:
        t: the tensor updated in place.
        fn: computes the new values from ``t`` with differentiable ops.
        op: the method's name, for messages.
        others: the other tensor arguments (whether they require grad decides recording;
            one sharing ``t``'s storage is not snapshotted, see the module docstring).
    """
    grad_on = is_grad_enabled()
    base = t._base
    if grad_on:
        check_not_leaf(t, op)
        if base is not None and t.grad_fn is not None and \
                getattr(t.grad_fn.fn, "custom_function", False):
            raise RuntimeError(
                f"{op}: Output {t._output_nr} of {t.grad_fn.fn.__name__} is a view and is "
                f"being modified inplace. This view was created inside a custom Function (or "
                f"because an input was returned as-is) and the autograd logic to handle "
                f"view+inplace would override the custom backward associated with the custom "
                f"Function, leading to incorrect gradients. This behavior is forbidden. You can "
                f"fix this by cloning the output of the custom Function.")
    record = grad_on and (t.requires_grad or (base is not None and base.requires_grad) or any(
        isinstance(o, TensorBase) and o.requires_grad for o in others))
    if not record:
        with no_grad():
            res = fn(t)
        _write(t, res._data, op)
        return t
    with recording_nodes() as nodes:
        res = fn(t)
        if res._data.dtype != t._data.dtype:
            res = cast(res, t._data.dtype)
    if res._data.shape != t._data.shape:
        raise RuntimeError(f"{op}: output with shape {list(t._data.shape)} doesn't match the "
                           f"broadcast shape {list(res._data.shape)}")
    _snapshot_saved(nodes, t, [o for o in others if isinstance(o, TensorBase)
                               and o is not t and o._vc is t._vc])
    _write(t, res._data, op)
    rebase_history(t, res)
    return t



def _alias(t):
    return t._make(t._data, t.requires_grad, t.grad_fn, t._output_nr, t._vc, t._base)


def inplace_method(fn, name):
    """The Tensor method ``name`` that writes ``fn(self, ...)`` into ``self`` (``exp_`` from
    ``exp``); its tensor arguments decide, with ``self``, whether the write is recorded."""
    def method(self, *args, **kwargs):
        # an operand that is ``self`` itself becomes an alias (same values, graph position
        # and version), so what the op saved of it is told apart from what it saved of self
        args = tuple(_alias(a) if a is self else a for a in args)
        kwargs = {k: _alias(a) if a is self else a for k, a in kwargs.items()}
        others = [a for a in args if isinstance(a, TensorBase)]
        others += [a for a in kwargs.values() if isinstance(a, TensorBase)]
        return inplace(self, lambda s: fn(s, *args, **kwargs), name, others)

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = (f"In-place :func:`{fn.__name__}`: writes the result into this tensor "
                      f"(same object, version bumped) and returns it.")
    return method
