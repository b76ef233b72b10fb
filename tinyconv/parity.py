"""Parity of every public op with PyTorch: ``python -m tinyconv.parity``.

Runs each public function of ``tinyconv.nn.functional`` and the Tensor ops over a grid of
their options, in float64 and float32, on the same random inputs as PyTorch, and records the
maximum absolute and relative error of the forward output and of every input's gradient
(backward with the same random cotangent on both sides).  Writes ``docs/parity.md`` (a
Markdown table) and ``docs/parity.json``.

Errors are measured against torch in the same dtype.  The relative error of an array is
``max|a - e| / max|e|`` (``max|a - e|`` when ``e`` is all zeros): a norm-wise relative error,
so values near zero inside a large output do not inflate it.

torch is imported only inside this tool (never by ``import tinyconv``).

    python -m tinyconv.parity               # writes docs/parity.md and docs/parity.json
    python -m tinyconv.parity --out DIR     # somewhere else
    python -m tinyconv.parity --check       # exit 1 if a bound is exceeded
"""
from __future__ import annotations

import argparse
import inspect
import itertools
import json
import os
import sys
import warnings

import numpy as np

# acceptance bounds on the relative error (forward and every gradient)
BOUNDS = {"float64": 1e-8, "float32": 1e-4}
DTYPES = ("float64", "float32")


class Case:
    """One op call: named inputs and a function ``fn(M, F, *tensors)`` valid for both libraries.

    ``M`` is the top-level module (``tinyconv`` or ``torch``), ``F`` its ``nn.functional``.
    Each input is ``(name, maker, differentiable)`` where ``maker(rng, dtype)`` returns an array.
    """

    def __init__(self, op, label, inputs, fn):
        self.op, self.label, self.inputs, self.fn = op, label, inputs, fn


def _normal(*shape, scale=1.0, away=0.0):
    def make(rng, dtype):
        a = rng.standard_normal(shape) * scale
        if away:  # keep |x| away from a kink (relu, abs, l1 ...)
            a = np.where(np.abs(a) < away, np.sign(a + 1e-300) * away + a, a)
        return a.astype(dtype)
    return make


def _distinct(*shape):
    """A permutation of well separated values: no ties for max/argmax."""
    def make(rng, dtype):
        n = int(np.prod(shape))
        return (rng.permutation(n).reshape(shape) * (4.0 / n) - 2.0).astype(dtype)
    return make


def _positive(*shape, lo=0.5, hi=2.0):
    def make(rng, dtype):
        return rng.uniform(lo, hi, shape).astype(dtype)
    return make


def _ints(low, high, *shape, fixed=None):
    def make(rng, dtype):
        a = rng.integers(low, high, shape).astype(np.int64)
        if fixed is not None:
            a.reshape(-1)[: len(fixed)] = fixed
        return a
    return make


def _uniform(*shape):
    def make(rng, dtype):
        return rng.uniform(0.0, 1.0, shape).astype(dtype)
    return make


def _x(*shape, **kw):
    return ("input", _normal(*shape, **kw), True)


