"""Normalization ops: batch, group, layer and instance norm, each with a closed-form backward.

Legend: x input, y output, w/b affine weight and bias, gy/gx/gw/gb gradients; N batch, C
channels, L = prod(spatial), G groups.  ``xc = x - mean`` (centered), ``invstd =
1/sqrt(var + eps)``, ``xhat = xc * invstd``, ``gxhat = gy * w``; the backward is the compact
formula ``gx = invstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat))``.

Batch, group and instance norm work on the (N, C, L) view of x, where every coefficient of the
forward and backward is constant along L: per channel (batch norm) or per (sample, channel)
(group and instance norm).  So each op is two streaming passes over x (and gy) each way:

    forward    per-(n, c) sums and centered sums of squares -> y = x * scale + shift
    backward   per-(n, c) sums of gy and gy * xc              -> gx = gy * k - x * d + c

Each pass is one fused Cython kernel over the rows (``_norm.pxi``, OpenMP over rows, no
full-size temporary; only x itself is saved).  The statistics are two-pass inside each row
(the row still in cache) and rows are combined with Chan's formula, so variances stay accurate
when the mean dwarfs the spread.  The ``x * scale + shift`` forms are torch's CPU forms: they
round relative to |mean| / std.  Layer norm, whose affine parameters vary along the
normalized axes, uses the plain row formulation.
Running statistics are updated in place on plain ndarrays, never in a graph.

Each op's backward is an op of its own (``BatchNormBackward``, ``GroupNormBackward``,
``LayerNormBackward``): its forward is the backward passes above, returning only the needed
gradients of (x, w, b), so first-order training runs the kernels alone; its backward (the
second derivatives) is ``norm_double.norm_double_backward``, written with differentiable ops
so that it differentiates again.
"""
import numpy as np

from .._engine import Op
from ._kernels import norm as K
from ._needed import return_needed, spread
from .norm_double import norm_double_backward

_ONES = {}


def _ones(n, dtype):
    """A cached read-only vector of ones (the right operand of summing matvecs)."""
    key = (n, dtype)
    v = _ONES.get(key)
    if v is None:
        if len(_ONES) > 64:
            _ONES.clear()
        v = np.ones(n, dtype=dtype)
        v.flags.writeable = False
        _ONES[key] = v
    return v


def _sum3(a):
    """Per-S sum of an (A, S, L) array over A and L: shape (S,)."""
    A, S, L = a.shape
    if L == 1:
        a2 = a.reshape(A, S)
        return _ones(A, a.dtype) @ a2 if A > 1 else a2[0].copy()
    t = a.reshape(A * S, L) @ _ones(L, a.dtype)  # (A*S,)
    return t.reshape(A, S).sum(axis=0) if A > 1 else t


def _dot3(a, b):
    """Per-S sum of a*b over A and L, for (A, S, L) arrays: shape (S,)."""
    A, S, L = a.shape
    if L == 1:
        return np.einsum("as,as->s", a.reshape(A, S), b.reshape(A, S))
    t = np.einsum("ij,ij->i", a.reshape(A * S, L), b.reshape(A * S, L))  # (A*S,)
    return t.reshape(A, S).sum(axis=0) if A > 1 else t


def _spatial(shape):
    L = 1
    for s in shape[2:]:
        L *= s
    return L


def _center(x3, eps):
    """Batch statistics of an (A, S, L) view: mean, xc, biased var, invstd."""
    A, S, L = x3.shape
    inv_m = 1.0 / (A * L)
    mean = _sum3(x3) * inv_m  # (S,)
    xc = x3 - mean[:, None]  # (A, S, L)
    var = _dot3(xc, xc) * inv_m
    invstd = 1.0 / np.sqrt(var + eps)
    return mean, xc, var, invstd


def _m2_about(sums, sq, L, mean, axis):
    """Centered sum of squares about ``mean`` of groups of rows of length L (reduced over
    ``axis`` of the row arrays): M2 = sum(row M2) + L * sum((row mean - mean)^2).

    ``mean`` broadcasts against ``sums`` (keepdims along ``axis``).  About the mean of the
    rows themselves this is Chan's combine; about a mean taken over more rows than these
    (other processes' too) it is this group's share of their M2.
    """
    dev = sums * (1.0 / L) - mean
    return sq.sum(axis=axis) + (dev * dev).sum(axis=axis) * float(L)


