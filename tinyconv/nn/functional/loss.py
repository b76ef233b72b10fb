"""Losses with torch's signatures and reductions (ops: ``tinyconv.ops.loss`` and
``tinyconv.ops.pointwise_loss``)."""
import warnings

import numpy as np

from ..._checks import check_tensor
from ..._docstrings import shared_docs
from ..._engine import is_grad_enabled, same_version
from ...ops import elementwise as E
from ...ops import loss as L
from ...ops import pointwise_loss as PL

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
           "binary_cross_entropy_with_logits"]


# Argument descriptions the losses' docstrings share, functions and modules alike (a docstring
# line ``{name}``).
REDUCTION_DOCS = {
    "legacy": "size_average: deprecated, as in torch.\nreduce: deprecated, as in torch.",
    "reduction": "reduction: 'none' | 'mean' | 'sum'.",
}
REDUCTION_DOCS["reductions"] = REDUCTION_DOCS["legacy"] + "\n" + REDUCTION_DOCS["reduction"]


def legacy_reduction(size_average, reduce, stacklevel):
    """The reduction that torch's deprecated ``size_average``/``reduce`` pair stands for (None
    counts as True), with torch's deprecation warning ``stacklevel`` frames up."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", UserWarning, stacklevel=stacklevel + 1)
    return reduction


def _reduction_arg(op, size_average, reduce, reduction):
    """torch's reduction argument, including the deprecated size_average/reduce pair."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, stacklevel=3)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction (expected "
                         f"'none', 'mean' or 'sum')")
    return reduction


def _class_target(op, input, target, ignore_index):
    """Validate class-index targets against input (N, C, *) or (C,); return int64 data."""
    shape, tshape = tuple(input.shape), tuple(target.shape)
    if input.ndim == 0:
        raise RuntimeError(f"{op}: input must have at least 1 dim (C,) or (N, C, *), got a "
                           f"0-d input")
    if target.dtype != np.int64 and target.dtype != np.uint8:
        raise RuntimeError(f"{op}: expected target dtype to be int64 (or uint8) class indices, "
                           f"but got {target.dtype} (input shape {shape}, target shape "
                           f"{tshape})")
    if input.ndim == 1:
        if target.ndim != 0:
            raise RuntimeError(f"{op}: input of shape {shape} (C,) expects a 0-d target, but "
                               f"got target of shape {tshape}")
    elif target.ndim == 0 or tshape[0] != shape[0]:
        raise ValueError(f"{op}: expected input batch_size ({shape[0]}) to match target "
                         f"batch_size ({tshape[0] if target.ndim else 'a 0-d target'}): input "
                         f"shape {shape}, target shape {tshape}")
    elif tshape[1:] != shape[2:]:
        raise RuntimeError(f"{op}: expected target of shape {(shape[0],) + shape[2:]} for input "
                           f"of shape {shape}, but got target of shape {tshape}")
    t = target._data.astype(np.int64, copy=False)
    C = shape[1] if input.ndim > 1 else shape[0]
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"{op}: argument 'ignore_index' must be int, not "
                        f"{type(ignore_index).__name__}")
    ignore = int(ignore_index)
    if t.size and t.view(np.uint64).max() >= C:  # negatives wrap to huge values
        bad = t[((t < 0) | (t >= C)) & (t != ignore)]
        if bad.size:
            raise IndexError(f"{op}: target {int(bad.flat[0])} is out of bounds for {C} classes "
                             f"(input shape {shape}, target shape {tshape}, "
                             f"ignore_index={ignore_index})")
    elif not 0 <= ignore < C:
        ignore = None  # every target is a class in range: nothing can be ignored
    return same_version(target, t), ignore


def _class_weight(op, weight, input):
    if weight is None:
        return None
    check_tensor(op, "weight", weight)
    C = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight.ndim != 1 or weight.shape[0] != C:
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {C} classes "
                           f"or no classes, but got weight tensor of shape {tuple(weight.shape)} "
                           f"(input shape {tuple(input.shape)})")
    if weight.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op}: the loss is not differentiable with respect to 'weight'; "
                           f"this input cannot have requires_grad=True")
    return same_version(weight, weight._data.astype(input.dtype, copy=False))