def _cases():  # noqa: C901 - one flat list of grids
    cs = []
    add = cs.append

    # ---- conv2d ---------------------------------------------------------------------------
    kernels = [(3, 3), (2, 3), (1, 1), (3, 1)]
    geoms = [dict(), dict(stride=2), dict(stride=(1, 2)), dict(padding=1), dict(padding=(1, 2)),
             dict(padding="same"), dict(padding="valid"), dict(dilation=2),
             dict(dilation=(2, 1), padding=1), dict(stride=2, padding=1, dilation=(1, 2))]
    for (kh, kw), g in itertools.product(kernels, geoms):
        for bias in (True, False):
            ins = [_x(2, 4, 7, 6), ("weight", _normal(5, 4, kh, kw, scale=0.3), True)]
            if bias:
                ins.append(("bias", _normal(5), True))
            add(Case("conv2d", f"k={kh}x{kw} {g} bias={bias}", ins,
                     lambda M, F, *t, g=g: F.conv2d(*t, **g)))
    for groups, cin, cout in [(2, 4, 6), (4, 4, 4), (4, 4, 8), (3, 6, 3)]:
        for g in (dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2)):
            ins = [_x(2, cin, 8, 7),
                   ("weight", _normal(cout, cin // groups, 3, 3, scale=0.3), True),
                   ("bias", _normal(cout), True)]
            add(Case("conv2d", f"groups={groups} {cin}->{cout} {g}", ins,
                     lambda M, F, *t, g=g, gr=groups: F.conv2d(*t, groups=gr, **g)))
    # big enough for the Winograd / direct / im2col selections to kick in
    add(Case("conv2d", "3x3 16->16 on 12x12 pad 1", [_x(2, 16, 12, 12),
             ("weight", _normal(16, 16, 3, 3, scale=0.1), True), ("bias", _normal(16), True)],
             lambda M, F, *t: F.conv2d(*t, padding=1)))
    add(Case("conv2d", "5x5 1->6 on 14x14 (LeNet)", [_x(3, 1, 14, 14),
             ("weight", _normal(6, 1, 5, 5, scale=0.2), True), ("bias", _normal(6), True)],
             lambda M, F, *t: F.conv2d(*t)))

    # ---- conv_transpose2d -----------------------------------------------------------------
    for (kh, kw), g in itertools.product([(3, 3), (2, 3), (1, 1)],
                                         [dict(), dict(stride=2), dict(stride=2, padding=1,
                                          output_padding=1), dict(dilation=2, padding=(1, 0)),
                                          dict(stride=(2, 1), output_padding=(1, 0))]):
        ins = [_x(2, 4, 5, 6), ("weight", _normal(4, 3, kh, kw, scale=0.3), True),
               ("bias", _normal(3), True)]
        add(Case("conv_transpose2d", f"k={kh}x{kw} {g}", ins,
                 lambda M, F, *t, g=g: F.conv_transpose2d(*t, **g)))
    add(Case("conv_transpose2d", "groups=2", [_x(2, 4, 5, 5),
             ("weight", _normal(4, 3, 3, 3, scale=0.3), True)],
             lambda M, F, *t: F.conv_transpose2d(*t, groups=2, stride=2)))

    # ---- pooling --------------------------------------------------------------------------
    for k, s, p, d, cm in [(2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 2, 1, 1, True),
                           ((2, 3), (1, 2), (1, 1), 1, False), (2, 2, 0, 2, True),
                           (3, 1, 1, (2, 1), False), ((3, 2), 3, (1, 0), 1, True),
                           (1, 1, 0, 1, False)]:
        add(Case("max_pool2d", f"k={k} s={s} p={p} d={d} ceil={cm}",
                 [("input", _distinct(2, 3, 7, 8), True)],
                 lambda M, F, x, a=(k, s, p, d, cm): F.max_pool2d(x, a[0], a[1], a[2], a[3], a[4])))
    for k, s, p, cm, cip, div in [(2, None, 0, False, True, None), (3, 2, 1, False, True, None),
                                  (3, 2, 1, False, False, None), (3, 2, 1, True, True, None),
                                  (3, 2, 1, True, False, None),
                                  ((2, 3), (1, 2), (1, 1), False, False, None),
                                  ((3, 2), 2, (1, 0), True, True, None), (2, 2, 1, False, True, 3)]:
        add(Case("avg_pool2d", f"k={k} s={s} p={p} ceil={cm} cip={cip} div={div}", [_x(2, 3, 7, 8)],
                 lambda M, F, x, a=(k, s, p, cm, cip, div): F.avg_pool2d(x, *a)))
    for osz in [1, (2, 3), (3, 3), (5, 4), (None, 2), 7]:
        add(Case("adaptive_avg_pool2d", f"out={osz}", [_x(2, 3, 7, 8)],
                 lambda M, F, x, o=osz: F.adaptive_avg_pool2d(x, o)))

    # ---- normalisation --------------------------------------------------------------------
    for shape in [(4, 3, 5, 6), (6, 3), (5, 3, 7)]:
        C = shape[1]
        for training, affine in [(True, True), (True, False), (False, True)]:
            ins = [_x(*shape, scale=2.0)]
            ins += [("running_mean", _normal(C), False), ("running_var", _positive(C), False)]
            if affine:
                ins += [("weight", _positive(C), True), ("bias", _normal(C), True)]

            def bn(M, F, x, rm, rv, *wb, tr=training):
                y = F.batch_norm(x, rm, rv, *wb, training=tr, momentum=0.3, eps=1e-4)
                return y if not tr else (y, rm, rv)
            add(Case("batch_norm", f"{shape} training={training} affine={affine}", ins, bn))
    for shape, groups in [((2, 6, 4, 5), 3), ((2, 6, 4, 5), 1), ((2, 6, 4, 5), 6), ((3, 4, 7), 2)]:
        C = shape[1]
        add(Case("group_norm", f"{shape} groups={groups}",
                 [_x(*shape), ("weight", _positive(C), True), ("bias", _normal(C), True)],
                 lambda M, F, x, w, b, g=groups: F.group_norm(x, g, w, b, eps=1e-5)))
    add(Case("group_norm", "no affine", [_x(2, 4, 3, 3)], lambda M, F, x: F.group_norm(x, 2)))
    for shape, ns in [((2, 3, 4, 5), (5,)), ((2, 3, 4, 5), (4, 5)), ((2, 3, 4, 5), (3, 4, 5)),
                      ((6, 7), (7,))]:
        add(Case("layer_norm", f"{shape} normalized={ns}",
                 [_x(*shape), ("weight", _positive(*ns), True), ("bias", _normal(*ns), True)],
                 lambda M, F, x, w, b, n=ns: F.layer_norm(x, n, w, b)))
    add(Case("layer_norm", "no affine eps=1e-3", [_x(3, 8)],
             lambda M, F, x: F.layer_norm(x, (8,), eps=1e-3)))
    add(Case("instance_norm", "affine", [_x(2, 3, 5, 4), ("weight", _positive(3), True),
             ("bias", _normal(3), True)],
             lambda M, F, x, w, b: F.instance_norm(x, weight=w, bias=b)))
    add(Case("instance_norm", "running stats", [_x(2, 3, 5, 4), ("running_mean", _normal(3), False),
             ("running_var", _positive(3), False)],
             lambda M, F, x, rm, rv: (F.instance_norm(x, rm, rv, momentum=0.2), rm, rv)))

    # ---- activations ----------------------------------------------------------------------
    act = (3, 4, 5)
    add(Case("relu", "", [_x(*act, away=1e-2)], lambda M, F, x: F.relu(x)))
    for slope in (0.01, 0.2, -0.5):
        add(Case("leaky_relu", f"slope={slope}", [_x(*act, away=1e-2)],
                 lambda M, F, x, s=slope: F.leaky_relu(x, s)))
    for appr in ("none", "tanh"):
        add(Case("gelu", f"approximate={appr}", [_x(*act, scale=3.0)],
                 lambda M, F, x, a=appr: F.gelu(x, approximate=a)))
    add(Case("sigmoid", "", [_x(*act, scale=4.0)], lambda M, F, x: F.sigmoid(x)))
    add(Case("tanh", "", [_x(*act, scale=3.0)], lambda M, F, x: F.tanh(x)))
    for dim in (0, 1, -1):
        add(Case("softmax", f"dim={dim}", [_x(*act, scale=5.0)],
                 lambda M, F, x, d=dim: F.softmax(x, dim=d)))
        add(Case("log_softmax", f"dim={dim}", [_x(*act, scale=5.0)],
                 lambda M, F, x, d=dim: F.log_softmax(x, dim=d)))
    add(Case("softmax", "large logits", [_x(4, 10, scale=300.0)],
             lambda M, F, x: F.softmax(x, dim=1)))
    add(Case("log_softmax", "large logits", [_x(4, 10, scale=300.0)],
             lambda M, F, x: F.log_softmax(x, dim=1)))
    add(Case("dropout", "training=False", [_x(*act)], lambda M, F, x: F.dropout(x, 0.5, False)))
    add(Case("dropout", "p=0", [_x(*act)], lambda M, F, x: F.dropout(x, 0.0, True)))
    add(Case("dropout", "p=1", [_x(*act)], lambda M, F, x: F.dropout(x, 1.0, True)))
    for shape in [(5, 4), (2, 3, 4), (4,)]:
        for bias in (True, False):
            ins = [_x(*shape), ("weight", _normal(6, 4), True)] + ([("bias", _normal(6), True)]
                                                                   if bias else [])
            add(Case("linear", f"{shape} bias={bias}", ins, lambda M, F, *t: F.linear(*t)))

    # ---- losses ---------------------------------------------------------------------------
    N, K = 6, 5
    for red in ("mean", "sum", "none"):
        for ls in (0.0, 0.1):
            for ign, w in [(-100, False), (2, False), (-100, True), (1, True)]:
                ins = [_x(N, K, scale=2.0), ("target", _ints(0, K, N, fixed=[1, 2]), False)]
                if w:
                    ins.append(("weight", _positive(K), False))

                def ce(M, F, x, t, *w, r=red, s=ls, i=ign):
                    return F.cross_entropy(x, t, w[0] if w else None, ignore_index=i,
                                           reduction=r, label_smoothing=s)
                add(Case("cross_entropy", f"reduction={red} ls={ls} ignore={ign} weight={w}",
                         ins, ce))
        add(Case("cross_entropy", f"spatial reduction={red} ls=0.2",
                 [_x(2, K, 3, 4), ("target", _ints(0, K, 2, 3, 4), False)],
                 lambda M, F, x, t, r=red: F.cross_entropy(x, t, reduction=r, label_smoothing=0.2)))
        add(Case("cross_entropy", f"probability targets reduction={red}",
                 [_x(N, K), ("target", _uniform(N, K), False)],
                 lambda M, F, x, t, r=red: F.cross_entropy(x, t, reduction=r)))
        for ign, w in [(-100, False), (0, True)]:
            ins = [_x(N, K), ("target", _ints(0, K, N, fixed=[0, 1]), False)]
            if w:
                ins.append(("weight", _positive(K), False))
            add(Case("nll_loss", f"reduction={red} ignore={ign} weight={w}", ins,
                     lambda M, F, x, t, *w, r=red, i=ign: F.nll_loss(
                         x, t, w[0] if w else None, ignore_index=i, reduction=r)))
        add(Case("nll_loss", f"spatial reduction={red}",
                 [_x(2, K, 3, 4), ("target", _ints(0, K, 2, 3, 4), False)],
                 lambda M, F, x, t, r=red: F.nll_loss(x, t, reduction=r)))
        for name in ("mse_loss", "l1_loss"):
            add(Case(name, f"reduction={red}", [_x(3, 4, 5), ("target", _normal(3, 4, 5, away=0.0),
                     True)], lambda M, F, x, t, r=red, n=name: getattr(F, n)(x, t, reduction=r)))
        add(Case("mse_loss", f"broadcast target reduction={red}",
                 [_x(3, 4), ("target", _normal(3, 4), False)],
                 lambda M, F, x, t, r=red: F.mse_loss(x, t, reduction=r)))
        for beta in (1.0, 0.5, 0.0):
            add(Case("smooth_l1_loss", f"reduction={red} beta={beta}",
                     [_x(3, 4, 5), ("target", _normal(3, 4, 5), True)],
                     lambda M, F, x, t, r=red, b=beta: F.smooth_l1_loss(x, t, reduction=r, beta=b)))
        for w, pw in [(False, False), (True, False), (False, True), (True, True)]:
            ins = [_x(4, 5, scale=3.0), ("target", _uniform(4, 5), True)]
            if w:
                ins.append(("weight", _positive(4, 5), False))
            if pw:
                ins.append(("pos_weight", _positive(5), False))

            def bce(M, F, x, t, *rest, r=red, w=w, pw=pw):
                rest = list(rest)
                wt = rest.pop(0) if w else None
                pwt = rest.pop(0) if pw else None
                return F.binary_cross_entropy_with_logits(x, t, wt, reduction=r, pos_weight=pwt)
            add(Case("binary_cross_entropy_with_logits",
                     f"reduction={red} weight={w} pos_weight={pw}", ins, bce))

    # ---- pad ------------------------------------------------------------------------------
    for p, mode, value in [((1, 2), "constant", None), ((1, 0, 2, 1), "constant", 1.5),
                           ((2, 1, 1, 2), "reflect", None), ((1, 1, 2, 0), "replicate", None),
                           ((0, 0, 0, 0, 1, 1), "constant", None),
                           ((-1, 1, 0, -1), "constant", None)]:
        add(Case("pad", f"pad={p} mode={mode} value={value}", [_x(2, 3, 4, 5)],
                 lambda M, F, x, a=(p, mode, value): F.pad(x, a[0], mode=a[1], value=a[2])))

    # ---- toolbox (present when the toolbox functions are) ---------------------------------
    for k, d, p, s in [(2, 1, 0, 1), ((2, 3), 1, 1, 2), (3, 2, 1, (1, 2))]:
        add(Case("unfold", f"k={k} d={d} p={p} s={s}", [_x(2, 3, 7, 6)],
                 lambda M, F, x, a=(k, d, p, s): F.unfold(x, *a)))
    for out, k, d, p, s, L in [((4, 5), 2, 1, 0, 1, 12), ((5, 6), (2, 3), 1, 1, 2, 9),
                               ((7, 6), 3, 2, 1, (1, 2), 10)]:
        add(Case("fold", f"out={out} k={k} d={d} p={p} s={s}",
                 [_x(2, 3 * int(np.prod(k if isinstance(k, tuple) else (k, k))), L)],
                 lambda M, F, x, a=(out, k, d, p, s): F.fold(x, *a)))
    for k, s, p in [(2, None, 0), (3, 2, 1), ((2, 3), (2, 1), 0)]:
        def unpool(M, F, x, a=(k, s, p)):
            y, idx = F.max_pool2d(x, a[0], a[1], a[2], return_indices=True)
            return F.max_unpool2d(y, idx, a[0], a[1], a[2], output_size=x.shape[-2:])
        add(Case("max_unpool2d", f"k={k} s={s} p={p}", [("input", _distinct(2, 3, 6, 7), True)],
                 unpool))
    for kw in [dict(scale_factor=2), dict(size=(5, 7)), dict(scale_factor=(1.5, 2.5)),
               dict(size=(3, 4), mode="nearest-exact"), dict(scale_factor=2, mode="bilinear"),
               dict(size=(7, 5), mode="bilinear", align_corners=True),
               dict(size=(3, 9), mode="bilinear", align_corners=False)]:
        add(Case("interpolate", " ".join(f"{a}={b}" for a, b in kw.items()), [_x(2, 3, 4, 5)],
                 lambda M, F, x, kw=kw: F.interpolate(x, **kw)))
    add(Case("interpolate", "linear 3-D size=9", [_x(2, 3, 5)],
             lambda M, F, x: F.interpolate(x, size=9, mode="linear", align_corners=False)))
    add(Case("upsample", "scale_factor=2 nearest", [_x(2, 3, 4, 5)],
             lambda M, F, x: F.upsample(x, scale_factor=2)))
    add(Case("pixel_shuffle", "r=2", [_x(2, 8, 3, 4)], lambda M, F, x: F.pixel_shuffle(x, 2)))
    add(Case("pixel_unshuffle", "r=2", [_x(2, 3, 4, 6)], lambda M, F, x: F.pixel_unshuffle(x, 2)))
    add(Case("flatten", "start_dim=1", [_x(2, 3, 4)], lambda M, F, x: M.flatten(x, 1)))

    # ---- tensor ops -----------------------------------------------------------------------
    a, b = (3, 4, 5), (4, 1)
    binary = [("add", lambda M, F, x, y: x + y), ("sub", lambda M, F, x, y: x - y),
              ("mul", lambda M, F, x, y: x * y), ("div", lambda M, F, x, y: x / y),
              ("maximum", lambda M, F, x, y: M.maximum(x, y)),
              ("minimum", lambda M, F, x, y: M.minimum(x, y))]
    for name, fn in binary:
        ybig = _positive(*b) if name == "div" else _normal(*b)
        add(Case(f"Tensor.{name}", "broadcast (3,4,5)x(4,1)", [_x(*a), ("other", ybig, True)], fn))
        other = _positive(3, 4) if name == "div" else _normal(3, 4)
        add(Case(f"Tensor.{name}", "same shape", [_x(3, 4), ("other", other, True)], fn))
    add(Case("Tensor.add", "scalar", [_x(3, 4)], lambda M, F, x: 2.5 + x * 0.5 - 1.0))
    add(Case("Tensor.pow", "tensor exponent", [("input", _positive(3, 4), True),
             ("exponent", _normal(3, 4), True)], lambda M, F, x, y: x ** y))
    for e in (2, 3.0, 0.5, -1.5):
        add(Case("Tensor.pow", f"exponent={e}", [("input", _positive(3, 4), True)],
                 lambda M, F, x, e=e: x ** e))
    add(Case("Tensor.pow", "rpow", [_x(3, 4)], lambda M, F, x: 2.0 ** x))
    for name, mk in [("exp", _normal(3, 4)), ("log", _positive(3, 4)), ("sqrt", _positive(3, 4)),
                     ("abs", _normal(3, 4, away=1e-2)), ("neg", _normal(3, 4))]:
        add(Case(f"Tensor.{name}", "", [("input", mk, True)],
                 lambda M, F, x, n=name: getattr(x, n)()))
    for lo, hi in [(-0.5, 0.5), (None, 0.3), (-0.2, None)]:
        add(Case("Tensor.clamp", f"min={lo} max={hi}", [_x(4, 5, away=1e-3)],
                 lambda M, F, x, lo=lo, hi=hi: x.clamp(lo, hi)))
    add(Case("where", "", [("condition", lambda r, d: r.random((3, 4)) < 0.5, False), _x(3, 4),
             ("other", _normal(3, 4), True)], lambda M, F, c, x, y: M.where(c, x, y)))
    for sa, sb in [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 6)), ((4,), (4, 3)),
                   ((3, 4), (4,))]:
        add(Case("Tensor.matmul", f"{sa}@{sb}", [_x(*sa), ("other", _normal(*sb), True)],
                 lambda M, F, x, y: x @ y))
    for dim, kd in [(None, False), (1, False), ((0, 2), True), (-1, True)]:
        for name in ("sum", "mean"):
            args = () if dim is None else (dim,)
            add(Case(f"Tensor.{name}", f"dim={dim} keepdim={kd}", [_x(3, 4, 5)],
                     lambda M, F, x, n=name, a=args, kd=kd: getattr(x, n)(*a, keepdim=kd)
                     if a else getattr(x, n)()))
        for name in ("var", "std"):
            for corr in (0, 1):
                add(Case(f"Tensor.{name}", f"dim={dim} keepdim={kd} correction={corr}",
                         [_x(3, 4, 5)], lambda M, F, x, n=name, d=dim, kd=kd, c=corr:
                         getattr(x, n)(dim=d, keepdim=kd, correction=c)))
    for name in ("max", "min"):
        add(Case(f"Tensor.{name}", "all", [("input", _distinct(3, 4, 5), True)],
                 lambda M, F, x, n=name: getattr(x, n)()))
        add(Case(f"Tensor.{name}", "dim=1", [("input", _distinct(3, 4, 5), True)],
                 lambda M, F, x, n=name: getattr(x, n)(1).values))
    add(Case("Tensor.amax", "dim=(0,2)", [("input", _distinct(3, 4, 5), True)],
             lambda M, F, x: x.amax((0, 2))))
    shape_ops = [
        ("Tensor.reshape", "(6,-1)", lambda M, F, x: x.reshape(6, -1)),
        ("Tensor.view", "(12,5)", lambda M, F, x: x.view(12, 5)),
        ("Tensor.permute", "(2,0,1)", lambda M, F, x: x.permute(2, 0, 1)),
        ("Tensor.transpose", "(0,2)", lambda M, F, x: x.transpose(0, 2)),
        ("Tensor.unsqueeze", "dim=1", lambda M, F, x: x.unsqueeze(1)),
        ("Tensor.squeeze", "dim=1", lambda M, F, x: x[:, :1].squeeze(1)),
        ("Tensor.expand", "(2,3,4,5)", lambda M, F, x: x.expand(2, 3, 4, 5)),
        ("Tensor.repeat", "(2,1,2)", lambda M, F, x: x.repeat(2, 1, 2)),
        ("Tensor.__getitem__", "slices", lambda M, F, x: x[1:, ::2, -3:]),
        ("Tensor.__getitem__", "int and None", lambda M, F, x: x[1, None, :, 2]),
        ("Tensor.__getitem__", "repeated index", lambda M, F, x: x[[0, 2, 0]]),
        ("cat", "dim=1", lambda M, F, x: M.cat([x, x * 2.0, x[:, :1]], 1)),
        ("stack", "dim=0", lambda M, F, x: M.stack([x, x * 3.0], 0)),
    ]
    for op, label, fn in shape_ops:
        add(Case(op, label, [_x(3, 4, 5)], fn))
    return cs


