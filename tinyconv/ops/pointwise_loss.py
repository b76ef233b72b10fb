"""Pointwise losses: MSE, L1, smooth L1, BCE with logits; and the reductions every loss shares.

Legend: x input, t target, d = x - t, l per-element loss, y reduced output, gy/gx/gt
gradients; ggx/ggt the gradients flowing into a backward (second order).  ``reduction`` is
'none', 'mean' or 'sum' (validated by nn.functional); n is the number of loss elements.

Each loss's backward is an op of its own (``*Backward``): its forward is the array formula of
the first-order gradient (first-order training runs only that), its backward the second
derivatives, written with differentiable ops so that they differentiate again.  A backward is
linear in gy: ``gx = core(x, t) * f(gy)`` with f the reduction's adjoint (``gy``, or ``gy / n``
for 'mean'), so the gradient with respect to gy is ``reduce(core * ggx)``.
"""
import numpy as np

from .._engine import Op
from ._needed import return_needed
from .activation import sigmoid
from .elementwise import Abs, Add, Clamp, Div, Exp, Log, Mul, Neg, Sub, Where, const
from .reduce import Sum

__all__ = ["MSELoss", "L1Loss", "SmoothL1Loss", "BCEWithLogits", "MSELossBackward",
           "L1LossBackward", "SmoothL1LossBackward", "BCEWithLogitsBackward"]


# ----------------------------------------------------------------------------- reductions
def reduce_loss(l, reduction):
    """The reduced loss of per-element losses ``l`` (NaN for the mean of nothing)."""
    if reduction == "none":
        return l
    if reduction == "sum":
        return l.sum()
    if l.size == 0:
        return np.array(np.nan, dtype=l.dtype)
    return l.sum() * (1.0 / l.size)


def grad_factor(gy, reduction, n):
    """d(reduced)/d(per-element loss) times gy: an array broadcastable to the loss shape."""
    if reduction == "none":
        return gy
    if reduction == "sum":
        return gy
    return gy * (1.0 / n) if n else gy * 0.0


def grad_factor_t(gy, reduction, n):
    """``grad_factor`` on Tensors, with differentiable ops."""
    if reduction == "mean":
        return Mul.apply(gy, const(gy, 1.0 / n if n else 0.0))
    return gy


def reduce_t(l, reduction, n):
    """The reduction of a per-element Tensor ``l`` (the adjoint of ``grad_factor_t``, with
    NaN for 'mean' over nothing, as torch's derivative of gy / 0)."""
    if reduction == "none":
        return l
    total = Sum.apply(l, axes=tuple(range(l.ndim)), keepdim=False)
    if reduction == "sum":
        return total
    return Mul.apply(total, const(l, 1.0 / n if n else float("nan")))


def add_grads(a, b):
    """a + b where either may be None (an absent gradient)."""
    if a is None or b is None:
        return b if a is None else a
    return Add.apply(a, b)


def _pair(gx, gt, needs):
    """(gx, gt) for the needed inputs of (gy, x, t)-backward ops that return gx and gt."""
    return (gx if needs[1] else None), (gt if needs[2] else None)


def _outputs(ctx, g, gt, needs):
    """A backward op's outputs: gx and/or gt (``needs`` of the loss's (x, t))."""
    outs = [a for a, n in zip((g, gt), needs) if n]
    ctx.out_needs = needs
    return return_needed(ctx, outs)


def _spread2(ctx, grads):
    """(ggx, ggt) from the gradients of a backward op's outputs."""
    it = iter(grads)
    return tuple(next(it) if n else None for n in ctx.out_needs)


def _loss_backward(fn, ctx, gy, x, t, **params):
    """Run a loss's backward op ``fn`` on (gy, x, t); its gradients placed at (x, t)."""
    needs = ctx.needs_input_grad[:2]
    outs = fn.apply(gy, x, t, needs=needs, **params)
    it = iter(outs if type(outs) is tuple else (outs,))
    return tuple(next(it) if n else None for n in needs)