@shared_docs(REDUCTION_DOCS)
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy between logits and class indices (or class probabilities).

    Fuses log-softmax and NLL with a stable backward (softmax - one-hot), finite for any
    finite logits.

    Args:
        input: logits (N, C), (N, C, d1, ...) or (C,).
        target: int64 class indices (N,), (N, d1, ...) or () -- or float class probabilities
            of input's shape.
        weight: optional (C,) class weights (not differentiable).
        {legacy}
        ignore_index: class-index targets equal to it add nothing (and are not counted by
            'mean').
        reduction: 'none' | 'mean' | 'sum'.  'mean' divides by the summed weights of the
            counted targets (the batch size for probability targets).
        label_smoothing: in [0, 1]; mixes the target with the uniform distribution.

    Returns:
        The loss: a 0-d tensor, or target's shape (batch shape) with reduction='none'.
    """
    op = "cross_entropy"
    check_tensor(op, "input", input)
    check_tensor(op, "target", target)
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating point logits, got {input.dtype}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"{op}: label_smoothing must be between 0.0 and 1.0, got "
                           f"{label_smoothing}")
    w = _class_weight(op, weight, input)
    if input.ndim >= 1 and target.shape == input.shape:
        if target.dtype.kind != "f":
            raise RuntimeError(f"{op}: expected a floating point target for class "
                               f"probabilities (target shape equals input shape "
                               f"{tuple(input.shape)}), got {target.dtype}")
        if target.dtype != input.dtype:
            target = target.to(input.dtype)
        if label_smoothing > 0.0:
            # torch's smoothing, with tensor operations: the loss then keeps the smoothed copy
            # (writing into target after forward is allowed, as in torch)
            C = input.shape[1] if input.ndim > 1 else input.shape[0]
            target = target * (1.0 - float(label_smoothing)) + float(label_smoothing) / C
        return L.CrossEntropyProbs.apply(input, target, weight=w, reduction=reduction)[0]
    t, ignore = _class_target(op, input, target, ignore_index)
    return L.CrossEntropy.apply(input, target=t, weight=w, ignore_index=ignore,
                                reduction=reduction, label_smoothing=float(label_smoothing))[0]


@shared_docs(REDUCTION_DOCS)
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class indices given log-probabilities.

    Args:
        input: log-probabilities (N, C), (N, C, d1, ...) or (C,).
        target: int64 class indices (N,), (N, d1, ...) or ().
        weight: optional (C,) class weights (not differentiable).
        {legacy}
        ignore_index: targets equal to it add nothing and are not counted by 'mean'.
        reduction: 'none' | 'mean' (divides by the summed weights of counted targets) | 'sum'.

    Returns:
        The loss: a 0-d tensor, or target's shape with reduction='none'.
    """
    op = "nll_loss"
    check_tensor(op, "input", input)
    check_tensor(op, "target", target)
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating point input, got {input.dtype}")
    w = _class_weight(op, weight, input)
    t, ignore = _class_target(op, input, target, ignore_index)
    return L.NLLLoss.apply(input, target=t, weight=w, ignore_index=ignore,
                               reduction=reduction)


def _pointwise_args(op, input, target, size_average, reduce, reduction):
    check_tensor(op, "input", input)
    check_tensor(op, "target", target)
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype}")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    if target.shape != input.shape:
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise RuntimeError(f"{op}: target of shape {tuple(target.shape)} cannot be broadcast "
                               f"to input of shape {tuple(input.shape)}") from None
        warnings.warn(f"Using a target size ({tuple(target.shape)}) that is different to the "
                       f"input size ({tuple(input.shape)}). This will likely lead to incorrect "
                       f"results due to broadcasting. Please ensure they have the same size.",
                       UserWarning, stacklevel=3)
    return target, reduction


def _check_weight(op, weight, input):
    check_tensor(op, "weight", weight)
    if weight.shape != input.shape:
        raise ValueError(f"{op}: weights and input must have the same size, got weight of "
                         f"shape {tuple(weight.shape)} and input of shape {tuple(input.shape)}")


def _weighted(lw, reduction, weight):
    """torch's weighted pointwise loss from the weighted per-element losses ``lw``:
    sum(lw) / sum(weight) for 'mean'."""
    if reduction == "none":
        return lw
    if reduction == "sum":
        return lw.sum()
    return lw.sum() / weight.sum()


