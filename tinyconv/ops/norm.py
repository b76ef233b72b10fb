"""Normalization ops: batch, group, layer and instance norm, each with a closed-form backward.

Legend: x input, y output, w/b affine weight and bias, gy/gx/gw/gb gradients.  Statistics are
taken over a 3-D view ``(A, S, L)`` of x: one mean/variance per S, over the A and L axes.

    batch norm     (N, C, *)  -> (N, C, L)       stats per channel
    group norm     (N, C, *)  -> (1, N*G, C/G*L) stats per (sample, group)
    instance norm  (N, C, *)  -> (1, N*C, L)     stats per (sample, channel)
    layer norm     (*, D...)  -> (1, R, M)       stats per row of the trailing normalized shape

``xc = x - mean`` (centered), ``invstd = 1/sqrt(var + eps)``, ``xhat = xc * invstd``.  The
backward is the compact formula
``gx = invstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat))`` with ``gxhat = gy * w``.

Per-S sums run as a matrix-vector product against a vector of ones (one BLAS pass, no
temporaries) and per-S dot products through ``einsum``; variances are two-pass (centered), in
the input's dtype.  Running statistics are updated in place on plain ndarrays, never in a graph.
"""
import numpy as np

from ..autograd import Function

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


def _update_running(running_mean, running_var, mean, var, n, momentum):
    """new = (1 - momentum) * old + momentum * batch, with the unbiased batch variance."""
    keep = 1.0 - momentum
    unbias = n / (n - 1.0)
    running_mean *= keep
    running_mean += (mean * momentum).astype(running_mean.dtype, copy=False)
    running_var *= keep
    running_var += (var * (momentum * unbias)).astype(running_var.dtype, copy=False)


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


class BatchNorm(Function):
    """Batch normalization over (N, C, *); training uses batch stats, eval the running ones.

    Inputs: x, then w if ``has_w``, then b if ``has_b``.  running_mean/running_var are plain
    ndarrays (or None) updated in place when training.
    """

    @staticmethod
    def forward(ctx, x, *wb, running_mean=None, running_var=None, training=False,
                momentum=0.1, eps=1e-5, has_w=False, has_b=False):
        N, C = x.shape[0], x.shape[1]
        x3 = x.reshape(N, C, _spatial(x.shape))  # (N, C, L)
        w = wb[0] if has_w else None
        b = wb[-1] if has_b else None
        ctx.shape, ctx.has_w, ctx.has_b, ctx.training = x.shape, has_w, has_b, training
        if training:
            mean, xc, var, invstd = _center(x3, eps)
            if running_mean is not None:
                _update_running(running_mean, running_var, mean, var,
                                x3.shape[0] * x3.shape[2], momentum)
            scale = invstd * w if has_w else invstd
            y = xc * scale[:, None]
            ctx.save_for_backward(xc, invstd, w)
        else:
            invstd = 1.0 / np.sqrt(running_var.astype(x.dtype, copy=False) + eps)
            mean = running_mean.astype(x.dtype, copy=False)
            scale = invstd * w if has_w else invstd
            y = x3 * scale[:, None]
            y -= (mean * scale)[:, None]
            ctx.save_for_backward(x3, mean, invstd, w)
        if has_b:
            y += b[:, None]
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        needs = ctx.needs_input_grad
        nx, nw, nb = needs[0], ctx.has_w and needs[1], ctx.has_b and needs[-1]
        N, C = ctx.shape[0], ctx.shape[1]
        gy3 = gy.reshape(N, C, _spatial(ctx.shape))  # (N, C, L)
        gx = gw = gb = None
        if ctx.training:
            xc, invstd, w = ctx.saved_tensors
            m = gy3.shape[0] * gy3.shape[2]
            sgy = _sum3(gy3) if (nx or nb) else None
            dot = _dot3(gy3, xc) if (nx or nw) else None  # sum(gy * xc)
            if nw:
                gw = dot * invstd
            if nb:
                gb = sgy
            if nx:
                k = invstd * w if w is not None else invstd
                inv_m = 1.0 / m
                gx = gy3 * k[:, None]
                gx -= xc * (k * invstd * invstd * dot * inv_m)[:, None]
                gx -= (k * sgy * inv_m)[:, None]
                gx = gx.reshape(ctx.shape)
        else:
            x3, mean, invstd, w = ctx.saved_tensors
            if nx:
                k = invstd * w if w is not None else invstd
                gx = (gy3 * k[:, None]).reshape(ctx.shape)
            if nw:
                gw = (_dot3(gy3, x3) - mean * _sum3(gy3)) * invstd
            if nb:
                gb = _sum3(gy3)
        out = (gx,)
        if ctx.has_w:
            out += (gw,)
        if ctx.has_b:
            out += (gb,)
        return out if len(out) > 1 else gx


