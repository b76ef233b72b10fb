"""Distances and normalisation with torch's signatures: normalize, cosine_similarity,
pairwise_distance (op: ``tinyconv.ops.distance.PNorm``, torch's norm gradient rules)."""
import numpy as np

from ..._checks import check_tensor, is_real, normalize_dims
from ..._functions.activation import float_input
from ..._functions.arith import operands
from ...ops import distance as Dst
from ...ops import elementwise as E
from ...ops import reduce as R
from ...ops import shape as S

__all__ = ["normalize", "cosine_similarity", "pairwise_distance"]


def _p(op, p):
    if not is_real(p):
        raise TypeError(f"{op}: p must be a number, got {type(p).__name__}")
    return float(p)


def _plus_const(t, delta):
    """t + delta for a constant array: the value changes, the gradient passes unchanged."""
    return E.Add.apply(t, E.const(t, delta))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``.

    Args:
        input: a float Tensor.
        p: the norm's exponent.
        dim: the dimension normalised (an int or a tuple of ints).
        eps: the smallest denominator.
        out: not supported (must be None).

    Returns:
        Tensor: of ``input``'s shape; each slice along ``dim`` has norm 1 (or less, when its
        norm was below ``eps``).
    """
    op = "normalize"
    if out is not None:
        raise TypeError(f"{op}: out= is not supported")
    x = float_input(op, input)
    axes = normalize_dims(dim, x.ndim, op)
    norm = Dst.PNorm.apply(x, p=_p(op, p), axes=axes, keepdim=True)
    # clamp_min: the gradient passes where norm >= eps, as torch's
    denom = E.Clamp.apply(norm, min=float(eps), max=None)
    return E.Div.apply(x, denom)


def _float_pair(op, x1, x2):
    """x1 and x2 checked, promoted to one floating dtype, with their broadcast shape."""
    check_tensor(op, "x1", x1)
    check_tensor(op, "x2", x2)
    a, b = operands(x1, x2, op)
    a, b = float_input(op, a), float_input(op, b)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"{op}: x1 of shape {tuple(x1.shape)} and x2 of shape "
                           f"{tuple(x2.shape)} do not broadcast") from None
    return a, b, shape


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (torch's formula: each
    normalised by its norm clamped to ``eps`` first, then the dot product).

    Args:
        x1: a Tensor.
        x2: a Tensor broadcastable with ``x1``.
        dim: the dimension of the vectors.
        eps: the smallest norm.

    Returns:
        Tensor: the broadcast shape without ``dim``.
    """
    op = "cosine_similarity"
    a, b, shape = _float_pair(op, x1, x2)
    if a.shape != shape:
        a = S.Expand.apply(a, shape=shape)
    if b.shape != shape:
        b = S.Expand.apply(b, shape=shape)
    axes = normalize_dims(dim, len(shape), op)
    if len(axes) != 1:
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    terms = []
    for t in (a, b):
        n = Dst.PNorm.apply(t, p=2.0, axes=axes, keepdim=True)
        # torch clamps the norms in place under no_grad: the value, not the gradient
        n = _plus_const(n, np.maximum(n._data, eps) - n._data)
        terms.append(E.Div.apply(t, n))
    return R.Sum.apply(E.Mul.apply(*terms), axes=axes, keepdim=False)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dimension.

    Args:
        x1: (N, D) or (D,).
        x2: broadcastable with ``x1``.
        p: the norm's exponent.
        eps: added to the difference (keeps the gradient finite when x1 == x2).
        keepdim: keep the last dimension with size 1.

    Returns:
        Tensor: (N,) (or (N, 1) with keepdim; 0-d for 1-D inputs).
    """
    op = "pairwise_distance"
    a, b, shape = _float_pair(op, x1, x2)
    nd = len(shape)
    d = _plus_const(E.Sub.apply(a, b), np.asarray(eps, dtype=a.dtype))
    if nd == 0:
        return E.Abs.apply(d)
    return Dst.PNorm.apply(d, p=_p(op, p), axes=(nd - 1,), keepdim=bool(keepdim))
