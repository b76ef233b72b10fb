"""Attention: scaled_dot_product_attention with torch's signature, and the computation
behind ``nn.MultiheadAttention`` (written with differentiable ops: matmul, softmax, where).

Legend: q (..., L, E), k (..., S, E), v (..., S, Ev); L target and S source lengths; N
batch, H heads, E embedding size.
"""
import math

import numpy as np

from ..._checks import check_tensor, is_real
from ..._functions.activation import softmax
from ..._functions.arith import matmul
from ...ops import elementwise as E
from ...ops import reduce as R
from ...ops import shape as S
from .activation import dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention"]


def _swap_last(t):
    n = t.ndim
    return S.Permute.apply(t, dims=tuple(range(n - 2)) + (n - 1, n - 2))


def _additive(mask, like, op, keep_when_true):
    """A boolean or float mask as an additive float array (-inf where masked)."""
    check_tensor(op, "attn_mask", mask)
    m = mask._data
    if m.dtype == np.bool_:
        allowed = m if keep_when_true else ~m
        return np.where(allowed, 0.0, -np.inf).astype(like.dtype)
    if m.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected attn_mask dtype to be bool or float or to match "
                           f"query dtype, but got {m.dtype}")
    return m.astype(like.dtype, copy=False)


def _attend(q, k, v, bias, dropout_p, training, scale):
    """softmax(q k^T * scale + bias) (dropout) @ v; returns (output, weights)."""
    scores = E.Mul.apply(matmul(q, _swap_last(k)), E.const(q, scale))
    if bias is not None:
        scores = E.Add.apply(scores, E.const(scores, bias))
    w = softmax(scores, -1)
    if bias is not None and np.isneginf(bias).all(axis=-1).any():
        # rows masked entirely give zeros (torch's safe softmax), not NaN
        dead = np.broadcast_to(np.isneginf(bias).all(axis=-1, keepdims=True), w.shape)
        w = E.Where.apply(E.const(w, 0.0), w, cond=dead)
    wd = dropout(w, dropout_p, training) if dropout_p > 0 else w
    return matmul(wd, v), w


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(query @ key^T * scale + mask) @ value``, torch's math.

    Args:
        query: (..., L, E).
        key: (..., S, E).
        value: (..., S, Ev).
        attn_mask: broadcastable to (..., L, S): bool (True takes part) or float (added to
            the scores).
        dropout_p: dropout probability on the attention weights (from the package
            generator).
        is_causal: mask out the upper triangle (each position attends to itself and the
            past); not together with ``attn_mask``.
        scale: the score scale (default ``1 / sqrt(E)``).
        enable_gqa: grouped-query attention: key/value with fewer heads (dim -3) are
            repeated to query's.

    Returns:
        Tensor: (..., L, Ev).  Rows that are masked entirely give zeros.
    """
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(op, name, t)
        if t.ndim < 2:
            raise RuntimeError(f"{op}: {name} must have at least 2 dims, got shape "
                               f"{tuple(t.shape)}")
    if query.dtype != key.dtype or query.dtype != value.dtype:
        raise RuntimeError(f"{op}: Expected query, key, and value to have the same dtype, but "
                           f"got query.dtype: {query.dtype} key.dtype: {key.dtype} and "
                           f"value.dtype: {value.dtype} instead.")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: shapes do not fit: query {tuple(query.shape)}, key "
                           f"{tuple(key.shape)}, value {tuple(value.shape)}")
    if not is_real(dropout_p) or not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1], got {dropout_p!r}")
    if enable_gqa and key.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key = _repeat_heads(key, rep)
        value = _repeat_heads(value, rep)
    L, Sn = query.shape[-2], key.shape[-2]
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    bias = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"{op}: _scaled_dot_product_attention: Explicit attn_mask should "
                               f"not be set when is_causal=True")
        bias = np.where(np.tril(np.ones((L, Sn), dtype=bool)), 0.0, -np.inf).astype(query.dtype)
    elif attn_mask is not None:
        bias = _additive(attn_mask, query, op, keep_when_true=True)
    return _attend(query, key, value, bias, float(dropout_p), True, sc)[0]


def _repeat_heads(t, rep):
    """(..., Hk, S, E) -> (..., Hk * rep, S, E), each head repeated ``rep`` times in place."""
    shape = t.shape
    t = S.Reshape.apply(t, shape=shape[:-2] + (1,) + shape[-2:])
    t = S.Expand.apply(t, shape=shape[:-3] + (shape[-3], rep) + shape[-2:])
    return S.Reshape.apply(S.Contiguous.apply(t),
                           shape=shape[:-3] + (shape[-3] * rep,) + shape[-2:])


def mha_forward(query, key, value, num_heads, w_q, w_k, w_v, b_q, b_k, b_v, bias_k, bias_v,
                add_zero_attn, dropout_p, out_w, out_b, training, key_padding_mask,
                need_weights, attn_mask, average_attn_weights, is_causal):
    """torch's multi_head_attention_forward for (L, N, E) sequence-first inputs.

    Returns:
        (output (L, N, E), weights (N, L, S) averaged or (N, H, L, S), or None).
    """
    op = "MultiheadAttention"
    L, N, Emb = query.shape
    H = num_heads
    hd = Emb // H
    q = _project(query, w_q, b_q)
    k = _project(key, w_k, b_k)
    v = _project(value, w_v, b_v)
    mask = None if attn_mask is None else _mask3(attn_mask, q, N * H, op)
    kpm = None
    if key_padding_mask is not None:
        kpm = _additive(key_padding_mask, q, op, keep_when_true=False)  # (N, S)
    if bias_k is not None:
        k = S.Cat.apply(k, S.Expand.apply(S.Reshape.apply(bias_k, shape=(1, 1, Emb)),
                                          shape=(1, N, Emb)), dim=0)
        v = S.Cat.apply(v, S.Expand.apply(S.Reshape.apply(bias_v, shape=(1, 1, Emb)),
                                          shape=(1, N, Emb)), dim=0)
        mask = None if mask is None else np.pad(mask, ((0, 0), (0, 0), (0, 1)))
        kpm = None if kpm is None else np.pad(kpm, ((0, 0), (0, 1)))
    if add_zero_attn:
        zeros = q._make(np.zeros((1, N, Emb), dtype=q.dtype), False, None)
        k, v = S.Cat.apply(k, zeros, dim=0), S.Cat.apply(v, zeros, dim=0)
        mask = None if mask is None else np.pad(mask, ((0, 0), (0, 0), (0, 1)))
        kpm = None if kpm is None else np.pad(kpm, ((0, 0), (0, 1)))
    Sn = k.shape[0]
    bias = None
    if mask is not None:
        bias = mask  # (1 or N*H, L, S)
    if kpm is not None:
        kb = np.broadcast_to(kpm[:, None, None, :], (N, H, 1, Sn)).reshape(N * H, 1, Sn)
        bias = kb if bias is None else bias + kb
    if bias is not None:
        bias = np.broadcast_to(bias, (N * H, L, Sn)).reshape(N, H, L, Sn)

    def heads(t):  # (T, N, E) -> (N, H, T, hd)
        t = S.Reshape.apply(S.Contiguous.apply(t), shape=(t.shape[0], N, H, hd))
        return S.Permute.apply(t, dims=(1, 2, 0, 3))

    if not training:
        dropout_p = 0.0
    scale = 1.0 / math.sqrt(hd)
    out, w = _attend(heads(q), heads(k), heads(v), bias, dropout_p, training, scale)
    out = S.Permute.apply(out, dims=(2, 0, 1, 3))  # (L, N, H, hd)
    out = S.Reshape.apply(S.Contiguous.apply(out), shape=(L, N, Emb))
    out = _project(out, out_w, out_b)
    if not need_weights:
        return out, None
    if average_attn_weights:
        w = E.Mul.apply(_sum_heads(w), E.const(w, 1.0 / H))
    return out, w


def _sum_heads(w):
    return R.Sum.apply(w, axes=(1,), keepdim=False)


def _project(x, w, b):
    return linear(x, w, b)


def _mask3(attn_mask, like, nh, op):
    m = _additive(attn_mask, like, op, keep_when_true=False)
    if m.ndim == 2:
        return m[None]
    if m.ndim != 3 or m.shape[0] != nh:
        raise RuntimeError(f"{op}: The shape of the 3D attn_mask is {tuple(m.shape)}, but "
                           f"should be ({nh}, L, S)")
    return m
