"""Losses: cross entropy (class indices or probabilities), NLL, MSE, L1, smooth L1, BCE with logits.

Legend: x input (logits or log-probabilities), t target, l per-element loss, y reduced output,
gy/gx/gt gradients.  Class-dimension losses work on rows: x (N, C, *) is viewed as (R, C) with
R = N * prod(*) rows, and t as (R,).  ``reduction`` is 'none', 'mean' or 'sum' (validated by
nn.functional).  Cross entropy fuses log-softmax and NLL: the backward is ``p - onehot`` scaled
by the row weights, with p the softmax, so large logits stay finite.
"""
import numpy as np

from .._engine import Op
from .activation import log_softmax, sigmoid


def _to_rows(x):
    """(N, C, *) or (C,) -> (R, C) rows (a view when the class axis is last already)."""
    if x.ndim == 1:
        return x[None, :]
    if x.ndim == 2:
        return x
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])  # (N*prod(*), C)


def _from_rows(g, shape):
    """Inverse of ``_to_rows`` for a gradient of shape (R, C)."""
    if len(shape) == 1:
        return g[0]
    if len(shape) == 2:
        return g
    g = g.reshape((shape[0],) + tuple(shape[2:]) + (shape[1],))  # (N, *, C)
    return np.ascontiguousarray(np.moveaxis(g, -1, 1))


def _reduce(l, reduction):
    if reduction == "none":
        return l
    if reduction == "sum":
        return l.sum()
    if l.size == 0:
        return np.array(np.nan, dtype=l.dtype)
    return l.sum() * (1.0 / l.size)


def _grad_factor(gy, reduction, n):
    """d(reduced)/d(per-element loss) times gy: an array broadcastable to the loss shape."""
    if reduction == "none":
        return gy
    if reduction == "sum":
        return gy
    return gy * (1.0 / n) if n else gy * 0.0


def _pick_rows(t, ignore_index, weight, dtype):
    """Row weights for class targets: (t with ignored rows set to class 0, w_r or None, valid).

    w_r is weight[t] (or 1) with ignored rows zeroed; None when every row counts with weight 1.
    ``ignore_index=None`` says no target can be ignored (checked by the caller).
    """
    if ignore_index is None:
        valid, all_valid = None, True
    else:
        valid = t != ignore_index
        all_valid = bool(valid.all())
    tt = t if all_valid else np.where(valid, t, 0)
    if weight is None:
        wr = None if all_valid else valid.astype(dtype)
    else:
        wr = weight[tt]
        if not all_valid:
            wr = wr * valid
    return tt, wr, (None if all_valid else valid)


_ARANGE = [np.arange(0, dtype=np.intp)]


def _rows(R):
    """np.arange(R), cached and read-only (row indices for picking one class per row)."""
    a = _ARANGE[0]
    if a.shape[0] < R:
        a = np.arange(max(R, 2 * a.shape[0]), dtype=np.intp)
        a.flags.writeable = False
        _ARANGE[0] = a
    return a[:R]


def _mean_denominator(wr, R):
    return float(wr.sum()) if wr is not None else float(R)