def _l1(input, target, reduction, weight=None):
    """torch's l1_loss, |input - target|: the loss op gets the difference (and keeps it), so
    writing into input or target after forward does not affect backward, as in torch.
    (Checked already: the subtraction op directly, without the public function's checks.)"""
    d = E.Sub.apply(input, target)
    if weight is None:
        return PL.L1Loss.apply(d, reduction=reduction)
    return _weighted(PL.L1Loss.apply(d, reduction="none") * weight, reduction, weight)


@shared_docs(REDUCTION_DOCS)
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (input - target)^2, optionally weighted per element.

    Args:
        input: float tensor.
        target: tensor broadcastable to input (a warning is raised when shapes differ).
        {reductions}
        weight: optional per-element weights of input's shape ('mean' divides by their sum).

    Returns:
        The loss: 0-d, or the broadcast shape with reduction='none'.
    """
    target, reduction = _pointwise_args("mse_loss", input, target, size_average, reduce,
                                        reduction)
    if weight is None:
        return PL.MSELoss.apply(input, target, reduction=reduction)
    _check_weight("mse_loss", weight, input)
    # torch's weighted form, of tensor operations: (input - target)^2 * weight, whose
    # backward keeps the difference (and the weight), not input and target
    return _weighted((input - target).pow(2) * weight, reduction, weight)


@shared_docs(REDUCTION_DOCS)
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error |input - target|, optionally weighted per element.

    Args:
        input: float tensor.
        target: tensor broadcastable to input (a warning is raised when shapes differ).
        {reductions}
        weight: optional per-element weights of input's shape ('mean' divides by their sum).

    Returns:
        The loss: 0-d, or the broadcast shape with reduction='none'.
    """
    target, reduction = _pointwise_args("l1_loss", input, target, size_average, reduce,
                                        reduction)
    if weight is not None:
        _check_weight("l1_loss", weight, input)
    return _l1(input, target, reduction, weight)


@shared_docs(REDUCTION_DOCS)
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Huber-style loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target).

    Args:
        input: float tensor.
        target: tensor broadcastable to input.
        {reductions}
        beta: the threshold (>= 0; 0 gives the L1 loss, computed as ``l1_loss``, as torch's).

    Returns:
        The loss: 0-d, or the broadcast shape with reduction='none'.
    """
    target, reduction = _pointwise_args("smooth_l1_loss", input, target, size_average, reduce,
                                        reduction)
    if not beta >= 0:
        raise RuntimeError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0.0:
        return _l1(input, target, reduction)
    return PL.SmoothL1Loss.apply(input, target, reduction=reduction, beta=float(beta))


@shared_docs(REDUCTION_DOCS)
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross entropy of sigmoid(input) against target, computed from logits stably.

    Args:
        input: logits, float tensor.
        target: probabilities of input's shape.
        weight: optional weights broadcastable to input (not differentiable).
        {reductions}
        pos_weight: optional weight of positive examples, broadcastable to input (usually
            (C,) for input (N, C); not differentiable).

    Returns:
        The loss: 0-d, or input's shape with reduction='none'.
    """
    op = "binary_cross_entropy_with_logits"
    check_tensor(op, "input", input)
    check_tensor(op, "target", target)
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating point logits, got {input.dtype}")
    if target.shape != input.shape:
        raise ValueError(f"{op}: target size {tuple(target.shape)} must be the same as input "
                         f"size {tuple(input.shape)}")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    consts = {}
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is None:
            consts[name] = None
            continue
        check_tensor(op, name, t)
        try:
            if np.broadcast_shapes(t.shape, input.shape) != tuple(input.shape):
                raise ValueError
        except ValueError:
            raise RuntimeError(f"{op}: {name} of shape {tuple(t.shape)} cannot be broadcast to "
                               f"input of shape {tuple(input.shape)}") from None
        if t.requires_grad and is_grad_enabled():
            raise RuntimeError(f"{op}: the loss is not differentiable with respect to "
                               f"'{name}'; this input cannot have requires_grad=True")
        consts[name] = same_version(t, t._data.astype(input.dtype, copy=False))
    return PL.BCEWithLogits.apply(input, target, reduction=reduction, **consts)