class GroupNorm(Function):
    """Group normalization over (N, C, *): stats per (sample, group of C/G channels).

    Inputs: x, then w if ``has_w``, then b if ``has_b`` (each of shape (C,)).
    """

    @staticmethod
    def forward(ctx, x, *wb, num_groups=1, eps=1e-5, has_w=False, has_b=False,
                running_mean=None, running_var=None, momentum=0.1):
        N, C = x.shape[0], x.shape[1]
        G = num_groups
        x3 = x.reshape(1, N * G, -1)  # (1, N*G, C/G*L)
        mean, xc, var, invstd = _center(x3, eps)
        if running_mean is not None:  # instance norm: average the per-sample stats over N
            _update_running(running_mean, running_var, mean.reshape(N, C).mean(axis=0),
                            var.reshape(N, C).mean(axis=0), x3.shape[2], momentum)
        xhat = xc
        xhat *= invstd[:, None]
        y = xhat.reshape(N, C, -1)  # (N, C, L)
        w = wb[0] if has_w else None
        if has_w:
            y = y * w[:, None]
            if has_b:
                y += wb[-1][:, None]
        elif has_b:
            y = y + wb[-1][:, None]
        else:
            y = y.copy()  # xhat is saved for backward: the output must not alias it
        ctx.shape, ctx.G, ctx.has_w, ctx.has_b = x.shape, G, has_w, has_b
        ctx.save_for_backward(xhat, invstd, w)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        xhat, invstd, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        nx, nw, nb = needs[0], ctx.has_w and needs[1], ctx.has_b and needs[-1]
        N, C = ctx.shape[0], ctx.shape[1]
        gy3 = gy.reshape(N, C, -1)  # (N, C, L)
        gx = gw = gb = None
        if nw:
            gw = _dot3(gy3, xhat.reshape(gy3.shape))
        if nb:
            gb = _sum3(gy3)
        if nx:
            if w is not None:
                gxhat, owned = gy3 * w[:, None], True
            else:
                gxhat, owned = gy3, False
            gx = _row_backward(gxhat.reshape(N * ctx.G, -1), xhat.reshape(N * ctx.G, -1),
                               invstd, owned).reshape(ctx.shape)
        out = (gx,)
        if ctx.has_w:
            out += (gw,)
        if ctx.has_b:
            out += (gb,)
        return out if len(out) > 1 else gx


class InstanceNorm(GroupNorm):
    """Instance normalization: group norm with one group per channel, plus running stats."""

    @staticmethod
    def forward(ctx, x, *wb, eps=1e-5, has_w=False, has_b=False, running_mean=None,
                running_var=None, momentum=0.1):
        return GroupNorm.forward(ctx, x, *wb, num_groups=x.shape[1], eps=eps, has_w=has_w,
                                 has_b=has_b, running_mean=running_mean,
                                 running_var=running_var, momentum=momentum)


class LayerNorm(Function):
    """Layer normalization over the trailing ``nd`` dims; w, b have those dims' shape."""

    @staticmethod
    def forward(ctx, x, *wb, nd=1, eps=1e-5, has_w=False, has_b=False):
        M = 1
        for s in x.shape[x.ndim - nd:]:
            M *= s
        x3 = x.reshape(1, -1, M)  # (1, R, M)
        mean, xc, var, invstd = _center(x3, eps)
        xhat = xc.reshape(-1, M)  # (R, M)
        xhat *= invstd[:, None]
        w = wb[0].reshape(M) if has_w else None
        if has_w:
            y = xhat * w
            if has_b:
                y += wb[-1].reshape(M)
        elif has_b:
            y = xhat + wb[-1].reshape(M)
        else:
            y = xhat.copy()  # xhat is saved for backward: the output must not alias it
        ctx.shape, ctx.has_w, ctx.has_b = x.shape, has_w, has_b
        ctx.wshape = x.shape[x.ndim - nd:]
        ctx.save_for_backward(xhat, invstd, w)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        xhat, invstd, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        nx, nw, nb = needs[0], ctx.has_w and needs[1], ctx.has_b and needs[-1]
        R, M = xhat.shape
        gy2 = gy.reshape(R, M)
        gx = gw = gb = None
        if nw:
            gw = np.einsum("rm,rm->m", gy2, xhat).reshape(ctx.wshape)
        if nb:
            gb = (_ones(R, gy2.dtype) @ gy2).reshape(ctx.wshape)
        if nx:
            if w is not None:
                gx = _row_backward(gy2 * w, xhat, invstd, True)
            else:
                gx = _row_backward(gy2, xhat, invstd, False)
            gx = gx.reshape(ctx.shape)
        out = (gx,)
        if ctx.has_w:
            out += (gw,)
        if ctx.has_b:
            out += (gb,)
        return out if len(out) > 1 else gx