class CrossEntropy(Op):
    """Cross entropy with class-index targets, class weights, ignore_index, label smoothing.

    torch's formula: l_r = (1-e) * w[t_r] * -logp[r, t_r] + (e/C) * sum_c w[c] * -logp[r, c],
    zero on ignored rows; 'mean' divides both terms by sum_r w[t_r] over rows that count.
    """

    category = "loss"
    node_name = "NllLossBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, target=None, weight=None, ignore_index=-100, reduction="mean",
                label_smoothing=0.0):
        x2 = _to_rows(x)  # (R, C)
        R, C = x2.shape
        t = target.reshape(R)
        logp = log_softmax(x2, 1)  # (R, C)
        tt, wr, valid = _pick_rows(t, ignore_index, weight, x.dtype)
        rows = _rows(R)
        l = -logp[rows, tt]  # (R,)
        if wr is not None:
            l *= wr
        eps = label_smoothing
        if eps > 0.0:
            sm = -(logp @ weight) if weight is not None else -logp.sum(axis=1)  # (R,)
            if valid is not None:
                sm *= valid
            l *= 1.0 - eps
            l += sm * (eps / C)
        denom = 1.0
        if reduction == "none":
            y = l.reshape(target.shape)
        elif reduction == "sum":
            y = l.sum()
        else:
            denom = _mean_denominator(wr, R)
            y = l.sum() / denom if denom != 0.0 else np.array(np.nan, dtype=x.dtype)
        ctx.shape, ctx.reduction, ctx.eps, ctx.denom = x.shape, reduction, eps, denom
        ctx.save_for_backward(logp, tt, wr, valid, weight)
        return np.asarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        logp, tt, wr, valid, weight = ctx.saved_tensors
        R, C = logp.shape
        eps = ctx.eps
        if ctx.reduction == "none":
            gl = gy.reshape(R)
        elif ctx.reduction == "sum":
            gl = gy
        else:
            gl = gy * (1.0 / ctx.denom) if ctx.denom != 0.0 else gy * 0.0
        onehot = gl * (1.0 - eps) if wr is None else gl * (1.0 - eps) * wr  # scalar or (R,)
        a = onehot
        if eps > 0.0:
            gv = gl if valid is None else gl * valid  # d loss / d smoothing term, per row
            total = float(weight.sum()) if weight is not None else float(C)
            a = a + gv * (eps / C * total)
        gx = np.exp(logp)  # softmax p
        gx *= a[:, None] if np.ndim(a) else a
        gx[_rows(R), tt] -= onehot
        if eps > 0.0:
            gv = np.broadcast_to(gv, (R,)) * (eps / C)
            gx -= gv[:, None] * weight if weight is not None else gv[:, None]
        return _from_rows(gx, ctx.shape)


class CrossEntropyProbs(Op):
    """Cross entropy with class-probability targets t of x's shape (optionally smoothed)."""

    category = "loss"

    @staticmethod
    def forward(ctx, x, t, weight=None, reduction="mean", label_smoothing=0.0):
        x2, t2 = _to_rows(x), _to_rows(t)  # (R, C)
        R, C = x2.shape
        logp = log_softmax(x2, 1)
        eps = label_smoothing
        ts = t2 * (1.0 - eps) + eps / C if eps > 0.0 else t2
        wt = ts * weight if weight is not None else ts  # (R, C)
        l = -np.einsum("rc,rc->r", logp, wt)  # (R,)
        if reduction == "none":
            y = l.reshape((x.shape[0],) + x.shape[2:]) if x.ndim > 1 else l.reshape(())
        else:
            y = _reduce(l, reduction)
        ctx.shape, ctx.reduction, ctx.eps = x.shape, reduction, eps
        ctx.save_for_backward(logp, wt, weight)
        return np.asarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        logp, wt, weight = ctx.saved_tensors
        R, C = logp.shape
        nx, nt = ctx.needs_input_grad
        gl = _grad_factor(gy, ctx.reduction, R)
        gl = gl.reshape(R, 1) if ctx.reduction == "none" else gl
        gx = gt = None
        if nx:
            gx = np.exp(logp)
            gx *= wt.sum(axis=1, keepdims=True)
            gx -= wt
            gx *= gl
            gx = _from_rows(gx, ctx.shape)
        if nt:
            gt = logp * (-(1.0 - ctx.eps))
            if weight is not None:
                gt *= weight
            gt *= gl
            gt = _from_rows(gt, ctx.shape)
        return gx, gt


