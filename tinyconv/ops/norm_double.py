"""The second derivatives of the normalizations (batch, group, instance, layer norm and
SyncBatchNorm), written with differentiable ops so that they differentiate again.

Legend as in ``ops/norm.py``: x input, w weight, gy the output gradient; ggx, ggw, ggb the
gradients flowing into the backward's outputs (gx, gw, gb); statistics per group of m values
(a channel over (N, L) for batch norm, a (sample, group) for group norm, a row for layer
norm); ``s = invstd``, ``xhat = (x - mean) * s``.
"""
from .elementwise import Add, Div, Mul, Sqrt, Sub, const
from .reduce import Sum
from .shape import Expand, Reshape


def _total(terms, shape):
    """The sum of gradient terms (Tensors broadcasting to ``shape``), expanded to it; None
    when there is none."""
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    g = terms[0]
    for t in terms[1:]:
        g = Add.apply(g, t)
    return g if g.shape == shape else Expand.apply(g, shape=shape)


def norm_double_backward(needs, gy, x, w, ggx, ggw, ggb, view, axes, wview, eps, stats=None,
                         allsum=None, m=None):
    """The backward of a normalization's backward, written with differentiable ops.

    The normalization's backward maps (gy, x, w) to (gx, gw, gb); this returns the gradients
    of ``<ggx, gx> + <ggw, gw> + <ggb, gb>`` with respect to (gy, x, w) (None where ``needs``
    is false or nothing flows).  In the view of x given by ``view``, statistics are taken over
    ``axes`` (m values each) and w broadcasts as ``wview``.  With ``stats=None`` they are
    the batch's own (training): ``s = invstd``, ``xhat = (x - mean) * s`` and

        gx = s * P(gy * w),   P(v) = v - mean(v) - xhat * mean(v * xhat)   (per group)

    P is self-adjoint and ``J_xhat^T v = s * P(v)``, which gives, with g = gy * w,
    U = sum(ggx * xhat), V = sum(g * xhat), a = sum((ggx - mean(ggx)) * g) per group:

        d/dgy = ggb + ggw * xhat + w * s * P(ggx)
        d/dw  = sum(gy * s * P(ggx))               (over the axes w is broadcast along)
        d/dx  = s * P(ggw * gy) - (s^2 / m) * (xhat * (a - U V / m) + V P(ggx) + U P(g))

    With ``stats=(mean, invstd)`` (constant arrays broadcasting against the view: eval-mode
    batch norm) P is the identity and the x-dependence of the statistics drops out.
    The statistics are recomputed from x with differentiable ops, so these gradients
    differentiate again.  ``allsum`` (a differentiable op summing over processes) makes every
    per-group sum a sum over the batches of all processes, m of them (SyncBatchNorm); w's
    gradient stays this process's share, as the first-order one.
    """
    ngy, nx, nw = needs
    batch = stats is None
    X = Reshape.apply(x, shape=view)
    if m is None:
        m = 1
        for a in axes:
            m *= view[a]

    def gsum(t):
        t = Sum.apply(t, axes=axes, keepdim=True)
        return t if allsum is None else allsum(t)

    def gmean(t):
        return Mul.apply(gsum(t), const(t, 1.0 / m if m else float("nan")))

    if batch:
        xc = Sub.apply(X, gmean(X))
        var = gmean(Mul.apply(xc, xc))
        s = Div.apply(const(X, 1.0), Sqrt.apply(Add.apply(var, const(X, eps))))
    else:
        xc = Sub.apply(X, const(X, stats[0]))
        s = const(X, stats[1])
    xhat = Mul.apply(xc, s)
    W = None if w is None else Reshape.apply(w, shape=wview)
    GY = Reshape.apply(gy, shape=view)
    GGX = None if ggx is None else Reshape.apply(ggx, shape=view)
    GGW = None if ggw is None else Reshape.apply(ggw, shape=wview)
    GGB = None if ggb is None else Reshape.apply(ggb, shape=wview)
    if batch and all(wview[a] == 1 for a in axes):  # w constant per group: batch norm
        g_gy, g_x, g_w = _per_group_double_backward(needs, GY, xhat, s, W, GGX, GGW, GGB,
                                                    axes, wview, allsum, m)
        return (None if g_gy is None else Reshape.apply(g_gy, shape=gy.shape),
                None if g_x is None else Reshape.apply(g_x, shape=x.shape),
                None if g_w is None else Reshape.apply(g_w, shape=w.shape))

    def proj(v):  # P(v)
        return Sub.apply(Sub.apply(v, gmean(v)), Mul.apply(xhat, gmean(Mul.apply(v, xhat))))

    def jt(v):  # J_xhat^T v
        return Mul.apply(s, proj(v) if batch else v)

    g_gy = g_x = g_w = None
    p_ggx = proj(GGX) if GGX is not None and batch else GGX
    q = None if GGX is None else Mul.apply(s, p_ggx)  # J_xhat^T ggx
    if ngy:
        g_gy = _total([GGB, None if GGW is None else Mul.apply(GGW, xhat),
                       None if q is None else (q if W is None else Mul.apply(W, q))], view)
        g_gy = None if g_gy is None else Reshape.apply(g_gy, shape=gy.shape)
    if nw and q is not None:
        waxes = tuple(i for i, n in enumerate(wview) if n == 1)
        g_w = Reshape.apply(Sum.apply(Mul.apply(GY, q), axes=waxes, keepdim=True),
                            shape=w.shape)
    if nx:
        terms = [None if GGW is None else jt(Mul.apply(GGW, GY))]
        if GGX is not None and batch:
            g = GY if W is None else Mul.apply(GY, W)
            a = gsum(Mul.apply(Sub.apply(GGX, gmean(GGX)), g))
            U, V = gsum(Mul.apply(GGX, xhat)), gsum(Mul.apply(g, xhat))
            c = Sub.apply(a, Mul.apply(Mul.apply(U, V), const(X, 1.0 / m)))
            inner = Add.apply(Add.apply(Mul.apply(xhat, c), Mul.apply(V, p_ggx)),
                              Mul.apply(U, proj(g)))
            terms.append(Mul.apply(inner, Mul.apply(Mul.apply(s, s), const(X, -1.0 / m))))
        g_x = _total(terms, view)
        g_x = None if g_x is None else Reshape.apply(g_x, shape=x.shape)
    return g_gy, g_x, g_w


