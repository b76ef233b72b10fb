"""Margin and embedding losses with torch's signatures: margin_ranking_loss,
hinge_embedding_loss, multi_margin_loss (the multi-class SVM loss), multilabel_margin_loss,
cosine_embedding_loss, triplet_margin_loss.

Written with differentiable ops after torch's formulas; hinges are ``clamp(min=0)``, whose
gradient passes at the hinge itself, as torch's ``clamp_min`` does.
"""
import numpy as np

from ..._checks import check_tensor, is_real
from ..._docstrings import shared_docs
from ...ops import elementwise as E
from ...ops import shape as S
from .distance import pairwise_distance
from .loss import REDUCTION_DOCS, _reduction_arg
from .loss_prob import loss_pair, reduce_loss

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "multi_margin_loss",
           "multilabel_margin_loss", "cosine_embedding_loss", "triplet_margin_loss"]

_EPSILON = 1e-12  # torch's cosine_embedding_loss guard


def _hinge(t):
    return t.clamp(min=0.0)


def _where(cond, a, b):
    """a where the boolean array ``cond``, else b (a and b Tensors or numbers)."""
    like = a if hasattr(a, "_data") else b
    if not hasattr(a, "_data"):
        a = E.const(like, np.full(like.shape, a, like.dtype))
    if not hasattr(b, "_data"):
        b = E.const(like, np.full(like.shape, b, like.dtype))
    return E.Where.apply(a, b, cond=np.broadcast_to(cond, np.broadcast_shapes(a.shape,
                                                                              b.shape)))


@shared_docs(REDUCTION_DOCS)
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``: ranks input1 above input2 where
    target is 1 (below where -1).

    Args:
        input1: scores (N,) or ().
        input2: scores of input1's shape.
        target: +1 / -1 of input1's shape.
        margin: the required gap.
        {reductions}

    Returns:
        Tensor: 0-d, or (N,) with reduction='none'.
    """
    op = "margin_ranking_loss"
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    check_tensor(op, "input2", input2)
    target = loss_pair(op, input1, target, same_shape=False)
    if not (input1.ndim == input2.ndim == target.ndim):
        raise RuntimeError(f"{op}: margin_ranking_loss : All input tensors should have same "
                           f"dimension but got sizes: input1: {tuple(input1.shape)}, input2: "
                           f"{tuple(input2.shape)}, target: {tuple(target.shape)} ")
    return reduce_loss(_hinge(-target * (input1 - input2) + float(margin)), reduction)


@shared_docs(REDUCTION_DOCS)
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """``input`` where target is 1, ``max(0, margin - input)`` where target is -1 (input is
    usually a distance).

    Args:
        input: a float Tensor.
        target: +1 / -1 of input's shape.
        margin: the margin for dissimilar pairs.
        {reductions}

    Returns:
        Tensor: 0-d, or input's shape with reduction='none'.
    """
    op = "hinge_embedding_loss"
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    target = loss_pair(op, input, target, same_shape=False)
    t = target._data
    margin_part = _where(t != 1, _hinge(float(margin) - input), 0.0)
    self_part = _where(t != -1, input, 0.0)
    return reduce_loss(margin_part + self_part, reduction)


def _class_targets(op, input, target):
    check_tensor(op, "target", target)
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected an integer target of class indices, got "
                           f"{target.dtype}")
    N = input.shape[0] if input.ndim == 2 else 1
    C = input.shape[-1]
    t = target._data.reshape(-1).astype(np.int64)
    if t.shape[0] != N:
        raise RuntimeError(f"{op}: inconsistent target size: {tuple(target.shape)} for input "
                           f"of size: {tuple(input.shape)}")
    if t.size and (t.min() < 0 or t.max() >= C):
        raise IndexError(f"{op}: target {int(t[(t < 0) | (t >= C)][0])} is out of bounds for "
                         f"{C} classes (input shape {tuple(input.shape)})")
    return t, N, C


@shared_docs(REDUCTION_DOCS)
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge (SVM) loss: ``sum_{j != y} max(0, margin - x[y] + x[j])^p / C``.

    Args:
        input: scores (N, C) or (C,).
        target: class indices (N,) or ().
        p: 1 or 2.
        margin: the required gap between the true class's score and the others'.
        weight: optional (C,) class weights, multiplying each term by the true class's weight.
        {reductions}

    Returns:
        Tensor: 0-d, or (N,) (() for a 1-D input) with reduction='none'.
    """
    op = "multi_margin_loss"
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    check_tensor(op, "input", input)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    if input.ndim not in (1, 2) or input.shape[-1] == 0:
        raise RuntimeError(f"{op}: Expected non-empty vector or matrix with optional 0-dim "
                           f"batch size, but got: {tuple(input.shape)}")
    t, N, C = _class_targets(op, input, target)
    x = input if input.ndim == 2 else S.Reshape.apply(input, shape=(1, C))
    rows = np.arange(N)
    xy = S.Reshape.apply(S.GetItem.apply(x, index=(rows, t)), shape=(N, 1))
    z = _hinge(float(margin) - xy + x)
    if p == 2:
        z = z * z
    z = _where(np.arange(C)[None, :] != t[:, None], z, 0.0)
    if weight is not None:
        check_tensor(op, "weight", weight)
        z = z * E.const(z, weight._data.astype(z.dtype)[t][:, None])
    loss = z.sum(1) / float(C)
    if input.ndim == 1:
        loss = loss.reshape(())
    return reduce_loss(loss, reduction)


