"""Class losses: cross entropy (class indices or probabilities) and NLL.

Legend: x input (logits or log-probabilities), t target, l per-row loss, y reduced output,
gy/gx/gt gradients, ggx/ggt the gradients flowing into a backward (second order), p the
softmax of x.  Class-dimension losses work on rows: x (N, C, *) is viewed as (R, C) with
R = N * prod(*) rows, and t as (R,).  ``reduction`` is 'none', 'mean' or 'sum' (validated by
nn.functional).  Cross entropy fuses log-softmax and NLL: the backward is ``p - onehot``
scaled by the row weights, with p from the cached log-softmax, so large logits stay finite.

Each loss's backward is an op of its own (``*Backward``) whose forward is that array formula
(first-order training runs only it) and whose backward is written with differentiable ops:
the gradient is linear in gy, and depends on x only through logp.  As torch's cross entropy
(log_softmax, whose result it saves, then NLL), the cross-entropy ops save logp, not x, so
writing into x after forward does not affect backward: logp is a second, hidden output of
the loss op (the caller drops it), an input of the backward op, and the gradient reaching it
(second order) goes back to x through the loss op's backward, the log-softmax Jacobian
``g - p * sum(g)``.  p = exp(logp) is computed with ops on that output, so the derivatives
differentiate again.  Class weights and class-index targets are Tensor parameters saved by
both ops, so writing into them before either backward raises, as torch's.  Pointwise losses
and the reductions are in ``pointwise_loss``.
"""
import numpy as np

from .._engine import Op, is_grad_enabled
from ._needed import return_needed
from .activation import log_softmax
from .elementwise import Exp, Mul, Neg, Sub, const
from .pointwise_loss import add_grads, grad_factor, grad_factor_t, reduce_loss, reduce_t
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


def _reduce_rows(l, shape, wr, reduction, dtype):
    """(y, denom): the per-row losses ``l`` (R,) reduced as a class-index loss is -- 'none'
    gives them in the target's ``shape``, 'sum' their sum, 'mean' their sum over the counted
    weight (nan when that is 0, as torch) -- and the denominator the backward divides by."""
    if reduction == "none":
        return l.reshape(shape), 1.0
    if reduction == "sum":
        return l.sum(), 1.0
    denom = _mean_denominator(wr, l.shape[0])
    return (l.sum() / denom if denom != 0.0 else np.array(np.nan, dtype=dtype)), denom


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


def _log_softmax_vjp(logp, g, shape):
    """The log-softmax Jacobian (transposed) times g, for rows (R, C): g - p * sum(g), with
    p = exp(logp); returned in x's ``shape``.  None when g is."""
    if g is None:
        return None
    total = Sum.apply(g, axes=(1,), keepdim=True)
    return _from_rows_t(Sub.apply(g, Mul.apply(Exp.apply(logp), total)), shape)


def _arrays(*ts):
    """The arrays of saved Tensors (None stays None)."""
    return tuple(None if t is None else t._data for t in ts)


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
def _row_grads(gy, R, reduction, denom):
    """The gradient reaching each of the R rows' losses from gy, by ``_reduce_rows``'s
    reduction (a scalar for 'sum' and 'mean')."""
    if reduction == "none":
        return gy.reshape(R)
    if reduction == "sum":
        return gy
    return gy * (1.0 / denom) if denom != 0.0 else gy * 0.0


class CrossEntropy(Op):
    """Cross entropy with class-index targets, class weights, ignore_index, label smoothing.

    torch's formula: l_r = (1-e) * w[t_r] * -logp[r, t_r] + (e/C) * sum_c w[c] * -logp[r, c],
    zero on ignored rows; 'mean' divides both terms by sum_r w[t_r] over rows that count.
    Outputs (loss, logp): logp (R, C) is saved instead of x (see the module docstring).  The
    backward is ``CrossEntropyBackward``.
    """

    category = "loss"
    node_name = "NllLossBackward0"  # torch's name for this node
    n_differentiable = 2
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
        y, denom = _reduce_rows(l, target.shape, wr, reduction, x.dtype)
        ctx.params = dict(shape=x.shape, reduction=reduction, eps=eps, denom=denom)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(logp, tt, wr, valid, weight)
        return np.asarray(y, dtype=x.dtype), logp

    @staticmethod
    def backward(ctx, gy, glogp):
        logp, tt, wr, valid, weight = ctx.saved_tensors
        gx = None
        if gy is not None:
            gx = CrossEntropyBackward.apply(gy, logp, tt=tt, wr=wr, valid=valid, weight=weight,
                                            **ctx.params)
        return add_grads(gx, _log_softmax_vjp(logp, glogp, ctx.params["shape"]))


