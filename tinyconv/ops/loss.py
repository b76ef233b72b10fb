"""Class losses: cross entropy (class indices or probabilities) and NLL.

Legend: x input (logits or log-probabilities), t target, l per-row loss, y reduced output,
gy/gx/gt gradients, ggx/ggt the gradients flowing into a backward (second order), p the
softmax of x.  Class-dimension losses work on rows: x (N, C, *) is viewed as (R, C) with
R = N * prod(*) rows, and t as (R,).  ``reduction`` is 'none', 'mean' or 'sum' (validated by
nn.functional).  Cross entropy fuses log-softmax and NLL: the backward is ``p - onehot``
scaled by the row weights, with p from the cached log-softmax, so large logits stay finite.

Each loss's backward is an op of its own (``*Backward``) whose forward is that array formula
(first-order training runs only it) and whose backward is written with differentiable ops:
the gradient is linear in gy, and depends on x only through p, whose Jacobian-vector products
``p * (u - sum(u * p))`` give the second derivatives.  p is recomputed there from x (a
composite softmax) so that they differentiate again.  Pointwise losses and the reductions
are in ``pointwise_loss``.
"""
import numpy as np

from .._engine import Op
from .activation import log_softmax
from .elementwise import Add, Div, Exp, Log, Mul, Neg, Sub, const
from .pointwise_loss import grad_factor, grad_factor_t, reduce_loss, reduce_t
from .reduce import Sum
from .shape import GetItem, Permute, Reshape

__all__ = ["CrossEntropy", "CrossEntropyProbs", "NLLLoss", "CrossEntropyBackward",
           "CrossEntropyProbsBackward", "NLLLossBackward"]


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


# ----------------------------------------------------------------- rows and softmax, as ops
def _to_rows_t(x):
    """``_to_rows`` of a Tensor, with differentiable ops."""
    if x.ndim == 1:
        return Reshape.apply(x, shape=(1, x.shape[0]))
    if x.ndim == 2:
        return x
    dims = (0,) + tuple(range(2, x.ndim)) + (1,)
    return Reshape.apply(Permute.apply(x, dims=dims), shape=(-1, x.shape[1]))  # (R, C)


def _from_rows_t(g, shape):
    """``_from_rows`` of a Tensor (R, C), with differentiable ops."""
    if len(shape) <= 2:
        return Reshape.apply(g, shape=shape) if len(shape) == 1 else g
    g = Reshape.apply(g, shape=(shape[0],) + tuple(shape[2:]) + (shape[1],))  # (N, *, C)
    nd = len(shape)
    return Permute.apply(g, dims=(0, nd - 1) + tuple(range(1, nd - 1)))


def _softmax_rows_t(x2):
    """(p, logp) of rows x2 (R, C) with differentiable ops; the row maximum subtracted first
    is a constant (softmax does not depend on it)."""
    z = Sub.apply(x2, const(x2, x2._data.max(axis=1, keepdims=True) if x2._data.size
                            else 0.0))
    e = Exp.apply(z)
    se = Sum.apply(e, axes=(1,), keepdim=True)
    return Div.apply(e, se), Sub.apply(z, Log.apply(se))


def _softmax_vjp(p, u):
    """The softmax Jacobian (transposed) times u, for rows: p * (u - sum(u * p))."""
    return Mul.apply(p, Sub.apply(u, Sum.apply(Mul.apply(u, p), axes=(1,), keepdim=True)))


def _row_factor_t(gy, reduction, n, R):
    """d(reduced)/d(row loss) times gy, as a Tensor broadcasting against (R, 1) rows."""
    gl = grad_factor_t(gy, reduction, n)
    return Reshape.apply(gl, shape=(R, 1)) if reduction == "none" else gl


def _reduce_rows_t(ggl, reduction, n, shape):
    """The adjoint of ``_row_factor_t``: per-row gradients (R, 1) to gy's ``shape``."""
    if reduction == "none":
        return Reshape.apply(ggl, shape=shape)
    return reduce_t(ggl, reduction, n)


# ----------------------------------------------------------------------------- cross entropy
class CrossEntropy(Op):
    """Cross entropy with class-index targets, class weights, ignore_index, label smoothing.

    torch's formula: l_r = (1-e) * w[t_r] * -logp[r, t_r] + (e/C) * sum_c w[c] * -logp[r, c],
    zero on ignored rows; 'mean' divides both terms by sum_r w[t_r] over rows that count.
    The backward is ``CrossEntropyBackward``.
    """

    category = "loss"
    node_name = "NllLossBackward0"  # torch's name for this node
    tensor_backward = True

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
        ctx.params = dict(reduction=reduction, eps=eps, denom=denom)
        ctx.save_for_backward(x, logp, tt, wr, valid, weight)
        return np.asarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, logp, tt, wr, valid, weight = ctx.saved_tensors
        return CrossEntropyBackward.apply(
            gy, x, logp=logp._data, tt=tt._data, wr=None if wr is None else wr._data,
            valid=None if valid is None else valid._data,
            weight=None if weight is None else weight._data, **ctx.params)