# ----------------------------------------------------------------------------- MSE
class MSELoss(Op):
    category = "loss"
    node_name = "MseLossBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, t, reduction="mean"):
        d = x - t
        ctx.reduction, ctx.n = reduction, d.size
        ctx.save_for_backward(x, t, d)
        return np.asarray(reduce_loss(d * d, reduction), dtype=d.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, t, d = ctx.saved_tensors
        return _loss_backward(MSELossBackward, ctx, gy, x, t, d=d._data, reduction=ctx.reduction,
                              n=ctx.n)


class MSELossBackward(Op):
    """gx = 2 d f(gy), gt = -gx; second order: d/dgy = reduce(2 d c), d/dx = 2 f(gy) c =
    -d/dt, with c = ggx - ggt."""

    category = "loss"
    node_name = "MseLossBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x, t, d, reduction, n, needs):
        ctx.reduction, ctx.n = reduction, n
        ctx.save_for_backward(gy, x, t)
        g = d * grad_factor(gy, reduction, n)
        g *= 2.0
        return _outputs(ctx, g, -g if needs[1] else None, needs)

    @staticmethod
    def backward(ctx, *grads):
        gy, x, t = ctx.saved_tensors
        ggx, ggt = _spread2(ctx, grads)
        c = add_grads(ggx, None if ggt is None else Neg.apply(ggt))
        if c is None:
            return None, None, None
        c2 = Mul.apply(c, const(c, 2.0))
        ggy = None
        if ctx.needs_input_grad[0]:
            ggy = reduce_t(Mul.apply(Sub.apply(x, t), c2), ctx.reduction, ctx.n)
        g = Mul.apply(c2, grad_factor_t(gy, ctx.reduction, ctx.n))
        return (ggy,) + _pair(g, Neg.apply(g), ctx.needs_input_grad)


# ----------------------------------------------------------------------------- L1
class L1Loss(Op):
    """l = |d| of the difference d = x - t, which the caller computes with ``Sub`` (torch's
    l1_loss is ``(x - t).abs()``): the op keeps d, so writing into x or t after forward
    leaves the gradient alone, as in torch, and second derivatives reach x and t through
    the subtraction."""

    category = "loss"
    tensor_backward = True

    @staticmethod
    def forward(ctx, d, reduction="mean"):
        ctx.reduction, ctx.n = reduction, d.size
        ctx.save_for_backward(d)
        return np.asarray(reduce_loss(np.abs(d), reduction), dtype=d.dtype)

    @staticmethod
    def backward(ctx, gy):
        (d,) = ctx.saved_tensors
        return L1LossBackward.apply(gy, d, reduction=ctx.reduction, n=ctx.n)


class L1LossBackward(Op):
    """gd = sign(d) f(gy); second order: d/dgy = reduce(sign(d) ggd), and zeros (not "unused")
    with respect to d, as torch's, so a second derivative of l1_loss is zero rather than
    missing."""

    category = "loss"
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, d, reduction, n):
        ctx.reduction, ctx.n, ctx.sign = reduction, n, np.sign(d)
        return ctx.sign * grad_factor(gy, reduction, n)

    @staticmethod
    def backward(ctx, ggd):
        ngy, nd = ctx.needs_input_grad
        ggy = reduce_t(Mul.apply(ggd, const(ggd, ctx.sign)), ctx.reduction, ctx.n) if ngy \
            else None
        return ggy, (const(ggd, np.zeros(ctx.sign.shape, dtype=ggd.dtype)) if nd else None)


