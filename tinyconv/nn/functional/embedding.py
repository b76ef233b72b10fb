"""Lookup tables with torch's signatures: embedding, embedding_bag, one_hot.

An embedding is ``weight[input]`` (a gather of rows, whose gradient adds each output row into
its weight row, repeated indices accumulating).  ``padding_idx`` rows get no gradient;
``max_norm`` renormalises the looked-up rows of ``weight`` in place first, as torch;
``scale_grad_by_freq`` divides each row's gradient by its count in the batch.
"""
import numpy as np

from ..._checks import check_tensor, is_int, is_real
from ..._engine import no_grad
from ...ops import elementwise as E
from ...ops import reduce as R
from ...ops import shape as S

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _indices(op, input, num, name="input"):
    check_tensor(op, name, input)
    if input.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: Expected tensor for argument #1 '{name}' to have one of the "
                           f"following scalar types: Long, Int; but got {input.dtype} instead")
    idx = input._data.astype(np.int64, copy=True)  # kept for backward: later writes stay out
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = idx[(idx < 0) | (idx >= num)].flat[0]
        raise IndexError(f"{op}: index {int(bad)} is out of range for a table of {num} rows "
                         f"({name} shape {tuple(input.shape)})")
    return idx


def _padding_idx(op, padding_idx, num):
    if padding_idx is None:
        return None
    if not is_int(padding_idx) or not -num <= padding_idx < num:
        raise ValueError(f"{op}: padding_idx must be within num_embeddings ({num}), got "
                         f"{padding_idx!r}")
    return int(padding_idx) % num