class CrossEntropyBackward(Op):
    """gx = gl * (alpha * p - T) by rows, from (gy, x): gl the row factor of gy, T the
    (smoothed, weighted) target distribution and alpha = sum_c T its row sums.

    Second order: d/dgy = reduce(sum_c ggx * (alpha * p - T)), and for x the softmax
    Jacobian applied to u = gl * alpha * ggx: p * (u - sum_c(u * p)).
    """

    category = "loss"
    node_name = "NllLossBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x, logp, tt, wr, valid, weight, reduction, eps, denom):
        R, C = logp.shape
        if reduction == "none":
            gl = gy.reshape(R)
        elif reduction == "sum":
            gl = gy
        else:
            gl = gy * (1.0 / denom) if denom != 0.0 else gy * 0.0
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
        ctx.reduction, ctx.denom = reduction, denom
        ctx.target = (tt, wr, valid, weight, eps)
        ctx.save_for_backward(gy, x)
        return _from_rows(gx, x.shape)

    @staticmethod
    def backward(ctx, ggx):
        gy, x = ctx.saved_tensors
        tt, wr, valid, weight, eps = ctx.target
        x2 = _to_rows_t(x)
        R, C = x2.shape
        # T: (1 - eps) * w_r at the target class plus (eps / C) * weight on counted rows
        T = np.zeros((R, C), dtype=x2.dtype)
        T[_rows(R), tt] = (1.0 - eps) if wr is None else (1.0 - eps) * wr
        if eps > 0.0:
            smooth = np.full(C, eps / C) if weight is None else weight * (eps / C)
            T += smooth if valid is None else valid[:, None] * smooth
        alpha = const(x2, T.sum(axis=1, keepdims=True))  # (R, 1)
        p, _ = _softmax_rows_t(x2)
        gg = _to_rows_t(ggx)
        ggy = gx = None
        if ctx.needs_input_grad[0]:
            core = Sub.apply(Mul.apply(p, alpha), const(x2, T))
            ggl = Sum.apply(Mul.apply(gg, core), axes=(1,), keepdim=True)  # (R, 1)
            ggy = _reduce_rows_t(ggl, ctx.reduction, ctx.denom, gy.shape)
        if ctx.needs_input_grad[1]:
            u = Mul.apply(Mul.apply(gg, alpha), _row_factor_t(gy, ctx.reduction, ctx.denom, R))
            gx = _from_rows_t(_softmax_vjp(p, u), x.shape)
        return ggy, gx


class CrossEntropyProbs(Op):
    """Cross entropy with class-probability targets t of x's shape (optionally smoothed).
    The backward is ``CrossEntropyProbsBackward``."""

    category = "loss"
    tensor_backward = True

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
            y = reduce_loss(l, reduction)
        ctx.params = dict(weight=weight, reduction=reduction, eps=eps)
        ctx.save_for_backward(x, t, logp, wt)
        return np.asarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, t, logp, wt = ctx.saved_tensors
        needs = ctx.needs_input_grad
        outs = CrossEntropyProbsBackward.apply(gy, x, t, logp=logp._data, wt=wt._data,
                                               needs=needs, **ctx.params)
        it = iter(outs if type(outs) is tuple else (outs,))
        return tuple(next(it) if n else None for n in needs)


