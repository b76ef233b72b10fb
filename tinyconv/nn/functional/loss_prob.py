"""Likelihood and regression losses with torch's signatures: binary_cross_entropy, kl_div,
huber_loss, poisson_nll_loss, gaussian_nll_loss, soft_margin_loss,
multilabel_soft_margin_loss.

Each is written with differentiable ops following torch's formula (so gradients and second
derivatives are torch's), then reduced: 'none', 'mean' or 'sum' (and 'batchmean' for
kl_div).  The deprecated ``size_average``/``reduce`` pair is accepted, as in torch.
"""
import math
import warnings

import numpy as np

from ..._checks import check_tensor, is_real
from ..._docstrings import shared_docs
from ...ops import elementwise as E
from ...ops import loss_terms as LT
from ...ops import nonlinear as N
from .loss import REDUCTION_DOCS, _reduction_arg
from .nonlinear import logsigmoid

__all__ = ["binary_cross_entropy", "kl_div", "huber_loss", "poisson_nll_loss",
           "gaussian_nll_loss", "soft_margin_loss", "multilabel_soft_margin_loss"]


def reduce_loss(loss, reduction):
    """``loss`` reduced by 'mean', 'sum' or 'none' (validated by the caller)."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def loss_pair(op, input, target, same_shape=True):
    """input and target Tensors, target in input's float dtype, shapes checked."""
    check_tensor(op, "input", input)
    check_tensor(op, "target", target)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype}")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    if same_shape and tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{op}: Using a target size ({tuple(target.shape)}) that is different "
                         f"to the input size ({tuple(input.shape)}) is deprecated. Please "
                         f"ensure they have the same size.")
    return target


def _constant(t, delta):
    """t + delta for a constant array: the value changes, the gradient passes unchanged."""
    return E.Add.apply(t, E.const(t, delta))


@shared_docs(REDUCTION_DOCS)
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross entropy of probabilities: ``-(t log x + (1 - t) log(1 - x))``.

    Args:
        input: probabilities in [0, 1].
        target: targets of input's shape (in [0, 1]).
        weight: optional weights broadcastable to input.
        {reductions}

    Returns:
        Tensor: 0-d, or input's shape with reduction='none'.  The log terms are clamped at
        -100, so the loss is finite at 0 and 1, as torch's.
    """
    op = "binary_cross_entropy"
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    target = loss_pair(op, input, target)
    x = input._data
    if x.size and (np.nanmin(x) < 0 or np.nanmax(x) > 1):
        raise RuntimeError(f"{op}: all elements of input should be between 0 and 1")
    loss = LT.BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        check_tensor(op, "weight", weight)
        try:
            np.broadcast_shapes(weight.shape, input.shape)
        except ValueError:
            raise RuntimeError(f"{op}: weight of shape {tuple(weight.shape)} cannot be "
                               f"broadcast to input of shape {tuple(input.shape)}") from None
        loss = loss * weight.to(input.dtype)
    return reduce_loss(loss, reduction)


@shared_docs(REDUCTION_DOCS)
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence ``target * (log target - input)``, input in log space.

    Args:
        input: log-probabilities.
        target: probabilities (or log-probabilities with ``log_target``), broadcastable.
        {legacy}
        reduction: 'none' | 'batchmean' (sum / batch size, the mathematical KL) | 'sum' |
            'mean' (over every element; torch warns that it is not the KL divergence).
        log_target: ``target`` holds log-probabilities.

    Returns:
        Tensor: 0-d, or the broadcast shape with reduction='none'.  A zero target adds 0.
    """
    op = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = _reduction_arg(op, size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                      "the support size.'batchmean' divides only by the batch size, and "
                      "aligns with the KL div math definition.'mean' will be changed to "
                      "behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction")
    target = loss_pair(op, input, target, same_shape=False)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        t = target._data
        zero = t == 0
        # xlogy(t, t): 0 where t == 0 (its log taken of 1 there, so no NaN appears)
        safe = E.Where.apply(E.const(target, 1.0), target, cond=zero) if zero.any() else target
        loss = target * safe.log() - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return reduce_loss(loss, reduction)