class CrossEntropyBackward(Op):
    """gx = gl * (alpha * p - T) by rows, from (gy, logp): gl the row factor of gy, T the
    (smoothed, weighted) target distribution, alpha = sum_c T its row sums, p = exp(logp).

    Second order: d/dgy = reduce(sum_c ggx * (alpha * p - T)), and for logp (dp/dlogp = p)
    u * p with u = gl * alpha * ggx, which ``CrossEntropy``'s backward takes to x through the
    log-softmax Jacobian: p * (u - sum_c(u * p)).
    """

    category = "loss"
    node_name = "NllLossBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, logp, tt, wr, valid, weight, shape, reduction, eps, denom):
        R, C = logp.shape
        gl = _row_grads(gy, R, reduction, denom)
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
        ctx.reduction, ctx.denom, ctx.eps = reduction, denom, eps
        ctx.save_for_backward(gy, logp, tt, wr, valid, weight)
        return _from_rows(gx, shape)

    @staticmethod
    def backward(ctx, ggx):
        gy, logp, *target = ctx.saved_tensors
        tt, wr, valid, weight = _arrays(*target)
        eps = ctx.eps
        R, C = logp.shape
        # T: (1 - eps) * w_r at the target class plus (eps / C) * weight on counted rows
        T = np.zeros((R, C), dtype=logp.dtype)
        T[_rows(R), tt] = (1.0 - eps) if wr is None else (1.0 - eps) * wr
        if eps > 0.0:
            smooth = np.full(C, eps / C) if weight is None else weight * (eps / C)
            T += smooth if valid is None else valid[:, None] * smooth
        alpha = const(logp, T.sum(axis=1, keepdims=True))  # (R, 1)
        p = Exp.apply(logp)
        gg = _to_rows_t(ggx)
        ggy = glogp = None
        if ctx.needs_input_grad[0]:
            core = Sub.apply(Mul.apply(p, alpha), const(logp, T))
            ggl = Sum.apply(Mul.apply(gg, core), axes=(1,), keepdim=True)  # (R, 1)
            ggy = _reduce_rows_t(ggl, ctx.reduction, ctx.denom, gy.shape)
        if ctx.needs_input_grad[1]:
            u = Mul.apply(Mul.apply(gg, alpha), _row_factor_t(gy, ctx.reduction, ctx.denom, R))
            glogp = Mul.apply(u, p)
        return ggy, glogp


class CrossEntropyProbs(Op):
    """Cross entropy with class-probability targets t of x's shape: l_r = -sum_c w_c t_rc
    logp_rc.  Label smoothing is the caller's (torch smooths t with tensor operations
    first, and so does ``F.cross_entropy``).  Outputs (loss, logp), with logp (R, C) saved
    instead of x (see the module docstring); t and the weight are saved, as torch's.  The
    backward is ``CrossEntropyProbsBackward``."""

    category = "loss"
    n_differentiable = 2
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, t, weight=None, reduction="mean"):
        x2, t2 = _to_rows(x), _to_rows(t)  # (R, C)
        logp = log_softmax(x2, 1)
        wt = t2 * weight if weight is not None else t2  # (R, C)
        l = -np.einsum("rc,rc->r", logp, wt)  # (R,)
        if reduction == "none":
            y = l.reshape((x.shape[0],) + x.shape[2:]) if x.ndim > 1 else l.reshape(())
        else:
            y = reduce_loss(l, reduction)
        ctx.params = dict(shape=x.shape, reduction=reduction)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(logp, t, wt, weight)
        return np.asarray(y, dtype=x.dtype), logp

    @staticmethod
    def backward(ctx, gy, glogp):
        logp, t, wt, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = gt = None
        if gy is not None:
            outs = CrossEntropyProbsBackward.apply(gy, logp, t, wt=wt._data, weight=weight,
                                                   needs=needs, **ctx.params)
            it = iter(outs if type(outs) is tuple else (outs,))
            gx, gt = (next(it) if n else None for n in needs)
        if needs[0]:
            gx = add_grads(gx, _log_softmax_vjp(logp, glogp, ctx.params["shape"]))
        return gx, gt