class CrossEntropyProbsBackward(Op):
    """(gx, gt), the needed ones, from (gy, x, t): gx = gl * (p * S - wt), gt = -gl * (1 - e)
    * w * logp by rows, with wt = ((1 - e) t + e / C) * w the weighted smoothed target, S its
    row sums, gl the row factor of gy.

    Second order (rows):
        d/dgy = reduce(sum_c ggx * (p S - wt) - (1 - e) * sum_c ggt * w * logp)
        d/dx  = p * (u - sum_c(u p)) + v - p * sum_c(v),  u = gl S ggx, v = -gl (1 - e) w ggt
        d/dt  = gl (1 - e) w (sum_c(ggx p) - ggx)
    """

    category = "loss"
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x, t, logp, wt, weight, reduction, eps, needs):
        R, C = logp.shape
        nx, nt = needs
        gl = grad_factor(gy, reduction, R)
        gl = gl.reshape(R, 1) if reduction == "none" else gl
        outs = []
        if nx:
            gx = np.exp(logp)
            gx *= wt.sum(axis=1, keepdims=True)
            gx -= wt
            gx *= gl
            outs.append(_from_rows(gx, x.shape))
        if nt:
            gt = logp * (-(1.0 - eps))
            if weight is not None:
                gt *= weight
            gt *= gl
            outs.append(_from_rows(gt, x.shape))
        ctx.n_differentiable = len(outs)
        ctx.out_needs, ctx.weight, ctx.reduction, ctx.eps = needs, weight, reduction, eps
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(gy, x, t)
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        gy, x, t = ctx.saved_tensors
        it = iter(grads)
        ggx, ggt = (next(it) if n else None for n in ctx.out_needs)
        ngy, nx, nt = ctx.needs_input_grad
        x2, t2 = _to_rows_t(x), _to_rows_t(t)
        R, C = x2.shape
        eps = ctx.eps
        p, logp = _softmax_rows_t(x2)
        w = const(x2, 1.0 if ctx.weight is None else ctx.weight)
        wt = Mul.apply(Add.apply(Mul.apply(t2, const(x2, 1.0 - eps)), const(x2, eps / C)), w)
        S = Sum.apply(wt, axes=(1,), keepdim=True)  # (R, 1)
        gl = _row_factor_t(gy, ctx.reduction, R, R)
        k = Mul.apply(w, const(x2, 1.0 - eps))  # d wt / d t
        gg = None if ggx is None else _to_rows_t(ggx)
        gt2 = None if ggt is None else _to_rows_t(ggt)
        ggy = g_x = g_t = None
        if ngy:
            ggl = None
            if gg is not None:
                ggl = Mul.apply(gg, Sub.apply(Mul.apply(p, S), wt))
            if gt2 is not None:
                term = Neg.apply(Mul.apply(Mul.apply(gt2, k), logp))
                ggl = term if ggl is None else Add.apply(ggl, term)
            if ggl is not None:
                ggl = Sum.apply(ggl, axes=(1,), keepdim=True)
                shape = gy.shape
                ggy = _reduce_rows_t(ggl, ctx.reduction, R, shape)
        if nx:
            if gg is not None:
                g_x = _softmax_vjp(p, Mul.apply(Mul.apply(gg, S), gl))
            if gt2 is not None:
                v = Neg.apply(Mul.apply(Mul.apply(gt2, k), gl))
                lv = Sub.apply(v, Mul.apply(p, Sum.apply(v, axes=(1,), keepdim=True)))
                g_x = lv if g_x is None else Add.apply(g_x, lv)
            g_x = None if g_x is None else _from_rows_t(g_x, x.shape)
        if nt and gg is not None:
            spg = Sum.apply(Mul.apply(gg, p), axes=(1,), keepdim=True)
            g_t = _from_rows_t(Mul.apply(Mul.apply(Sub.apply(spg, gg), k), gl), t.shape)
        return ggy, g_x, g_t


# ----------------------------------------------------------------------------- NLL
class NLLLoss(Op):
    """l_r = -w[t_r] * x[r, t_r] (0 on ignored rows); 'mean' divides by sum_r w[t_r].  The
    backward is ``NLLLossBackward``."""

    category = "loss"
    node_name = "NllLossBackward0"  # torch's name for this node
    tensor_backward = True

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
        ctx.params = dict(shape=x.shape, reduction=reduction, denom=denom)
        ctx.save_for_backward(tt, wr)
        return np.asarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        tt, wr = ctx.saved_tensors
        return NLLLossBackward.apply(gy, tt=tt._data, wr=None if wr is None else wr._data,
                                     **ctx.params)


class NLLLossBackward(Op):
    """gx = -gl * w_r at each row's target class, zero elsewhere, from gy alone (it does not
    depend on x); its backward picks ggx at the targets: d/dgy = reduce(-w_r * ggx[r, t_r])."""

    category = "loss"
    node_name = "NllLossBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, tt, wr, shape, reduction, denom):
        R = tt.shape[0]
        if reduction == "none":
            gl = gy.reshape(R)
        elif reduction == "sum":
            gl = gy
        else:
            gl = gy * (1.0 / denom) if denom != 0.0 else gy * 0.0
        g = -gl if wr is None else -gl * wr
        C = shape[1] if len(shape) > 1 else shape[0]
        gx = np.zeros((R, C), dtype=gy.dtype)
        gx[_rows(R), tt] = g
        ctx.tt, ctx.wr, ctx.reduction, ctx.denom, ctx.gy_shape = tt, wr, reduction, denom, \
            gy.shape
        return _from_rows(gx, shape)

    @staticmethod
    def backward(ctx, ggx):
        R = ctx.tt.shape[0]
        picked = GetItem.apply(_to_rows_t(ggx), index=(_rows(R), ctx.tt))  # (R,)
        w = -1.0 if ctx.wr is None else -ctx.wr
        ggl = Reshape.apply(Mul.apply(picked, const(ggx, w)), shape=(R, 1))
        return _reduce_rows_t(ggl, ctx.reduction, ctx.denom, ctx.gy_shape)