@shared_docs(REDUCTION_DOCS)
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Huber loss: ``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``.

    Args:
        input: a float Tensor.
        target: of input's shape.
        {reduction}
        delta: where the loss turns from quadratic to linear (> 0).
        weight: optional per-element weights ('mean' still divides by the number of
            elements, as torch's).

    Returns:
        Tensor: 0-d, or input's shape with reduction='none'.
    """
    op = "huber_loss"
    reduction = _reduction_arg(op, None, None, reduction)
    target = loss_pair(op, input, target, same_shape=False)
    if not is_real(delta) or delta <= 0:
        raise RuntimeError(f"{op}: huber_loss does not support non-positive values for delta, "
                           f"got delta={delta}")
    d = input - target
    a = d.abs()
    quad = d * d * 0.5
    lin = (a - 0.5 * delta) * float(delta)
    loss = E.Where.apply(quad, lin, cond=np.broadcast_to(a._data < delta, quad.shape))
    if weight is not None:
        loss = loss * weight
    return reduce_loss(loss, reduction)


@shared_docs(REDUCTION_DOCS)
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss ``log(1 + exp(-target * input))`` (targets +-1).

    Args:
        input: a float Tensor.
        target: +1 / -1 of input's shape.
        {reductions}

    Returns:
        Tensor: 0-d, or input's shape with reduction='none'.
    """
    op = "soft_margin_loss"
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    target = loss_pair(op, input, target)
    z = -target * input
    loss = N.Softplus.apply(z, beta=1.0, threshold=math.inf)
    return reduce_loss(loss, reduction)


@shared_docs(REDUCTION_DOCS)
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """One-vs-all logistic loss over C independent labels, averaged over the labels.

    Args:
        input: (N, C) or (C,) logits.
        target: 0/1 labels of input's shape.
        weight: optional (C,) class weights.
        {reductions}

    Returns:
        Tensor: 0-d, or (N,) with reduction='none'.
    """
    op = "multilabel_soft_margin_loss"
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    target = loss_pair(op, input, target)
    loss = -(target * logsigmoid(input) + (1.0 - target) * logsigmoid(-input))
    if weight is not None:
        check_tensor(op, "weight", weight)
        loss = loss * weight
    C = input.shape[-1] if input.ndim else 1
    loss = loss.sum(dim=input.ndim - 1 if input.ndim else None) / float(C)
    return reduce_loss(loss, reduction)


@shared_docs(REDUCTION_DOCS)
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Negative log-likelihood of a Poisson target: ``exp(input) - target * input`` (or
    ``input - target * log(input + eps)`` without ``log_input``).

    Args:
        input: the rate's log (``log_input``) or the rate.
        target: counts, broadcastable to input.
        log_input: ``input`` is the log of the rate.
        full: add Stirling's approximation of ``log(target!)`` (for target > 1).
        size_average: deprecated, as in torch.
        eps: added to the rate before its log (``log_input=False``).
        reduce: deprecated, as in torch.
        {reduction}

    Returns:
        Tensor: 0-d, or the broadcast shape with reduction='none'.
    """
    op = "poisson_nll_loss"
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    target = loss_pair(op, input, target, same_shape=False)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + float(eps)).log()
    if full:
        # Stirling's term where target > 1 (its log taken of 1 elsewhere: no NaN appears)
        big = target._data > 1
        ts = E.Where.apply(target, E.const(target, 1.0), cond=big)
        term = ts * ts.log() - ts + (ts * (2 * math.pi)).log() * 0.5
        loss = loss + E.Where.apply(term, E.const(term, 0.0), cond=big)
    return reduce_loss(loss, reduction)


@shared_docs(REDUCTION_DOCS)
def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of a Gaussian: ``0.5 (log var + (input - target)^2 / var)``.

    Args:
        input: the predicted means.
        target: the observations, of input's shape.
        var: the predicted variances: input's shape, or with one dimension fewer or a last
            dimension of 1 (one variance for several outputs), or a float.
        full: add the constant ``0.5 log(2 pi)``.
        eps: variances are clamped to at least ``eps`` (the value; the gradient passes).
        {reduction}

    Returns:
        Tensor: 0-d, or input's shape with reduction='none'.
    """
    op = "gaussian_nll_loss"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction")
    check_tensor(op, "input", input)
    check_tensor(op, "target", target)
    if is_real(var):
        var = input._make(np.full(input.shape, float(var), dtype=input.dtype), False, None)
    check_tensor(op, "var", var)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError(f"{op}: var is of incorrect size (var shape {tuple(var.shape)}, "
                             f"input shape {tuple(input.shape)})")
    if np.any(var._data < 0):
        raise ValueError(f"{op}: var has negative entry/entries")
    # torch clamps a copy of var in place under no_grad: the value, not the gradient
    var = _constant(var, np.maximum(var._data, eps) - var._data)
    d = input - target
    loss = (var.log() + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)