def _combine(sums, sq, L, axis):
    """Mean and biased variance of groups of rows (reduced over ``axis`` of the row arrays)."""
    n = L * sums.shape[axis]
    mean = sums.sum(axis=axis, keepdims=True) * (1.0 / n)
    m2 = _m2_about(sums, sq, L, mean, axis)
    return mean.squeeze(axis), m2 * (1.0 / n)


def _as_sums(a3):
    """Per-(a, s) sums over L of an (A, S, L) array: (A, S), one BLAS matvec."""
    A, S, L = a3.shape
    if L == 1:
        return a3.reshape(A, S).copy()
    return (np.ascontiguousarray(a3).reshape(A * S, L) @ _ones(L, a3.dtype)).reshape(A, S)


def update_running_stats(running_mean, running_var, mean, var, n, momentum):
    """Update running statistics in place: new = (1 - momentum) * old + momentum * batch.

    Args:
        running_mean, running_var: (C,) ndarrays, updated in place in their dtype.
        mean, var: (C,) batch mean and biased variance.
        n: number of values per channel behind them (the variance is unbiased with it).
        momentum: float.
    """
    keep = 1.0 - momentum
    unbias = n / (n - 1.0)
    running_mean *= keep
    running_mean += (mean * momentum).astype(running_mean.dtype, copy=False)
    running_var *= keep
    running_var += (var * (momentum * unbias)).astype(running_var.dtype, copy=False)


# ------------------------------------------------------------------- batch norm's passes
# BatchNorm is these passes in sequence; SyncBatchNorm runs the same passes with a sum over
# processes between them (the statistics pass reduces through ``allreduce``; the gradient
# sums are reduced between batch_norm_grad_sums and batch_norm_grad_input).


def batch_norm_stats(x3, allreduce=None):
    """The statistics pass: per-channel mean and biased variance of x3 (N, C, L) over N and L.

    Args:
        x3: (N, C, L) input.
        allreduce: None for this batch's statistics; or a function that sums a float64
            ndarray in place over all processes, for the statistics of every process's batch
            together.  It is called twice: on the counts and sums, then on each process's
            centered sum of squares about the global mean (a two-pass variance of the union,
            in float64).

    Returns:
        (mean, var, n): (C,) arrays in x3's dtype and the number of values per channel.

    Raises:
        ValueError: with ``allreduce``, one value or none per channel over all processes.
    """
    N, C, L = x3.shape
    sums, sq = K.norm_row_stats(x3)  # (N, C) each
    if allreduce is None:
        mean, var = _combine(sums, sq, L, 0)
        return mean, var, N * L
    part = np.empty(1 + C, dtype=np.float64)
    part[0] = N * L
    part[1:] = sums.sum(axis=0)
    allreduce(part)
    n = float(part[0])
    if n <= 1:
        raise ValueError(f"batch norm: expected more than 1 value per channel when training, "
                         f"got {int(n)} over all processes (input viewed as (N, C, L) "
                         f"{tuple(x3.shape)} in this one)")
    mean = part[1:] * (1.0 / n)
    m2 = np.ascontiguousarray(_m2_about(sums, sq, L, mean, 0), dtype=np.float64)
    allreduce(m2)
    return mean.astype(x3.dtype), (m2 * (1.0 / n)).astype(x3.dtype), n


def batch_norm_normalize(x3, mean, var, w, b, eps):
    """The normalization pass: y = (x3 - mean) * invstd * w + b per channel, as one affine map.

    Args:
        x3: (N, C, L) input.
        mean, var: (C,) statistics to normalize with.
        w, b: (C,) affine weight and bias, or None.
        eps: added to the variance.

    Returns:
        (y, invstd): y (N, C, L) in x3's dtype and invstd = 1 / sqrt(var + eps), (C,).
    """
    C = x3.shape[1]
    invstd = 1.0 / np.sqrt(var + eps)
    scale = invstd * w if w is not None else invstd
    shift = b - mean * scale if b is not None else -(mean * scale)
    return K.norm_affine(x3, scale.reshape(1, C), shift.reshape(1, C)), invstd


def batch_norm_grad_sums(gy3, x3, mean):
    """The gradient-sums pass: per-channel sums of gy and of gy * (x - mean).

    Args:
        gy3, x3: (N, C, L) output gradient and input.
        mean: (C,) the mean the forward normalized with.

    Returns:
        (sgy, dot): two (C,) arrays in x3's dtype.
    """
    C = x3.shape[1]
    sgy, dot = K.norm_grad_sums(gy3, x3, mean.reshape(1, C))  # (N, C) each
    return sgy.sum(axis=0), dot.sum(axis=0)