# ----------------------------------------------------------------------------- smooth L1
class SmoothL1Loss(Op):
    """l = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0: plain L1)."""

    category = "loss"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, t, reduction="mean", beta=1.0):
        d = x - t
        ad = np.abs(d)
        if beta == 0.0:
            l = ad
        else:
            l = np.where(ad < beta, (0.5 / beta) * (d * d), ad - 0.5 * beta)
        ctx.reduction, ctx.n, ctx.beta = reduction, d.size, beta
        ctx.save_for_backward(x, t, d)
        return np.asarray(reduce_loss(l, ctx.reduction), dtype=d.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, t, d = ctx.saved_tensors
        return _loss_backward(SmoothL1LossBackward, ctx, gy, x, t, d=d._data,
                              reduction=ctx.reduction, n=ctx.n, beta=ctx.beta)


class SmoothL1LossBackward(Op):
    """gx = h(d) f(gy), gt = -gx with h(d) = d / beta where |d| < beta, else sign(d); second
    order: d/dgy = reduce(h(d) c), d/dx = f(gy) c / beta where |d| < beta = -d/dt, with
    c = ggx - ggt."""

    category = "loss"
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x, t, d, reduction, n, beta, needs):
        ctx.reduction, ctx.n, ctx.beta = reduction, n, beta
        ctx.quad = np.abs(d) < beta  # where the loss is quadratic (nowhere when beta = 0)
        ctx.save_for_backward(gy, x, t)
        g = np.where(ctx.quad, d * (1.0 / beta), np.sign(d)) if beta else np.sign(d)
        g *= grad_factor(gy, reduction, n)
        return _outputs(ctx, g, -g if needs[1] else None, needs)

    @staticmethod
    def backward(ctx, *grads):
        gy, x, t = ctx.saved_tensors
        ggx, ggt = _spread2(ctx, grads)
        c = add_grads(ggx, None if ggt is None else Neg.apply(ggt))
        if c is None:
            return None, None, None
        quad = ctx.quad
        ggy = None
        if ctx.needs_input_grad[0]:
            h = sign = const(c, np.sign(x._data - t._data))
            if quad.any():
                inner = Mul.apply(Sub.apply(x, t), const(c, 1.0 / ctx.beta))
                h = Where.apply(inner, sign, cond=np.broadcast_to(quad, c.shape))
            ggy = reduce_t(Mul.apply(h, c), ctx.reduction, ctx.n)
        if not quad.any():
            return ggy, None, None
        g = Mul.apply(Mul.apply(c, const(c, quad / ctx.beta)),
                      grad_factor_t(gy, ctx.reduction, ctx.n))
        return (ggy,) + _pair(g, Neg.apply(g), ctx.needs_input_grad)


# ----------------------------------------------------------------------------- BCE
def _sigmoid_neg_t(x):
    """sigmoid(-x) and softplus(-x) of a Tensor with differentiable ops, overflow-free
    (exp is only taken of -|x|)."""
    e = Exp.apply(Neg.apply(Abs.apply(x)))  # exp(-|x|), in (0, 1]
    one = const(x, 1.0)
    ope = Add.apply(one, e)
    s = Where.apply(Div.apply(e, ope), Div.apply(one, ope), cond=x._data >= 0)
    sp = Add.apply(Log.apply(ope), Clamp.apply(Neg.apply(x), min=0.0))
    return s, sp


