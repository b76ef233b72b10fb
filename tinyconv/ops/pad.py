"""Padding op: constant, reflect, replicate and circular modes over the last dims.

Legend: x input, y output, gy/gx gradients; ``pads`` = (last_lo, last_hi, prev_lo, prev_hi,
...) as torch's ``F.pad``, validated by ``nn.functional.pad``.

Padding is linear in x (up to the constant fill), so its gradient is the adjoint map: a crop
for constant padding, a crop plus scatter-add of the copied borders for the other modes.
That map is the op ``PadBackward``, whose own gradient is padding again (with zeros), so
gradients of any order exist.
"""
import numpy as np

from .._engine import Op

__all__ = ["Pad", "PadBackward"]


class Pad(Op):
    """Pad the last len(pads)//2 dims: pads = (last_lo, last_hi, prev_lo, prev_hi, ...).

    mode 'constant' or 'circular' (negative pads crop first, then the crop is padded),
    'reflect' or 'replicate'.
    """

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, pads, mode, value):
        nd = len(pads) // 2
        ctx.shape, ctx.pads, ctx.mode, ctx.crop = x.shape, pads, mode, None
        width = [(0, 0)] * (x.ndim - nd) + [
            (pads[2 * k], pads[2 * k + 1]) for k in reversed(range(nd))]
        if mode in ("constant", "circular"):
            crop = tuple(slice(max(-lo, 0), s - max(-hi, 0)) for (lo, hi), s in zip(width, x.shape))
            xc = x[crop]
            width = [(max(lo, 0), max(hi, 0)) for lo, hi in width]
            if mode == "circular":
                ctx.crop = crop
                return np.pad(xc, width, mode="wrap")
            return np.pad(xc, width, mode="constant", constant_values=value)
        return np.pad(x, width, mode="reflect" if mode == "reflect" else "edge")

    @staticmethod
    def backward(ctx, gy):
        return PadBackward.apply(gy, shape=ctx.shape, pads=ctx.pads, mode=ctx.mode,
                                 crop=ctx.crop)


class PadBackward(Op):
    """gx of ``Pad`` for gy: the adjoint of padding (x's shape ``shape``; ``pads``, ``mode``
    as in Pad; ``crop``, the slices circular padding kept of x).  Its gradient pads again."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, shape, pads, mode, crop):
        ctx.pads, ctx.mode = pads, mode
        nd = len(pads) // 2
        ndim = len(shape)
        if mode == "circular":
            g = gy
            for k in range(nd):
                d = ndim - 1 - k
                lo, hi = max(pads[2 * k], 0), max(pads[2 * k + 1], 0)
                m = g.shape[d] - lo - hi  # the cropped length that was wrapped
                core = np.take(g, np.arange(lo, lo + m), axis=d)  # a copy we may add into
                idx = [slice(None)] * g.ndim
                # output index t < lo copies input m-lo+t; output lo+m+t copies input t
                idx[d] = slice(m - lo, m)
                core[tuple(idx)] += np.take(g, np.arange(0, lo), axis=d)
                idx[d] = slice(0, hi)
                core[tuple(idx)] += np.take(g, np.arange(lo + m, lo + m + hi), axis=d)
                g = core
            gx = np.zeros(shape, dtype=gy.dtype)
            gx[crop] = g
            return gx
        if mode == "constant":
            gx = np.zeros(shape, dtype=gy.dtype)
            src, dst = [], []
            for d in range(ndim):
                k = ndim - 1 - d
                lo, hi = (pads[2 * k], pads[2 * k + 1]) if k < nd else (0, 0)
                n = shape[d]
                # input index i sits at output index i + lo
                i0, i1 = max(0, -lo), min(n, gy.shape[d] - lo)
                dst.append(slice(i0, max(i0, i1)))
                src.append(slice(i0 + lo, max(i0, i1) + lo))
            gx[tuple(dst)] = gy[tuple(src)]
            return gx
        g = gy
        for k in range(nd):
            d = ndim - 1 - k
            lo, hi = pads[2 * k], pads[2 * k + 1]
            n = shape[d]
            core = np.take(g, np.arange(lo, lo + n), axis=d)  # a copy we may add into
            left = np.take(g, np.arange(0, lo), axis=d)
            right = np.take(g, np.arange(lo + n, lo + n + hi), axis=d)
            idx = [slice(None)] * g.ndim
            if mode == "reflect":
                # output index lo-1-t mirrors input index t+1; lo+n+t mirrors n-2-t
                idx[d] = slice(1, lo + 1)
                core[tuple(idx)] += np.flip(left, axis=d)
                idx[d] = slice(n - 1 - hi, n - 1)
                core[tuple(idx)] += np.flip(right, axis=d)
            else:
                idx[d] = slice(0, 1)
                core[tuple(idx)] += left.sum(axis=d, keepdims=True)
                idx[d] = slice(n - 1, n)
                core[tuple(idx)] += right.sum(axis=d, keepdims=True)
            g = core
        return g

    @staticmethod
    def backward(ctx, ggx):
        value = 0.0 if ctx.mode == "constant" else None
        return Pad.apply(ggx, pads=ctx.pads, mode=ctx.mode, value=value)