def batch_norm_grad_input(gy3, x3, mean, invstd, w, sgy, dot, n):
    """The gradient pass of training-mode batch norm: gx = k * gy - d * x + c per channel.

    Args:
        gy3, x3: (N, C, L) output gradient and input.
        mean, invstd: (C,) the forward's statistics.
        w: (C,) affine weight or None.
        sgy, dot: (C,) sums of gy and gy * (x - mean) over the n values of each channel.
        n: number of values per channel the statistics were taken over.

    Returns:
        gx, (N, C, L) in x3's dtype.
    """
    C = x3.shape[1]
    k = invstd * w if w is not None else invstd
    inv_m = 1.0 / n
    d = k * invstd * invstd * dot * inv_m
    c = mean * d - k * sgy * inv_m
    return K.norm_grad_affine(gy3, x3, k.reshape(1, C), d.reshape(1, C), c.reshape(1, C))


# ------------------------------------------------------------------------------ batch norm
class BatchNorm(Op):
    """Batch normalization over (N, C, *); training uses batch stats, eval the running ones.

    Inputs: x, w, b (w and b may be None).  running_mean/running_var are Tensor parameters
    (or None) whose arrays are updated in place when training.  Eval mode normalises with
    them and saves the mean (running_mean's own memory when it has x's dtype: writing into
    it before backward raises, as torch's); invstd is computed here, so the backward does
    not read running_var.  The backward is ``BatchNormBackward``.
    """

    category = "normalization"
    node_name = "NativeBatchNormBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, w, b, running_mean=None, running_var=None, training=False,
                momentum=0.1, eps=1e-5):
        N, C = x.shape[0], x.shape[1]
        x3 = x.reshape(N, C, _spatial(x.shape))  # (N, C, L)
        if training:
            mean, var, m = batch_norm_stats(x3)  # (C,) each
            if running_mean is not None:
                update_running_stats(running_mean, running_var, mean, var, m, momentum)
        else:
            mean = running_mean.astype(x.dtype, copy=False)
            var = running_var.astype(x.dtype, copy=False)
        y, invstd = batch_norm_normalize(x3, mean, var, w, b, eps)
        ctx.training, ctx.eps = training, eps
        ctx.save_for_backward(x, w, mean, invstd)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        x, w, mean, invstd = ctx.saved_tensors
        needs = ctx.needs_input_grad
        # mean and invstd go as the saved Tensors: what the backward op saves of them stays
        # version-checked (in eval mode the mean is the running_mean's memory)
        return spread(BatchNormBackward.apply(gy, x, w, mean=mean, invstd=invstd,
                                               training=ctx.training, eps=ctx.eps,
                                               needs=needs), needs)


class BatchNormBackward(Op):
    """Batch norm's gradients (gx, gw, gb) from (gy, x, w), the needed ones only (``needs``
    says which), as an op so that the backward is differentiable.

    Forward: the gradient passes (fused kernels) with the forward's ``mean`` and ``invstd``.
    Backward: ``norm_double_backward`` with per-channel statistics over (N, L).
    """

    category = "normalization"
    node_name = "NativeBatchNormBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x, w, mean, invstd, training, eps, needs):
        nx, nw, nb = needs
        N, C = x.shape[0], x.shape[1]
        x3 = x.reshape(N, C, _spatial(x.shape))  # (N, C, L)
        gy3 = gy.reshape(x3.shape)  # (N, C, L)
        outs = []
        if nw or (nx and training):
            sgy, dot = batch_norm_grad_sums(gy3, x3, mean)  # dot = sum(gy * xc) per channel
        elif nb:
            sgy = _as_sums(gy3).sum(axis=0)
        if nx:
            if training:
                gx = batch_norm_grad_input(gy3, x3, mean, invstd, w, sgy, dot, x3.shape[0]
                                           * x3.shape[2])
            else:
                k = invstd * w if w is not None else invstd
                gx = K.norm_affine(gy3, k.reshape(1, C), np.zeros((1, C), x3.dtype))
            outs.append(gx.reshape(x.shape))
        if nw:
            outs.append(dot * invstd)
        if nb:
            outs.append(sgy)
        ctx.needs, ctx.training, ctx.eps = needs, training, eps
        ctx.save_for_backward(gy, x, w, None if training else mean,
                              None if training else invstd)
        return return_needed(ctx, outs)

    @staticmethod
    def backward(ctx, *grads):
        gy, x, w, mean, invstd = ctx.saved_tensors
        ggx, ggw, ggb = spread(grads, ctx.needs)
        N, C = x.shape[0], x.shape[1]
        view = (N, C, _spatial(x.shape))
        stats = None if ctx.training else (mean._data.reshape(1, C, 1),
                                           invstd._data.reshape(1, C, 1))
        return norm_double_backward(ctx.needs_input_grad, gy, x, w, ggx, ggw, ggb, view,
                                    (0, 2), (1, C, 1), ctx.eps, stats)