def _libs(which):
    if which == "tinyconv":
        import tinyconv as M
        import tinyconv.nn.functional as F
    else:
        import torch as M
        import torch.nn.functional as F
    return M, F


def _flatten_out(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flatten_out(o))
        return res
    return [out]


def _run(lib, case, arrays, cotangents=None):
    """Forward (and backward when cotangents are given) of one case in one library."""
    M, F = _libs(lib)
    ts = []
    for (name, _, diff), arr in zip(case.inputs, arrays):
        if lib == "tinyconv":
            t = M.tensor(arr.copy(), requires_grad=diff)
        else:
            t = M.tensor(arr.copy(), requires_grad=diff)
        ts.append(t)
    outs = _flatten_out(case.fn(M, F, *ts))
    if lib == "tinyconv":
        vals = [np.array(o._data, copy=True) for o in outs]
    else:
        vals = [o.detach().numpy().copy() for o in outs]
    # buffers updated in place (running stats) are compared too, after the call
    bufs = [np.array(t._data if lib == "tinyconv" else t.detach().numpy(), copy=True)
            for (n, _, d), t in zip(case.inputs, ts) if not d and n.startswith("running")]
    return ts, outs, vals, bufs


def _err(a, e):
    a64, e64 = np.asarray(a, dtype=np.float64), np.asarray(e, dtype=np.float64)
    if a64.shape != e64.shape:
        return float("inf"), float("inf")
    if a64.size == 0:
        return 0.0, 0.0
    both_nan = np.isnan(a64) & np.isnan(e64)
    d = np.where(both_nan, 0.0, np.abs(a64 - e64))
    if not np.all(np.isfinite(d)):
        same_inf = np.isinf(a64) & (a64 == e64)
        d = np.where(same_inf, 0.0, d)
        if not np.all(np.isfinite(d)):
            return float("inf"), float("inf")
    abs_err = float(d.max())
    scale = float(np.max(np.where(np.isfinite(e64), np.abs(e64), 0.0)))
    return abs_err, (abs_err / scale if scale > 0 else abs_err)