def _renorm_(weight, idx, max_norm, norm_type):
    """torch's embedding_renorm_: rows of ``idx`` with norm > max_norm scaled to max_norm."""
    rows = np.unique(idx)
    w = weight._data
    with no_grad():
        r = w[rows]
        norms = np.linalg.norm(r, ord=norm_type, axis=1) if norm_type != np.inf else \
            np.abs(r).max(axis=1)
        big = norms > max_norm
        if big.any():
            scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
            w[rows[big]] = r[big] * scale[:, None]
            weight._bump()


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer ``input``.

    Args:
        input: an integer Tensor of indices in ``[0, weight.shape[0])``, any shape.
        weight: the table (num_embeddings, embedding_dim).
        padding_idx: a row that receives no gradient (negative counts from the end).
        max_norm: renormalise the looked-up rows of ``weight`` in place to at most this norm.
        norm_type: the p of the norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by how often it occurs in ``input``.
        sparse: not supported (dense gradients only); must be False.

    Returns:
        Tensor: ``input.shape + (embedding_dim,)``.
    """
    op = "embedding"
    check_tensor(op, "weight", weight)
    if weight.ndim != 2:
        raise RuntimeError(f"{op}: 'weight' must be 2-D, got shape {tuple(weight.shape)}")
    if sparse:
        raise NotImplementedError(f"{op}: sparse gradients are not supported (sparse=True)")
    num = weight.shape[0]
    idx = _indices(op, input, num)
    pad = _padding_idx(op, padding_idx, num)
    if max_norm is not None:
        if not is_real(max_norm):
            raise TypeError(f"{op}: max_norm must be a number, got {max_norm!r}")
        _renorm_(weight, idx, float(max_norm), float(norm_type))
    y = S.GetItem.apply(weight, index=idx)  # (*input.shape, D)
    if not y.requires_grad:
        return y
    if scale_grad_by_freq:
        counts = np.bincount(idx.reshape(-1), minlength=num).astype(y.dtype)
        inv = (1.0 / counts[idx])[..., None].astype(y.dtype)
        # value y, gradient gy / count: y * inv + y * (1 - inv) with the second term constant
        y = E.Add.apply(E.Mul.apply(y, E.const(y, inv)), E.const(y, y._data * (1 - inv)))
    if pad is not None and (idx == pad).any():
        keep = np.broadcast_to((idx != pad)[..., None], y.shape)
        y = E.Where.apply(y, E.const(y, y._data), cond=keep)
    return y


_MODES = ("sum", "mean", "max")


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums, means or maxima of bags of embeddings, without the intermediate table.

    Args:
        input: (B, N) indices (B bags of N), or 1-D indices cut into bags by ``offsets``.
        weight: the table (num_embeddings, embedding_dim).
        offsets: with a 1-D input, the start of each bag.
        max_norm: as in ``embedding``.
        norm_type: as in ``embedding``.
        scale_grad_by_freq: as in ``embedding`` (not with mode 'max').
        mode: 'sum', 'mean' or 'max'.
        sparse: not supported; must be False.
        per_sample_weights: weights of ``input``'s shape multiplying each row (mode 'sum').
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: rows left out of every bag (and of the mean's count).

    Returns:
        Tensor: (B, embedding_dim); an empty bag gives zeros.
    """
    op = "embedding_bag"
    check_tensor(op, "weight", weight)
    if mode not in _MODES:
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"{op}: embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}')")
    check_tensor(op, "input", input)
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: if input is 2D, then offsets has to be None, as input is "
                             f"treated is a mini-batch of fixed length sequences")
        B, n = input.shape
        bounds = [(i * n, (i + 1) * n) for i in range(B)]
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError(f"{op}: offsets has to be a 1D Tensor but got None")
        check_tensor(op, "offsets", offsets)
        off = [int(v) for v in offsets._data.reshape(-1)]
        if not off or off[0] != 0 or off != sorted(off) or off[-1] > input.shape[0]:
            raise RuntimeError(f"{op}: offsets must start at 0, be non-decreasing and not pass "
                               f"the input's length {input.shape[0]}, got {off}")
        ends = off[1:] if include_last_offset else off[1:] + [input.shape[0]]
        starts = off[:-1] if include_last_offset else off
        bounds = list(zip(starts, ends))
    else:
        raise ValueError(f"{op}: input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim}")
    flat = S.Reshape.apply(input, shape=(-1,)) if input.ndim == 2 else input
    pad = _padding_idx(op, padding_idx, weight.shape[0])
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)  # (T, D)
    idx = flat._data.copy()  # kept for backward: later writes into input stay out
    if per_sample_weights is not None:
        check_tensor(op, "per_sample_weights", per_sample_weights)
        if per_sample_weights.shape != input.shape:
            raise ValueError(f"{op}: per_sample_weights of shape "
                             f"{tuple(per_sample_weights.shape)} must have input's shape "
                             f"{tuple(input.shape)}")
        psw = S.Reshape.apply(per_sample_weights, shape=(-1, 1))
        rows = E.Mul.apply(rows, psw)
    D = weight.shape[1]
    bags = []
    for lo, hi in bounds:
        keep = np.arange(lo, hi) if pad is None else np.arange(lo, hi)[idx[lo:hi] != pad]
        if keep.size == 0:
            bags.append(E.Mul.apply(S.GetItem.apply(rows, index=(slice(0, 1),)),
                                    E.const(rows, 0.0)) if rows.shape[0] else
                        rows._make(np.zeros((1, D), dtype=rows.dtype), False, None))
            continue
        sel = S.GetItem.apply(rows, index=keep)  # (k, D)
        if mode == "max":
            bag = R.MaxDim.apply(sel, dim=0, keepdim=True, mode="max")[0]
        else:
            bag = R.Sum.apply(sel, axes=(0,), keepdim=True)
            if mode == "mean":
                bag = E.Mul.apply(bag, E.const(bag, 1.0 / keep.size))
        bags.append(bag)
    if not bags:
        return weight._make(np.zeros((0, D), dtype=weight.dtype), False, None)
    return S.Cat.apply(*bags, dim=0)


def one_hot(tensor, num_classes=-1):
    """Class indices as one-hot rows.

    Args:
        tensor: an int64 Tensor of class indices, any shape.
        num_classes: the number of classes; -1 infers ``tensor.max() + 1``.

    Returns:
        Tensor: int64, ``tensor.shape + (num_classes,)``.
    """
    op = "one_hot"
    check_tensor(op, "tensor", tensor)
    if tensor.dtype != np.int64:
        raise RuntimeError(f"{op}: one_hot is only applicable to index tensor of type int64, "
                           f"got {tensor.dtype}")
    idx = tensor._data
    if not is_int(num_classes):
        raise TypeError(f"{op}: num_classes must be an int, got {num_classes!r}")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError(f"{op}: Can not infer total number of classes from empty "
                               f"tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size and idx.min() < 0:
        raise RuntimeError(f"{op}: Class values must be non-negative (got {int(idx.min())})")
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError(f"{op}: Class values must be smaller than num_classes "
                           f"({num_classes}), got {int(idx.max())}")
    out = (idx[..., None] == np.arange(num_classes, dtype=np.int64)).astype(np.int64)
    return tensor._make(out, False, None)