# ------------------------------------------------------------------ group and instance norm
class GroupNorm(Op):
    """Group normalization over (N, C, *): stats per (sample, group of C/G channels).

    Inputs: x, w, b (each (C,) or None).  With running_mean/running_var (instance norm,
    G = C) the per-sample statistics averaged over N update them in place.  The backward is
    ``GroupNormBackward``.
    """

    category = "normalization"
    node_name = "NativeGroupNormBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, w, b, num_groups=1, eps=1e-5, running_mean=None, running_var=None,
                momentum=0.1):
        N, C = x.shape[0], x.shape[1]
        G = num_groups
        x3 = x.reshape(N, C, _spatial(x.shape))  # (N, C, L)
        m = (C // G) * x3.shape[2]  # elements per (sample, group)
        sums, sq = K.norm_row_stats(x3)
        mean, var = _combine(sums.reshape(N, G, -1), sq.reshape(N, G, -1), x3.shape[2], 2)
        mean_nc = np.repeat(mean, C // G, axis=1)  # (N, C)
        if running_mean is not None:
            update_running_stats(running_mean, running_var, mean.mean(axis=0),
                                 var.mean(axis=0), m, momentum)
        invstd = 1.0 / np.sqrt(var + eps)  # (N, G)
        scale = np.repeat(invstd, C // G, axis=1)  # (N, C)
        if w is not None:
            scale *= w
        shift = mean_nc * scale
        shift = b - shift if b is not None else np.negative(shift, out=shift)
        y = K.norm_affine(x3, scale, shift)
        ctx.G, ctx.eps = G, eps
        ctx.save_for_backward(x, w, mean_nc, invstd)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        x, w, mean_nc, invstd = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return spread(GroupNormBackward.apply(gy, x, w, mean_nc=mean_nc._data,
                                               invstd=invstd._data, G=ctx.G, eps=ctx.eps,
                                               needs=needs), needs)


class GroupNormBackward(Op):
    """Group norm's gradients (gx, gw, gb) from (gy, x, w), the needed ones only (``needs``),
    as an op: forward by the fused kernels, backward by ``norm_double_backward`` with
    statistics per (sample, group)."""

    category = "normalization"
    node_name = "NativeGroupNormBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x, w, mean_nc, invstd, G, eps, needs):
        nx, nw, nb = needs
        N, C = x.shape[0], x.shape[1]
        x3 = x.reshape(N, C, _spatial(x.shape))  # (N, C, L)
        L = x3.shape[2]
        gy3 = gy.reshape(x3.shape)  # (N, C, L)
        ctx.needs, ctx.G, ctx.eps = needs, G, eps
        ctx.save_for_backward(gy, x, w)
        if not (nx or nw):
            return return_needed(ctx, [_as_sums(gy3).sum(axis=0)])
        sgy, dgy = K.norm_grad_sums(gy3, x3, mean_nc)  # sums of gy, gy * xc: (N, C)
        invstd_nc = np.repeat(invstd, C // G, axis=1)  # (N, C)
        outs = []
        gw = (dgy * invstd_nc).sum(axis=0) if nw else None
        gb = sgy.sum(axis=0) if nb else None
        if nx:
            inv_m = 1.0 / ((C // G) * L)
            if w is not None:
                sgy = sgy * w
                dgy = dgy * w
            mg = sgy.reshape(N, G, -1).sum(axis=2) * inv_m  # mean(gxhat) per (n, g)
            mgx = dgy.reshape(N, G, -1).sum(axis=2) * (invstd * inv_m)  # mean(gxhat * xhat)
            k = invstd_nc * w if w is not None else invstd_nc
            d = np.repeat(invstd * invstd * mgx, C // G, axis=1)
            c = mean_nc * d - np.repeat(invstd * mg, C // G, axis=1)
            outs.append(K.norm_grad_affine(gy3, x3, k, d, c).reshape(x.shape))
        outs += [g for g in (gw, gb) if g is not None]
        return return_needed(ctx, outs)

    @staticmethod
    def backward(ctx, *grads):
        gy, x, w = ctx.saved_tensors
        ggx, ggw, ggb = spread(grads, ctx.needs)
        N, C, G = x.shape[0], x.shape[1], ctx.G
        view = (N, G, C // G, _spatial(x.shape))
        return norm_double_backward(ctx.needs_input_grad, gy, x, w, ggx, ggw, ggb, view,
                                    (2, 3), (1, G, C // G, 1), ctx.eps)


class InstanceNorm(GroupNorm):
    """Instance normalization: group norm with one group per channel, plus running stats."""

    category = "normalization"

    @staticmethod
    def forward(ctx, x, w, b, eps=1e-5, running_mean=None, running_var=None, momentum=0.1):
        return GroupNorm.forward(ctx, x, w, b, num_groups=x.shape[1], eps=eps,
                                 running_mean=running_mean, running_var=running_var,
                                 momentum=momentum)


# ------------------------------------------------------------------------------ layer norm
def _row_backward(gxhat, xhat, invstd, owned):
    """gx of a per-row normalization from gxhat (R, M), xhat (R, M), invstd (R,).

    ``owned`` says gxhat is a temporary that may be overwritten.
    """
    R, M = xhat.shape
    inv_m = 1.0 / M
    s = gxhat @ _ones(M, gxhat.dtype)  # (R,)
    d = np.einsum("ij,ij->i", gxhat, xhat)  # (R,)
    gx = gxhat if owned else gxhat.copy()
    gx -= (s * inv_m)[:, None]
    gx -= xhat * (d * inv_m)[:, None]
    gx *= invstd[:, None]
    return gx


class LayerNorm(Op):
    """Layer normalization over the trailing ``nd`` dims; w, b have those dims' shape.  The
    backward is ``LayerNormBackward``."""

    category = "normalization"
    node_name = "NativeLayerNormBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, w, b, nd=1, eps=1e-5):
        M = 1
        for s in x.shape[x.ndim - nd:]:
            M *= s
        x3 = x.reshape(1, -1, M)  # (1, R, M)
        mean, xc, var, invstd = _center(x3, eps)
        xhat = xc.reshape(-1, M)  # (R, M)
        xhat *= invstd[:, None]
        if w is not None:
            y = xhat * w.reshape(M)
            if b is not None:
                y += b.reshape(M)
        elif b is not None:
            y = xhat + b.reshape(M)
        else:
            y = xhat.copy()  # xhat is saved for backward: the output must not alias it
        ctx.nd, ctx.eps = nd, eps
        ctx.save_for_backward(x, w, xhat, invstd)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        x, w, xhat, invstd = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return spread(LayerNormBackward.apply(gy, x, w, xhat=xhat._data, invstd=invstd._data,
                                               nd=ctx.nd, eps=ctx.eps, needs=needs), needs)


class LayerNormBackward(Op):
    """Layer norm's gradients (gx, gw, gb) from (gy, x, w), the needed ones only (``needs``),
    as an op: forward on the forward's xhat (R, M) rows, backward by ``norm_double_backward``
    with statistics per row."""

    category = "normalization"
    node_name = "NativeLayerNormBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x, w, xhat, invstd, nd, eps, needs):
        nx, nw, nb = needs
        R, M = xhat.shape
        gy2 = gy.reshape(R, M)
        outs = []
        if nx:
            if w is not None:
                gx = _row_backward(gy2 * w.reshape(M), xhat, invstd, True)
            else:
                gx = _row_backward(gy2, xhat, invstd, False)
            outs.append(gx.reshape(x.shape))
        if nw:
            outs.append(np.einsum("rm,rm->m", gy2, xhat).reshape(w.shape))
        if nb:
            outs.append((_ones(R, gy2.dtype) @ gy2).reshape(x.shape[x.ndim - nd:]))
        ctx.needs, ctx.eps, ctx.rows = needs, eps, (R, M)
        ctx.save_for_backward(gy, x, w)
        return return_needed(ctx, outs)

    @staticmethod
    def backward(ctx, *grads):
        gy, x, w = ctx.saved_tensors
        ggx, ggw, ggb = spread(grads, ctx.needs)
        R, M = ctx.rows
        return norm_double_backward(ctx.needs_input_grad, gy, x, w, ggx, ggw, ggb, (R, M),
                                    (1,), (1, M), ctx.eps)