def _per_group_double_backward(needs, GY, xhat, s, W, GGX, GGW, GGB, axes, wview, allsum,
                                m):
    """``norm_double_backward`` with batch statistics when w, ggw and ggb are constant over
    each group (batch norm, instance norm): P expanded into per-group coefficients, so that
    each result is one affine combination of full arrays,

        d/dgy = (w s) ggx + (ggw - w s U / m) xhat + (ggb - w s Mx)
        d/dw  = s (Pxy - Mx Sy - U Pyh / m)                       (this process's sums)
        d/dx  = (s ggw - s^2 U w / m) gy - (s^2 w Pyh / m) ggx + k_xhat xhat + k_0

    with S = sum, Mx = S(ggx) / m, Sy = S(gy), Pxy = S(ggx gy), U = S(ggx xhat),
    Pyh = S(gy xhat), V = w Pyh, a = w (Pxy - S(ggx) Sy / m) (g = gy w of the general form),
    k_xhat = -s ggw Pyh / m - (s^2 / m) (a - 3 U V / m) and
    k_0 = -s ggw Sy / m + (s^2 / m) (V Mx + U w Sy / m): 16 passes over the arrays
    instead of about 30.  Works on the views; returns (d/dgy, d/dx, d/dw) in them."""
    ngy, nx, nw = needs
    inv_m = 1.0 / m if m else float("nan")

    def c(v):
        return const(xhat, v)

    def lsum(t):  # this process's per-group sum
        return Sum.apply(t, axes=axes, keepdim=True)

    def glob(t):  # every process's
        return t if allsum is None else allsum(t)

    def mul(a, b):  # None stands for an absent factor, 1 (w) or 0 is handled by callers
        return a if b is None else (b if a is None else Mul.apply(a, b))

    def lin(terms):  # sum of (coefficient, array-or-None) pairs; None coefficients dropped
        out = None
        for k, arr in terms:
            if k is None:
                continue
            t = k if arr is None else Mul.apply(arr, k)
            out = t if out is None else Add.apply(out, t)
        return out

    ws = mul(W, s)  # (w s) per group
    g_gy = g_x = g_w = None
    ly = lyh = None
    if nx or (nw and GGX is not None):
        ly, lyh = lsum(GY), lsum(Mul.apply(GY, xhat))  # local S(gy), S(gy xhat)
    Sy, Pyh = (glob(ly), glob(lyh)) if ly is not None else (None, None)
    Mx = U = lxy = None
    if GGX is not None:
        Mx = Mul.apply(glob(lsum(GGX)), c(inv_m))
        U = glob(lsum(Mul.apply(GGX, xhat)))
        if nw or nx:
            lxy = lsum(Mul.apply(GGX, GY))
    if ngy:
        k_xhat = GGW
        if U is not None:
            t = Mul.apply(Mul.apply(ws, U), c(-inv_m))
            k_xhat = t if k_xhat is None else Add.apply(k_xhat, t)
        k_0 = GGB
        if Mx is not None:
            t = Mul.apply(ws, Mx)
            k_0 = Sub.apply(c(0.0), t) if k_0 is None else Sub.apply(k_0, t)
        g_gy = lin([(None if GGX is None else ws, GGX), (k_xhat, xhat), (k_0, None)])
        if g_gy is not None and g_gy.shape != xhat.shape:
            g_gy = Expand.apply(g_gy, shape=xhat.shape)
    if nw and GGX is not None:
        t = Sub.apply(Sub.apply(lxy, Mul.apply(Mx, ly)), Mul.apply(Mul.apply(U, lyh), c(inv_m)))
        g_w = Mul.apply(s, t)
        extra = tuple(i for i, n in enumerate(wview) if n == 1 and i not in axes)
        if extra:  # instance norm: statistics per (sample, channel), w per channel
            g_w = Sum.apply(g_w, axes=extra, keepdim=True)
    if nx:
        s2m = Mul.apply(Mul.apply(s, s), c(inv_m))  # s^2 / m
        k_gy = k_ggx = k_xhat = k_0 = None
        if GGW is not None:
            sggw = Mul.apply(s, GGW)
            k_gy = sggw
            k_xhat = Mul.apply(Mul.apply(sggw, Pyh), c(-inv_m))
            k_0 = Mul.apply(Mul.apply(sggw, Sy), c(-inv_m))
        if GGX is not None:
            V = mul(W, Pyh)
            wSy = mul(W, Sy)
            a = mul(W, Sub.apply(glob(lxy), Mul.apply(Mx, Sy)))
            uv = Mul.apply(Mul.apply(U, V), c(3.0 * inv_m))
            t = Mul.apply(Sub.apply(a, uv), s2m)
            k_xhat = Sub.apply(c(0.0), t) if k_xhat is None else Sub.apply(k_xhat, t)
            t = Mul.apply(mul(U, W), s2m)
            k_gy = Sub.apply(c(0.0), t) if k_gy is None else Sub.apply(k_gy, t)
            k_ggx = Sub.apply(c(0.0), Mul.apply(V, s2m))
            t = Mul.apply(Add.apply(Mul.apply(V, Mx), Mul.apply(Mul.apply(U, wSy), c(inv_m))),
                          s2m)
            k_0 = t if k_0 is None else Add.apply(k_0, t)
        g_x = lin([(k_gy, GY), (k_ggx, GGX), (k_xhat, xhat), (k_0, None)])
        if g_x is not None and g_x.shape != xhat.shape:
            g_x = Expand.apply(g_x, shape=xhat.shape)
    return g_gy, g_x, g_w