class CrossEntropyProbsBackward(Op):
    """(gx, gt), the needed ones, from (gy, logp, t): gx = gl * (p * S - wt), gt = -gl * w *
    logp by rows, with wt = t * w the weighted target (``wt``: the forward's array), S its row
    sums, gl the row factor of gy, p = exp(logp).

    Second order (rows):
        d/dgy   = reduce(sum_c ggx * (p S - wt) - sum_c ggt * w * logp)
        d/dlogp = u * p + v,  u = gl S ggx, v = -gl w ggt  (to x through the log-softmax
                  Jacobian in ``CrossEntropyProbs``' backward)
        d/dt    = gl w (sum_c(ggx p) - ggx)
    """

    category = "loss"
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, logp, t, wt, weight, shape, reduction, needs):
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
            outs.append(_from_rows(gx, shape))
        if nt:
            gt = np.negative(logp)
            if weight is not None:
                gt *= weight
            gt *= gl
            outs.append(_from_rows(gt, shape))
        ctx.out_needs, ctx.reduction = needs, reduction
        ctx.save_for_backward(gy, logp, t, weight)
        return return_needed(ctx, outs)

    @staticmethod
    def backward(ctx, *grads):
        gy, logp, t, weight = ctx.saved_tensors
        it = iter(grads)
        ggx, ggt = (next(it) if n else None for n in ctx.out_needs)
        ngy, nlogp, nt = ctx.needs_input_grad
        R, C = logp.shape
        p = Exp.apply(logp)
        w = None if weight is None else const(logp, weight._data)
        t2 = _to_rows_t(t)
        wt = t2 if w is None else Mul.apply(t2, w)
        S = Sum.apply(wt, axes=(1,), keepdim=True)  # (R, 1)
        gl = _row_factor_t(gy, ctx.reduction, R, R)
        gg = None if ggx is None else _to_rows_t(ggx)
        gt2 = None if ggt is None else _to_rows_t(ggt)
        wgt = None if gt2 is None else (gt2 if w is None else Mul.apply(gt2, w))  # w ggt
        ggy = g_logp = g_t = None
        if ngy:
            ggl = None
            if gg is not None:
                ggl = Mul.apply(gg, Sub.apply(Mul.apply(p, S), wt))
            if wgt is not None:
                ggl = add_grads(ggl, Neg.apply(Mul.apply(wgt, logp)))
            if ggl is not None:
                ggl = Sum.apply(ggl, axes=(1,), keepdim=True)
                ggy = _reduce_rows_t(ggl, ctx.reduction, R, gy.shape)
        if nlogp:
            if gg is not None:
                g_logp = Mul.apply(Mul.apply(Mul.apply(gg, S), gl), p)
            if wgt is not None:
                g_logp = add_grads(g_logp, Neg.apply(Mul.apply(wgt, gl)))
        if nt and gg is not None:
            spg = Sum.apply(Mul.apply(gg, p), axes=(1,), keepdim=True)
            g_t = Mul.apply(Sub.apply(spg, gg), gl)
            g_t = _from_rows_t(g_t if w is None else Mul.apply(g_t, w), t.shape)
        return ggy, g_logp, g_t


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
        y, denom = _reduce_rows(l, target.shape, wr, reduction, x.dtype)
        ctx.params = dict(shape=x.shape, reduction=reduction, denom=denom)
        ctx.save_for_backward(tt, wr)
        return np.asarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        tt, wr = ctx.saved_tensors
        return NLLLossBackward.apply(gy, tt=tt, wr=wr, **ctx.params)


class NLLLossBackward(Op):
    """gx = -gl * w_r at each row's target class, zero elsewhere, from gy alone (it does not
    depend on x); its backward picks ggx at the targets: d/dgy = reduce(-w_r * ggx[r, t_r]).
    The targets and row weights arrive as the loss's saved Tensors and are saved again."""

    category = "loss"
    node_name = "NllLossBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, tt, wr, shape, reduction, denom):
        R = tt.shape[0]
        gl = _row_grads(gy, R, reduction, denom)
        g = -gl if wr is None else -gl * wr
        C = shape[1] if len(shape) > 1 else shape[0]
        gx = np.zeros((R, C), dtype=gy.dtype)
        gx[_rows(R), tt] = g
        ctx.reduction, ctx.denom, ctx.gy_shape = reduction, denom, gy.shape
        ctx.save_for_backward(tt, wr)
        return _from_rows(gx, shape)

    @staticmethod
    def backward(ctx, ggx):
        tt, wr = _arrays(*ctx.saved_tensors)
        if is_grad_enabled():
            tt = tt.copy()  # GetItem's node keeps its index for the next derivative
        R = tt.shape[0]
        picked = GetItem.apply(_to_rows_t(ggx), index=(_rows(R), tt))  # (R,)
        w = -1.0 if wr is None else -wr
        ggl = Reshape.apply(Mul.apply(picked, const(ggx, w)), shape=(R, 1))
        return _reduce_rows_t(ggl, ctx.reduction, ctx.denom, ctx.gy_shape)