class BCEWithLogits(Op):
    """l = weight * ((1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)).

    softplus(-x) = log1p(exp(-|x|)) + max(-x, 0) never overflows.  weight and pos_weight are
    Tensor parameters, not differentiated (nor are they by torch); both are saved, so writing
    into either before backward raises, as torch's.
    """

    category = "loss"
    node_name = "BinaryCrossEntropyWithLogitsBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, t, weight=None, pos_weight=None, reduction="mean"):
        sp = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # softplus(-x)
        lw = None if pos_weight is None else 1.0 + (pos_weight - 1.0) * t
        l = (1.0 - t) * x + (sp if lw is None else lw * sp)
        if weight is not None:
            l *= weight
        ctx.reduction, ctx.n = reduction, l.size
        ctx.save_for_backward(x, t, sp, lw, weight, pos_weight)
        return np.asarray(reduce_loss(l, reduction), dtype=l.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, t, sp, lw, weight, pos_weight = ctx.saved_tensors
        return _loss_backward(BCEWithLogitsBackward, ctx, gy, x, t, sp=sp._data,
                              lw=None if lw is None else lw._data, weight=weight,
                              pos_weight=pos_weight, reduction=ctx.reduction, n=ctx.n)


class BCEWithLogitsBackward(Op):
    """gx = f w ((1 - t) - lw s), gt = f w ((pw - 1) sp - x), with f = f(gy), w the weight,
    pw the pos_weight, lw = 1 + (pw - 1) t, s = sigmoid(-x), sp = softplus(-x).

    Second order (ds/dx = -s (1 - s), dsp/dx = -s):
        d/dgy = reduce(w (ggx ((1 - t) - lw s) + ggt ((pw - 1) sp - x)))
        d/dx  = f w (ggx lw s (1 - s) - ggt (1 + (pw - 1) s))
        d/dt  = -f w ggx (1 + (pw - 1) s)

    weight and pos_weight arrive as the loss's saved Tensors and are saved again here, for
    the second derivatives.
    """

    category = "loss"
    node_name = "BinaryCrossEntropyWithLogitsBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x, t, sp, lw, weight, pos_weight, reduction, n, needs):
        ctx.reduction, ctx.n = reduction, n
        ctx.save_for_backward(gy, x, t, weight, pos_weight)
        f = grad_factor(gy, reduction, n)
        if weight is not None:
            f = f * weight
        gx = gt = None
        if needs[0]:
            s_neg = sigmoid(-x)
            gx = (1.0 - t) - (s_neg if lw is None else lw * s_neg)
            gx = gx * f
        if needs[1]:
            gt = -x if pos_weight is None else (pos_weight - 1.0) * sp - x
            gt = gt * f
        return _outputs(ctx, gx, gt, needs)

    @staticmethod
    def backward(ctx, *grads):
        gy, x, t, w, pw = ctx.saved_tensors
        ggx, ggt = _spread2(ctx, grads)
        ngy, nx, nt = ctx.needs_input_grad
        w = None if w is None else w._data
        pw = None if pw is None else pw._data
        s, sp = _sigmoid_neg_t(x)
        one = const(x, 1.0)
        pm1 = None if pw is None else const(x, pw - 1.0)
        lw = one if pw is None else Add.apply(one, Mul.apply(pm1, t))
        # 1 + (pw - 1) s: minus the mixed second derivative in x and t
        cross = one if pw is None else Add.apply(one, Mul.apply(pm1, s))
        ggy = g_x = g_t = None
        if ngy:
            terms = None
            if ggx is not None:
                terms = Mul.apply(ggx, Sub.apply(Sub.apply(one, t), Mul.apply(lw, s)))
            if ggt is not None:
                core_t = Neg.apply(x) if pw is None else Sub.apply(Mul.apply(pm1, sp), x)
                terms = add_grads(terms, Mul.apply(ggt, core_t))
            if terms is not None:
                if w is not None:
                    terms = Mul.apply(terms, const(terms, w))
                ggy = reduce_t(terms, ctx.reduction, ctx.n)
        if nx or nt:
            fw = grad_factor_t(gy, ctx.reduction, ctx.n)
            if w is not None:
                fw = Mul.apply(fw, const(x, w))
            if nx:
                if ggx is not None:
                    curv = Mul.apply(Mul.apply(lw, s), Sub.apply(one, s))  # lw s (1 - s)
                    g_x = Mul.apply(ggx, curv)
                if ggt is not None:
                    g_x = add_grads(g_x, Neg.apply(Mul.apply(ggt, cross)))
                g_x = None if g_x is None else Mul.apply(g_x, fw)
            if nt and ggx is not None:
                g_t = Neg.apply(Mul.apply(Mul.apply(ggx, cross), fw))
        return ggy, g_x, g_t