def run_case(case, dtype, seed=0):
    """Errors of one case in one dtype: {'forward': (abs, rel), 'grad': {name: (abs, rel)}}."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation/performance notes are not errors
        return _run_case(case, dtype, seed, torch)


def _run_case(case, dtype, seed, torch):
    rng = np.random.default_rng(seed)
    arrays = [mk(rng, np.dtype(dtype)) for (_, mk, _) in case.inputs]
    t_ts, t_outs, t_vals, t_bufs = _run("torch", case, arrays)
    c_ts, c_outs, c_vals, c_bufs = _run("tinyconv", case, arrays)
    res = {"forward": (0.0, 0.0), "grad": {}, "problems": []}
    if len(t_vals) != len(c_vals):
        res["problems"].append(f"{len(c_vals)} outputs, torch has {len(t_vals)}")
        res["forward"] = (float("inf"), float("inf"))
        return res
    fa = fr = 0.0
    for cv, tv in zip(c_vals + c_bufs, t_vals + t_bufs):
        if cv.dtype != tv.dtype:
            res["problems"].append(f"output dtype {cv.dtype}, torch {tv.dtype}")
        ea, er = _err(cv, tv)
        fa, fr = max(fa, ea), max(fr, er)
    res["forward"] = (fa, fr)
    # backward with the same cotangent through the differentiable outputs
    rng_g = np.random.default_rng(seed + 1)
    t_sum = c_sum = None
    for to, co, tv in zip(t_outs, c_outs, t_vals):
        if not to.requires_grad:
            continue
        g = rng_g.standard_normal(tv.shape).astype(tv.dtype)
        t_term = (to * torch.tensor(g)).sum()
        import tinyconv as tc
        c_term = (co * tc.tensor(g)).sum()
        t_sum = t_term if t_sum is None else t_sum + t_term
        c_sum = c_term if c_sum is None else c_sum + c_term
    if t_sum is None:
        return res
    t_sum.backward()
    c_sum.backward()
    for (name, _, diff), tt, ct in zip(case.inputs, t_ts, c_ts):
        if not diff:
            continue
        tg = tt.grad.numpy() if tt.grad is not None else np.zeros(tt.shape, dtype=dtype)
        cg = ct.grad._data if ct.grad is not None else np.zeros(ct.shape, dtype=dtype)
        if cg.dtype != np.dtype(dtype):
            res["problems"].append(f"grad of {name} has dtype {cg.dtype}")
        res["grad"][name] = _err(cg, tg)
    return res


def public_ops():
    """Names of the public functions of tinyconv.nn.functional (what the table must cover)."""
    import tinyconv.nn.functional as F

    names = []
    for n, o in vars(F).items():
        if n.startswith("_") or not inspect.isfunction(o):
            continue
        if not o.__module__.startswith(("tinyconv.nn.functional", "tinyconv._functions")):
            continue
        names.append(n)
    return sorted(names)


def run(cases=None, dtypes=DTYPES, seed=0):
    """Run every case; returns the JSON-ready result dict."""
    import tinyconv.nn.functional as F

    if cases is None:
        cases = [c for c in _cases() if c.op.startswith("Tensor.")
                 or c.op in ("cat", "stack", "where") or hasattr(F, c.op)]
    import torch

    torch.set_num_threads(1)
    ops = {}
    for i, case in enumerate(cases):
        for dt in dtypes:
            try:
                r = run_case(case, dt, seed + i)
            except Exception as e:  # recorded as a failure in the table, never hidden
                r = {"forward": (float("inf"), float("inf")), "grad": {},
                     "problems": [f"{type(e).__name__}: {e}"]}
            ent = ops.setdefault(case.op, {}).setdefault(dt, {
                "cases": 0, "forward": {"abs": 0.0, "rel": 0.0}, "grad": {},
                "worst": None, "worst_rel": -1.0, "problems": []})
            ent["cases"] += 1
            fa, fr = r["forward"]
            ent["forward"]["abs"] = max(ent["forward"]["abs"], fa)
            ent["forward"]["rel"] = max(ent["forward"]["rel"], fr)
            worst = fr
            for name, (ga, gr) in r["grad"].items():
                g = ent["grad"].setdefault(name, {"abs": 0.0, "rel": 0.0})
                g["abs"], g["rel"] = max(g["abs"], ga), max(g["rel"], gr)
                worst = max(worst, gr)
            if worst > ent["worst_rel"]:
                ent["worst_rel"], ent["worst"] = worst, case.label
            ent["problems"] += [f"{case.label}: {p}" for p in r["problems"]]
    import tinyconv

    return {"tinyconv": tinyconv.__version__, "torch": torch.__version__,
            "numpy": np.__version__, "bounds_rel": BOUNDS, "cases": len(cases),
            "relative_error": "max|a-e| / max|e| per array (max|a-e| when e == 0)",
            "ops": {k: ops[k] for k in sorted(ops)}}


def failures(result):
    """(op, dtype, what, rel) for every entry above its bound or with a problem."""
    bad = []
    for op, per in result["ops"].items():
        for dt, ent in per.items():
            bound = result["bounds_rel"][dt]
            if not ent["forward"]["rel"] <= bound:
                bad.append((op, dt, "forward", ent["forward"]["rel"]))
            for name, g in ent["grad"].items():
                if not g["rel"] <= bound:
                    bad.append((op, dt, f"grad {name}", g["rel"]))
            for p in ent["problems"]:
                bad.append((op, dt, p, float("nan")))
    return bad


def _fmt(v):
    return "0" if v == 0 else f"{v:.1e}"


def to_markdown(result):
    lines = [
        "# Parity with PyTorch",
        "",
        "Generated by `python -m tinyconv.parity` (tinyconv "
        f"{result['tinyconv']}, torch {result['torch']}, NumPy {result['numpy']}); "
        "do not edit by hand. `tests/test_parity.py` regenerates it and checks it.",
        "",
        f"{result['cases']} option combinations per dtype (kernel shapes incl. non-square, "
        "stride, padding incl. 'same', dilation, groups, ceil_mode, count_include_pad, "
        "divisor_override, ignore_index, label_smoothing, class weights, reductions, ...), "
        "each run in float64 and float32 on the same random inputs as torch in the same dtype. "
        "Columns give the maximum over all of an op's cases of the absolute and relative error "
        "of the forward output (and updated running statistics) and of each input's gradient "
        "(backward of a random cotangent). Relative error = max|a-e| / max|e| per array. "
        f"Bounds: float64 < {BOUNDS['float64']:g}, float32 < {BOUNDS['float32']:g} relative.",
        "",
        "| op | dtype | cases | forward abs | forward rel | gradients: abs / rel | worst case |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for op, per in result["ops"].items():
        for dt in DTYPES:
            if dt not in per:
                continue
            e = per[dt]
            grads = "; ".join(f"{n}: {_fmt(g['abs'])} / {_fmt(g['rel'])}"
                              for n, g in e["grad"].items()) or "-"
            worst = (e["worst"] or "").replace("|", "\\|")
            lines.append(f"| `{op}` | {dt} | {e['cases']} | {_fmt(e['forward']['abs'])} | "
                         f"{_fmt(e['forward']['rel'])} | {grads} | {worst} |")
    bad = failures(result)
    lines += ["", f"Entries above their bound or with problems: {len(bad)}."]
    for op, dt, what, rel in bad:
        lines.append(f"- `{op}` {dt} {what}: {rel:.3g}")
    return "\n".join(lines) + "\n"


def ops_in_markdown(text):
    """The op names listed in a parity.md table."""
    ops = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            ops.add(line.split("`")[1])
    return ops


def write(result, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "parity.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=False)
        f.write("\n")
    with open(os.path.join(out_dir, "parity.md"), "w") as f:
        f.write(to_markdown(result))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tinyconv.parity",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "docs"), help="output directory (default: the repo's docs/)")
    ap.add_argument("--check", action="store_true", help="exit 1 when a bound is exceeded")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print("tinyconv.parity needs torch (pip install torch==2.13.0)", file=sys.stderr)
        return 2
    result = run(seed=args.seed)
    write(result, args.out)
    bad = failures(result)
    n_ops = len(result["ops"])
    print(f"{result['cases']} cases, {n_ops} ops, 2 dtypes -> {args.out}/parity.md, parity.json; "
          f"{len(bad)} above bound")
    for op, dt, what, rel in bad:
        print(f"  {op} {dt} {what}: {rel:.3g}")
    return 1 if (args.check and bad) else 0


if __name__ == "__main__":
    sys.exit(main())