@shared_docs(REDUCTION_DOCS)
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: ``sum_{j in y, k not in y} max(0, 1 - (x[j] - x[k])) / C``.

    Args:
        input: scores (N, C) or (C,).
        target: int64 of input's shape: each row's labels, then -1 (the rest is ignored).
        {reductions}

    Returns:
        Tensor: 0-d, or (N,) with reduction='none'.
    """
    op = "multilabel_margin_loss"
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    check_tensor(op, "input", input)
    check_tensor(op, "target", target)
    if tuple(target.shape) != tuple(input.shape) or input.ndim not in (1, 2):
        raise RuntimeError(f"{op}: inconsistent target size: {tuple(target.shape)} for input "
                           f"of size: {tuple(input.shape)}")
    C = input.shape[-1]
    x = input if input.ndim == 2 else S.Reshape.apply(input, shape=(1, C))
    tg = target._data.reshape(x.shape).astype(np.int64)
    N = x.shape[0]
    is_target = np.zeros((N, C), dtype=bool)
    for i in range(N):
        for v in tg[i]:
            if v < 0:
                break
            if v >= C:
                raise IndexError(f"{op}: target {int(v)} is out of bounds for {C} classes")
            is_target[i, v] = True
    pairs = is_target[:, :, None] & ~is_target[:, None, :]  # (N, j, k)
    xj = S.Reshape.apply(x, shape=(N, C, 1))
    xk = S.Reshape.apply(x, shape=(N, 1, C))
    z = _where(pairs, _hinge(1.0 - xj + xk), 0.0)
    loss = z.sum((1, 2)) / float(C)
    if input.ndim == 1:
        loss = loss.reshape(())
    return reduce_loss(loss, reduction)


@shared_docs(REDUCTION_DOCS)
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where -1.

    Args:
        input1: (N, D) or (D,).
        input2: of input1's shape.
        target: +1 / -1, (N,) or ().
        margin: in [-1, 1].
        {reductions}

    Returns:
        Tensor: 0-d, or (N,) with reduction='none'.
    """
    op = "cosine_embedding_loss"
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    check_tensor(op, "input1", input1)
    check_tensor(op, "input2", input2)
    target = loss_pair(op, input1, target, same_shape=False)
    if input1.ndim not in (1, 2) or input1.shape != input2.shape:
        raise RuntimeError(f"{op}: expected 1-D or 2-D inputs of one shape, got "
                           f"{tuple(input1.shape)} and {tuple(input2.shape)}")
    dim = input1.ndim - 1
    prod = (input1 * input2).sum(dim)
    m1 = (input1 * input1).sum(dim) + _EPSILON
    m2 = (input2 * input2).sum(dim) + _EPSILON
    cos = prod / (m1 * m2).sqrt()
    t = target._data
    loss = _where(t == 1, 1.0 - cos, 0.0) + _where(t == -1, _hinge(cos - float(margin)), 0.0)
    return reduce_loss(loss, reduction)


@shared_docs(REDUCTION_DOCS)
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the p-norm distance.

    Args:
        anchor: (N, D) or (D,).
        positive: like anchor.
        negative: like anchor.
        margin: the required gap.
        p: the norm's exponent.
        eps: added to the differences (as ``pairwise_distance``).
        swap: use ``min(d(a, n), d(p, n))`` as the negative distance.
        {reductions}

    Returns:
        Tensor: 0-d, or (N,) with reduction='none'.
    """
    op = "triplet_margin_loss"
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        check_tensor(op, name, t)
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(f"{op}: The anchor, positive, and negative tensors are expected to "
                           f"have the same number of dimensions, but got: anchor "
                           f"{anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    if not is_real(margin):
        raise TypeError(f"{op}: margin must be a number, got {margin!r}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return reduce_loss(_hinge(d_pos - d_neg + float(margin)), reduction)