class NLLLoss(Op):
    """l_r = -w[t_r] * x[r, t_r] (0 on ignored rows); 'mean' divides by sum_r w[t_r]."""

    category = "loss"
    node_name = "NllLossBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, target=None, weight=None, ignore_index=-100, reduction="mean"):
        x2 = _to_rows(x)
        R, C = x2.shape
        t = target.reshape(R)
        tt, wr, valid = _pick_rows(t, ignore_index, weight, x.dtype)
        l = -x2[_rows(R), tt]
        if wr is not None:
            l *= wr
        denom = 1.0
        if reduction == "none":
            y = l.reshape(target.shape)
        elif reduction == "sum":
            y = l.sum()
        else:
            denom = _mean_denominator(wr, R)
            y = l.sum() / denom if denom != 0.0 else np.array(np.nan, dtype=x.dtype)
        ctx.shape, ctx.reduction, ctx.denom, ctx.C = x.shape, reduction, denom, C
        ctx.save_for_backward(tt, wr)
        return np.asarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        tt, wr = ctx.saved_tensors
        R = tt.shape[0]
        if ctx.reduction == "none":
            gl = gy.reshape(R)
        elif ctx.reduction == "sum":
            gl = gy
        else:
            gl = gy * (1.0 / ctx.denom) if ctx.denom != 0.0 else gy * 0.0
        g = -gl if wr is None else -gl * wr
        gx = np.zeros((R, ctx.C), dtype=gy.dtype)
        gx[_rows(R), tt] = g
        return _from_rows(gx, ctx.shape)


class MSELoss(Op):
    category = "loss"
    node_name = "MseLossBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, t, reduction="mean"):
        d = x - t
        ctx.reduction, ctx.n = reduction, d.size
        ctx.save_for_backward(d)
        return np.asarray(_reduce(d * d, reduction), dtype=d.dtype)

    @staticmethod
    def backward(ctx, gy):
        (d,) = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        g = d * _grad_factor(gy, ctx.reduction, ctx.n)
        g *= 2.0
        return (g if nx else None), (-g if nt else None)


class L1Loss(Op):
    category = "loss"

    @staticmethod
    def forward(ctx, x, t, reduction="mean"):
        d = x - t
        ctx.reduction, ctx.n = reduction, d.size
        ctx.save_for_backward(d)
        return np.asarray(_reduce(np.abs(d), reduction), dtype=d.dtype)

    @staticmethod
    def backward(ctx, gy):
        (d,) = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        g = np.sign(d) * _grad_factor(gy, ctx.reduction, ctx.n)
        return (g if nx else None), (-g if nt else None)


class SmoothL1Loss(Op):
    """l = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0: plain L1)."""

    category = "loss"

    @staticmethod
    def forward(ctx, x, t, reduction="mean", beta=1.0):
        d = x - t
        ad = np.abs(d)
        if beta == 0.0:
            l = ad
        else:
            l = np.where(ad < beta, (0.5 / beta) * (d * d), ad - 0.5 * beta)
        ctx.reduction, ctx.n, ctx.beta = reduction, d.size, beta
        ctx.save_for_backward(d)
        return np.asarray(_reduce(l, ctx.reduction), dtype=d.dtype)

    @staticmethod
    def backward(ctx, gy):
        (d,) = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        beta = ctx.beta
        if beta == 0.0:
            g = np.sign(d)
        else:
            g = np.where(np.abs(d) < beta, d * (1.0 / beta), np.sign(d))
        g *= _grad_factor(gy, ctx.reduction, ctx.n)
        return (g if nx else None), (-g if nt else None)


class BCEWithLogits(Op):
    """l = weight * ((1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)).

    softplus(-x) = log1p(exp(-|x|)) + max(-x, 0) never overflows.  weight and pos_weight are
    constant ndarrays (torch does not differentiate them either).
    """

    category = "loss"
    node_name = "BinaryCrossEntropyWithLogitsBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, t, weight=None, pos_weight=None, reduction="mean"):
        sp = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # softplus(-x)
        lw = None if pos_weight is None else 1.0 + (pos_weight - 1.0) * t
        l = (1.0 - t) * x + (sp if lw is None else lw * sp)
        if weight is not None:
            l *= weight
        ctx.reduction, ctx.n = reduction, l.size
        ctx.save_for_backward(x, t, sp, lw, weight, pos_weight)
        return np.asarray(_reduce(l, reduction), dtype=l.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, t, sp, lw, weight, pos_weight = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        f = _grad_factor(gy, ctx.reduction, ctx.n)
        if weight is not None:
            f = f * weight
        gx = gt = None
        if nx:
            s_neg = sigmoid(-x)
            gx = (1.0 - t) - (s_neg if lw is None else lw * s_neg)
            gx = gx * f
        if nt:
            gt = -x if pos_weight is None else (pos_weight - 1.0) * sp - x
            gt = gt * f
        return gx, gt
