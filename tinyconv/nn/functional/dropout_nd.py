"""Channel and self-normalising dropout with torch's signatures: dropout1d, dropout2d,
dropout3d (whole channels zeroed), alpha_dropout and feature_alpha_dropout (SELU's
mean- and variance-preserving dropout).  Masks come from the package generator
(``tc.manual_seed``); the outputs are ``x * mask * scale (+ shift)`` with constant masks, so
gradients and second derivatives are the ops'."""
import math
import warnings

import numpy as np

from ..._checks import is_real
from ..._functions.activation import float_input
from ..._functions.inplace import inplace as inplace_op
from ..._random import default_rng
from ...ops import elementwise as E

__all__ = ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_ALPHA_PRIME = -_SELU_ALPHA * _SELU_SCALE  # SELU's negative saturation value


def _p(op, p):
    if not is_real(p) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def _masked(op, input, keep_shape, p, inplace, alpha):
    """x * mask / (1 - p) (plain) or the alpha-dropout affine map, mask of ``keep_shape``."""
    x = float_input(op, input)
    if p == 0.0 or x._data.size == 0:
        return x
    keep = default_rng().random(keep_shape) >= p  # broadcast over the rest
    dt = x._data.dtype
    if alpha:
        if p == 1.0:
            a, b = 0.0, 0.0
        else:
            a = 1.0 / math.sqrt((_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
            b = -a * _ALPHA_PRIME * p
        scale = np.broadcast_to(np.where(keep, a, 0.0), x.shape).astype(dt)
        shift = np.broadcast_to(np.where(keep, b, a * _ALPHA_PRIME + b), x.shape).astype(dt)

        def fn(t):
            return E.Add.apply(E.Mul.apply(t, E.const(t, scale)), E.const(t, shift))
    else:
        factor = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
        mask = np.broadcast_to(keep * factor, x.shape).astype(dt)

        def fn(t):
            return E.Mul.apply(t, E.const(t, mask))
    return inplace_op(x, fn, op + "_") if inplace else fn(x)


def _channels(op, input, n):
    """The mask shape zeroing whole channels of an (N, C, *n) or (C, *n) input."""
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{op}: Expected {n + 1}D or {n + 2}D input, but received a "
                           f"{input.ndim}D input. Note that {op} exists to provide channel-wise "
                           f"dropout on inputs with {n} spatial dimension(s)")
    lead = input.shape[:input.ndim - n]
    return tuple(lead) + (1,) * n


def _channel_dropout(op, n, input, p, training, inplace):
    p = _p(op, p)
    x = float_input(op, input)
    if not training:
        return x
    return _masked(op, x, _channels(op, x, n), p, inplace, False)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) inputs with probability ``p`` (scaling the rest).

    Args:
        input: (N, C, L) or (C, L).
        p: the drop probability.
        training: apply dropout (otherwise the identity).
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _channel_dropout("dropout1d", 1, input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) inputs with probability ``p`` (scaling the rest).

    Args:
        input: (N, C, H, W) or (C, H, W).
        p: the drop probability.
        training: apply dropout (otherwise the identity).
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    op = "dropout2d"
    x = float_input(op, input)  # checked before its shape is read
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-"
                      "wise 1D dropout behavior is desired - input is interpreted as shape "
                      "(N, C, L), where C is the channel dim. This behavior will change in a "
                      "future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      UserWarning, stacklevel=2)
        return _channel_dropout(op, 1, input, p, training, inplace)
    return _channel_dropout(op, 2, input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) inputs with probability ``p``.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        p: the drop probability.
        training: apply dropout (otherwise the identity).
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _channel_dropout("dropout3d", 3, input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped elements take SELU's saturation value and an affine
    map keeps the mean and variance.

    Args:
        input: a float Tensor.
        p: the drop probability.
        training: apply dropout (otherwise the identity).
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    p = _p("alpha_dropout", p)
    x = float_input("alpha_dropout", input)
    if not training:
        return x
    return _masked("alpha_dropout", x, x.shape, p, inplace, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (dim 1).

    Args:
        input: (N, C, *) float Tensor.
        p: the drop probability.
        training: apply dropout (otherwise the identity).
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    op = "feature_alpha_dropout"
    p = _p(op, p)
    x = float_input(op, input)
    if not training:
        return x
    if x.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the "
                           f"input, got shape {tuple(x.shape)}")
    return _masked(op, x, x.shape[:2] + (1,) * (x.ndim - 2), p, inplace, True)
