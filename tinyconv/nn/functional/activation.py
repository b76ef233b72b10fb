"""Activations, dropout and gumbel_softmax with torch's signatures (ops:
``tinyconv.ops.activation``).

relu, sigmoid, tanh, softmax and log_softmax are the core functions of
``tinyconv._functions.activation`` (also Tensor methods), re-exported here as torch does.
"""
import warnings

import numpy as np

from ..._checks import check_dim, check_tensor, is_real
from ..._functions import argmax, scatter
from ..._functions.activation import float_input, log_softmax, relu_, sigmoid, softmax, tanh
from ..._functions.activation import relu as core_relu
from ..._functions.inplace import inplace as inplace_op
from ..._random import default_rng
from ...ops import activation as A

__all__ = ["relu", "leaky_relu", "gelu", "sigmoid", "tanh", "softmax", "log_softmax",
           "dropout", "gumbel_softmax"]


def relu(input, inplace=False):
    """max(input, 0), elementwise.

    Args:
        input: any tensor.
        inplace: overwrite ``input`` (recorded for backward as torch's in-place ops are; a
            leaf that requires grad refuses it in grad mode).

    Returns:
        A tensor of input's shape and dtype.
    """
    return relu_(input) if inplace else core_relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input where input > 0, else negative_slope * input.

    Args:
        input: float tensor.
        negative_slope: slope for negative inputs.
        inplace: as in ``relu``.

    Returns:
        A tensor of input's shape and dtype.
    """
    input = float_input("leaky_relu", input)
    slope = float(negative_slope)
    if slope != slope:
        raise ValueError("leaky_relu: negative_slope must not be NaN")
    if inplace:
        return inplace_op(input, lambda s: A.LeakyReLU.apply(s, negative_slope=slope),
                          "leaky_relu_")
    return A.LeakyReLU.apply(input, negative_slope=slope)


def gelu(input, approximate="none"):
    """Gaussian error linear unit: input * Phi(input).

    Args:
        input: float tensor.
        approximate: 'none' (exact, with erf) or 'tanh' (torch's tanh approximation).

    Returns:
        A tensor of input's shape and dtype.
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either 'none' or 'tanh', got "
                           f"{approximate!r}")
    return A.GELU.apply(float_input("gelu", input), approximate=approximate)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (when training).

    Args:
        input: float tensor.
        p: drop probability in [0, 1].
        training: apply dropout; otherwise return ``input`` unchanged.
        inplace: as in ``relu``.

    Returns:
        A tensor of input's shape and dtype; the mask comes from the package RNG
        (``tc.manual_seed``).
    """
    if not is_real(p) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: dropout probability has to be between 0 and 1, but got {p}")
    input = float_input("dropout", input)
    if not training or p == 0.0 or input._data.size == 0:
        return input
    rng = default_rng()
    if inplace:
        return inplace_op(input, lambda s: A.Dropout.apply(s, p=float(p), rng=rng), "dropout_")
    return A.Dropout.apply(input, p=float(p), rng=rng)


def _exponential_draws(logits):
    """Exponential(1) draws of ``logits``' shape and dtype from the package RNG (an array):
    the Gumbel noise is ``-log`` of them, as torch's."""
    dt = logits._data.dtype
    e = default_rng().standard_exponential(logits.shape).astype(dt)
    return np.maximum(e, np.finfo(dt).tiny)  # a draw of 0 would give an infinite noise


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A sample of the Gumbel-softmax (concrete) distribution: ``softmax((logits + g) / tau)``
    with standard Gumbel noise ``g``, optionally made one-hot with a straight-through
    gradient.

    Args:
        logits: a float Tensor of unnormalised log-probabilities.
        tau: the temperature (> 0; smaller is closer to one-hot).
        hard: return the one-hot vector of each sample's largest entry, whose gradient is the
            soft sample's (``y_hard - y_soft.detach() + y_soft``).
        eps: deprecated and unused (a value other than 1e-10 warns, as torch).
        dim: the dimension the categories lie along.

    Returns:
        Tensor: of ``logits``' shape and dtype, summing to 1 along ``dim``.  The noise comes
        from the package RNG (``tc.manual_seed``): the same distribution as torch's, not the
        same draws.

    Examples:
        >>> import tinyconv as tc
        >>> import tinyconv.nn.functional as F
        >>> y = F.gumbel_softmax(tc.randn(4, 3), tau=0.5, hard=True)
        >>> y.sum(dim=-1)
        tensor([1., 1., 1., 1.])
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning,
                      stacklevel=2)
    check_tensor("gumbel_softmax", "logits", logits)
    if logits._data.dtype.kind != "f":
        raise RuntimeError(f"gumbel_softmax: logits must be a floating point tensor (the "
                           f"Gumbel noise is continuous), got {logits.dtype}")
    d = check_dim(dim, logits.ndim, "gumbel_softmax")
    noise = logits._make(-np.log(_exponential_draws(logits)), False, None)
    y_soft = softmax((logits + noise) / tau, d)
    if not hard:
        return y_soft
    index = argmax(y_soft.detach(), d, keepdim=True)
    y_hard = scatter(y_soft.detach() * 0.0, d, index, 1.0)  # one-hot of the largest
    return y_hard - y_soft.detach() + y_soft
