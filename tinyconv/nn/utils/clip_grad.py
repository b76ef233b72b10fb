"""Gradient clipping (clip_grad_norm_, clip_grad_value_) and the flat view of parameters
(parameters_to_vector, vector_to_parameters)."""
import math

import numpy as np

from ..._functions.shape import cat
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale gradients in place so that their total norm is at most ``max_norm``.

    The total norm is the norm of the per-parameter gradient norms (as if all gradients were
    concatenated); gradients are multiplied by min(1, max_norm / (total_norm + 1e-6)).

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``.grad`` is clipped.
        max_norm: the largest allowed total norm.
        norm_type: p of the p-norm ('inf' or math.inf for the max norm).
        error_if_nonfinite: raise if the total norm is nan or inf.
        foreach: accepted for torch compatibility (ignored).

    Returns:
        the total norm before clipping, a 0-d Tensor.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(np.zeros((), dtype=np.float32), False, None)
    dt = grads[0]._data.dtype
    if norm_type == math.inf:
        norms = [np.max(np.abs(g._data)).astype(dt) if g._data.size else np.zeros((), dt)
                 for g in grads]
        total = np.max(np.stack(norms))
    else:
        norms = [np.linalg.norm(g._data.ravel(), norm_type).astype(dt) for g in grads]
        total = np.linalg.norm(np.stack(norms), norm_type).astype(dt)
    total = np.asarray(total, dtype=dt)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite, so it cannot be clipped. To disable this error and scale the "
            f"gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = np.asarray(max_norm, dtype=dt) / (total + np.asarray(1e-6, dtype=dt))
    coef = np.minimum(coef, np.asarray(1.0, dtype=dt))
    for g in grads:
        g._data *= coef.astype(g._data.dtype, copy=False)
    return Tensor._make(total, False, None)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient in place to [-clip_value, clip_value].

    Args:
        parameters: a Tensor or an iterable of Tensors.
        clip_value: the bound (positive).
        foreach: accepted for torch compatibility (ignored).
    """
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated into one vector (differentiable, as torch).

    Args:
        parameters: an iterable of Tensors (e.g. ``model.parameters()``).

    Returns:
        a 1-D Tensor of their total number of elements.
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into ``parameters`` (the inverse of
    ``parameters_to_vector``), without recording a graph.

    Args:
        vec: a 1-D Tensor with as many elements as the parameters hold.
        parameters: an iterable of Tensors, filled in order.

    Raises:
        TypeError: ``vec`` is not a Tensor.
        RuntimeError: ``vec`` is too short for the parameters.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    flat = vec._data.reshape(-1)
    params = list(parameters)
    total = sum(p._data.size for p in params)
    if total > flat.size:
        raise RuntimeError(f"vector_to_parameters: the vector has {flat.size} elements but the "
                           f"parameters need {total}")
    pointer = 0
    for p in params:
        n = p._data.size
        p._data[...] = flat[pointer:pointer + n].reshape(p._data.shape)
        pointer += n
