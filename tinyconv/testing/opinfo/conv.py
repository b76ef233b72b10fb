"""Registry entries: conv2d, conv_transpose2d, unfold, fold, pad."""
import itertools

import numpy as np

from .core import BadArg, OpInfo, Sample, normal, out_size, x

NAN = float("nan")
# float32: sums of up to a few hundred products, relative to magnitude
TOL_CONV = {"float32": 1e-4}


def _conv_config(seed):
    """Random conv2d arguments: non-square, strided, dilated, padded, grouped, depthwise."""
    rng = np.random.default_rng(seed)
    while True:
        G = int(rng.choice([1, 1, 2, 3]))
        depthwise = rng.random() < 0.2
        Cg = 1 if depthwise else int(rng.integers(1, 4))
        Fg = int(rng.integers(1, 3)) if depthwise else int(rng.integers(1, 4))
        if depthwise:
            G = int(rng.integers(2, 5))
        N = int(rng.integers(1, 4))
        H, W = int(rng.integers(1, 12)), int(rng.integers(1, 12))
        KH, KW = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        kind = rng.integers(0, 5)
        if kind == 0:
            padding = int(rng.integers(0, 3))
        elif kind == 1:
            padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        elif kind == 2:
            padding, stride = "same", (1, 1)
        elif kind == 3:
            padding = "valid"
        else:
            padding = (0, 0)
        if isinstance(padding, str):
            ph = pw = 0 if padding == "valid" else None
        else:
            ph, pw = (padding, padding) if isinstance(padding, int) else padding
        if ph is not None and (H + 2 * ph < dilation[0] * (KH - 1) + 1
                               or W + 2 * pw < dilation[1] * (KW - 1) + 1):
            continue
        kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=G)
        return (N, Cg * G, H, W), (Fg * G, Cg, KH, KW), rng.random() < 0.7, kwargs


def _convT_config(seed):
    rng = np.random.default_rng(1000 + seed)
    while True:
        G = int(rng.choice([1, 1, 2, 3]))
        Cg, Fg = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        N = int(rng.integers(1, 4))
        H, W = int(rng.integers(1, 8)), int(rng.integers(1, 8))
        KH, KW = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        op = (int(rng.integers(0, max(stride[0], dilation[0]))),
              int(rng.integers(0, max(stride[1], dilation[1]))))
        OH = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (KH - 1) + op[0] + 1
        OW = (W - 1) * stride[1] - 2 * padding[1] + dilation[1] * (KW - 1) + op[1] + 1
        if OH < 1 or OW < 1:
            continue
        kwargs = dict(stride=stride, padding=padding, output_padding=op, groups=G,
                      dilation=dilation)
        return (N, Cg * G, H, W), (Cg * G, Fg, KH, KW), rng.random() < 0.7, kwargs


def _conv2d_samples():
    kernels = [(3, 3), (2, 3), (1, 1), (3, 1)]
    geoms = [dict(), dict(stride=2), dict(stride=(1, 2)), dict(padding=1), dict(padding=(1, 2)),
             dict(padding="same"), dict(padding="valid"), dict(dilation=2),
             dict(dilation=(2, 1), padding=1), dict(stride=2, padding=1, dilation=(1, 2))]
    for (kh, kw), g in itertools.product(kernels, geoms):
        for bias in (True, False):
            ins = [x(2, 4, 7, 6), ("weight", normal(5, 4, kh, kw, scale=0.3), True)]
            ins += [("bias", normal(5), True)] if bias else []
            yield Sample(ins, **g)
    for groups, cin, cout in [(2, 4, 6), (4, 4, 4), (4, 4, 8), (3, 6, 3)]:
        for g in (dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2)):
            yield Sample([x(2, cin, 8, 7), ("weight", normal(cout, cin // groups, 3, 3,
                                                             scale=0.3), True),
                          ("bias", normal(cout), True)], groups=groups, **g)
    # big enough for the Winograd / direct / im2col selections to kick in
    yield Sample([x(2, 16, 12, 12), ("weight", normal(16, 16, 3, 3, scale=0.1), True),
                  ("bias", normal(16), True)], padding=1)
    yield Sample([x(3, 1, 14, 14), ("weight", normal(6, 1, 5, 5, scale=0.2), True),
                  ("bias", normal(6), True)], label="5x5 1->6 on 14x14 (LeNet)")
    for seed in range(36):  # random configurations (tests/test_conv.py runs them on im2col)
        xs, ws, bias, kw = _conv_config(seed)
        ins = [x(*xs), ("weight", normal(*ws), True)] + ([("bias", normal(ws[0]), True)]
                                                         if bias else [])
        yield Sample(ins, label=f"random config {seed}", **kw)
    yield Sample([x(3, 6, 5), ("weight", normal(4, 3, 2, 2), True)], label="unbatched",
                 padding=1)
    for kw in [dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
               dict(padding="same", dilation=2), dict(stride=2, groups=2)]:
        yield Sample([x(2, 2, 5, 4), ("weight", normal(2, 2 // kw.get("groups", 1), 3, 2), True),
                      ("bias", normal(2), True)], gradcheck=True, **kw)
    # at most 30 differentiable elements: small enough for the gradgradcheck of test_ops
    for xs, ws, bias, kw in [
            ((1, 2, 3, 3), (2, 1, 2, 2), True, dict(padding=1, dilation=(1, 2), groups=2)),
            ((1, 1, 4, 4), (2, 1, 2, 2), True, dict(stride=2, padding=1)),
            ((1, 2, 3, 3), (1, 2, 2, 2), False, dict(stride=(1, 2), padding=(1, 0),
                                                     dilation=(2, 1))),
            ((1, 2, 3, 3), (2, 1, 2, 2), False, dict(stride=2, padding=1, groups=2)),
            ((1, 1, 4, 4), (1, 1, 3, 2), True, dict(padding="same", dilation=(1, 2)))]:
        ins = [x(*xs), ("weight", normal(*ws), True)] + ([("bias", normal(ws[0]), True)]
                                                         if bias else [])
        yield Sample(ins, gradcheck=True, **kw)


def _conv_transpose2d_samples():
    for (kh, kw), g in itertools.product(
            [(3, 3), (2, 3), (1, 1)],
            [dict(), dict(stride=2), dict(stride=2, padding=1, output_padding=1),
             dict(dilation=2, padding=(1, 0)), dict(stride=(2, 1), output_padding=(1, 0))]):
        yield Sample([x(2, 4, 5, 6), ("weight", normal(4, 3, kh, kw, scale=0.3), True),
                      ("bias", normal(3), True)], **g)
    yield Sample([x(2, 4, 5, 5), ("weight", normal(4, 3, 3, 3, scale=0.3), True)], groups=2,
                 stride=2)
    for seed in range(20):
        xs, ws, bias, kw = _convT_config(seed)
        ins = [x(*xs), ("weight", normal(*ws), True)]
        ins += [("bias", normal(ws[1] * kw["groups"]), True)] if bias else []
        yield Sample(ins, label=f"random config {seed}", **kw)
    yield Sample([x(3, 6, 5), ("weight", normal(3, 2, 2, 2), True)], label="unbatched", stride=2)
    yield Sample([x(1, 2, 2, 3), ("weight", normal(2, 2, 2, 3), True), ("bias", normal(2), True)],
                 gradcheck=True, stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
                 dilation=(1, 2))
    yield Sample([x(1, 2, 2, 2), ("weight", normal(2, 1, 2, 2), True), ("bias", normal(2), True)],
                 gradcheck=True, stride=2, padding=1, output_padding=1, groups=2)
    yield Sample([x(1, 1, 3, 3), ("weight", normal(1, 2, 2, 2), True), ("bias", normal(2), True)],
                 gradcheck=True, stride=(1, 2), padding=(1, 0), output_padding=(0, 1),
                 dilation=2)


def _fold_configs(n, seed):
    """Random unfold/fold geometries with at least one block (and some unbatched inputs)."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        k = tuple(int(v) for v in rng.integers(1, 4, size=2))
        d = tuple(int(v) for v in rng.integers(1, 3, size=2))
        p = tuple(int(v) for v in rng.integers(0, 3, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        hw = tuple(int(v) for v in rng.integers(1, 10, size=2))
        blocks = [out_size(hw[i], k[i], s[i], p[i], d[i]) for i in (0, 1)]
        if min(blocks) < 1:
            continue
        batched = bool(rng.integers(0, 4))
        shape = ((int(rng.integers(1, 4)),) if batched else ()) + (int(rng.integers(1, 4)),) + hw
        spell = (lambda v: v[0] if v[0] == v[1] else v)
        cols = shape[:-3] + (shape[-3] * k[0] * k[1], blocks[0] * blocks[1])
        out.append((shape, cols, dict(kernel_size=spell(k), dilation=spell(d), padding=spell(p),
                                      stride=spell(s))))
    return out


def _unfold_samples():
    for k, d, p, s in [(2, 1, 0, 1), ((2, 3), 1, 1, 2), (3, 2, 1, (1, 2))]:
        yield Sample([x(2, 3, 7, 6)], kernel_size=k, dilation=d, padding=p, stride=s)
    for i, (shape, _, kw) in enumerate(_fold_configs(40, seed=3)):
        yield Sample([x(*shape)], label=f"random config {i} {shape} {kw}", **kw)
    yield Sample([x(1, 2, 4, 3)], gradcheck=True, kernel_size=(2, 3), dilation=(2, 1), padding=1,
                 stride=(2, 1))


def _fold_samples():
    for out, k, d, p, s, L in [((4, 5), 2, 1, 0, 1, 12), ((5, 6), (2, 3), 1, 1, 2, 9),
                               ((7, 6), 3, 2, 1, (1, 2), 10)]:
        kk = k if isinstance(k, tuple) else (k, k)
        yield Sample([x(2, 3 * kk[0] * kk[1], L)], output_size=out, kernel_size=k, dilation=d,
                     padding=p, stride=s)
    for i, (shape, cols, kw) in enumerate(_fold_configs(40, seed=3)):
        yield Sample([x(*cols)], label=f"random config {i} {cols} {kw}",
                     output_size=shape[-2:], **kw)
    yield Sample([x(1, 8, 6)], gradcheck=True, output_size=(4, 4), kernel_size=2, stride=(2, 1))


PADS = [
    ((2, 3, 4, 5), (1, 2), "constant"), ((2, 3, 4, 5), (0, 0, 0, 0, 1, 1), "constant"),
    ((2, 3, 4, 5), (-1, 1, 0, -1), "constant"), ((2, 3, 4, 5), (2, 1, 1, 2), "reflect"),
    ((2, 3, 4, 5), (1, 1, 2, 0), "replicate"),
    ((2, 3, 5, 6), (1, 2), "constant"), ((2, 3, 5, 6), (1, 2, 0, 3), "constant"),
    ((2, 3, 5, 6), (-1, 2, 3, -2), "constant"), ((2, 3, 4), (1, 1, 1, 1, 1, 1), "constant"),
    ((2, 3, 5, 6), (1, 2, 3, 0), "reflect"), ((2, 3, 5, 6), (4, 5, 4, 1), "reflect"),
    ((3, 5, 6), (2, 1, 1, 3), "reflect"), ((2, 3, 7), (3, 6), "reflect"),
    ((2, 3, 5, 6), (1, 2, 3, 0), "replicate"), ((2, 3, 5, 6), (7, 0, 0, 6), "replicate"),
    ((2, 2, 3, 4, 5), (1, 2, 0, 3, 2, 1), "replicate"),
    ((2, 2, 3, 4, 5), (1, 2, 2, 1, 1, 1), "reflect"),
    ((2, 3, 5, 6), (1, 2, 3, 0), "circular"), ((2, 3, 5, 6), (-1, 2, 3, -2), "circular"),
    ((3, 5, 6), (6, 6, 5, 5), "circular"), ((2, 3, 7), (3, -2), "circular"),
    ((2, 2, 3, 4, 5), (1, 2, 0, 3, 2, -1), "circular"),
    ((1, 2, 5, 6), (-3, -3, 0, 1), "circular"),  # cropped to an empty dimension, as torch
]


def _pad_samples():
    for shape, pad, mode in PADS:
        yield Sample([x(*shape)], pad=pad, mode=mode)
    for value in (None, 0.0, 2.5, -1.0, 1.5):
        yield Sample([x(2, 3, 4, 4)], pad=(1, 2, 2, 1), value=value)
    for mode in ("constant", "reflect", "replicate", "circular"):
        yield Sample([x(1, 2, 3, 4)], gradcheck=True, pad=(2, 1, 0, 2), mode=mode)


def _x4(M):
    return M.randn(2, 3, 8, 8)


def _w4(M, *shape):
    return M.randn(*(shape or (4, 3, 3, 3)))


CONV2D_BAD = [
    BadArg("input type", lambda M, F: F.conv2d(_x4(M).numpy(), _w4(M)), TypeError,
           "input must be a Tensor", torch="same"),
    BadArg("input rank 2", lambda M, F: F.conv2d(M.randn(3, 8), _w4(M)), ValueError,
           r"\(3, 8\)", torch="raises"),
    BadArg("input rank 5", lambda M, F: F.conv2d(M.randn(1, 2, 3, 8, 8), _w4(M)), ValueError,
           r"\(1, 2, 3, 8, 8\)", torch="raises"),
    BadArg("empty image", lambda M, F: F.conv2d(M.randn(2, 3, 0, 6), _w4(M)), RuntimeError,
           "input", torch="same"),
    BadArg("channels", lambda M, F: F.conv2d(_x4(M), _w4(M, 4, 2, 3, 3)), ValueError,
           r"3 channels.*\(4, 2, 3, 3\)", torch="raises"),
    BadArg("channels are also a RuntimeError", lambda M, F: F.conv2d(_x4(M), _w4(M, 4, 2, 3, 3)),
           RuntimeError, "channels"),
    BadArg("groups and weight", lambda M, F: F.conv2d(_x4(M), _w4(M, 4, 1, 3, 3), groups=2),
           ValueError, r"groups=2.*\(2, 3, 8, 8\)", torch="raises"),
    BadArg("groups and output channels", lambda M, F: F.conv2d(
        M.randn(2, 4, 8, 8), _w4(M, 3, 2, 3, 3), groups=2), ValueError,
        r"groups=2.*\(3, 2, 3, 3\)", torch="raises"),
    BadArg("weight rank", lambda M, F: F.conv2d(_x4(M), _w4(M, 4, 3, 3)), ValueError,
           r"4-D.*\(4, 3, 3\)", torch="raises"),
    BadArg("kernel > input", lambda M, F: F.conv2d(_x4(M), _w4(M, 4, 3, 9, 9)), ValueError,
           "larger than the padded input", torch="raises"),
    BadArg("dilated kernel > input", lambda M, F: F.conv2d(_x4(M), _w4(M, 4, 3, 5, 5),
                                                           dilation=2), ValueError, "dilation",
           torch="raises"),
    BadArg("stride 0", lambda M, F: F.conv2d(_x4(M), _w4(M), stride=0), ValueError, "stride",
           torch="raises"),
    BadArg("stride < 0", lambda M, F: F.conv2d(_x4(M), _w4(M), stride=(1, -1)), ValueError,
           "stride", torch="raises"),
    BadArg("stride nan", lambda M, F: F.conv2d(_x4(M), _w4(M), stride=NAN), RuntimeError,
           "stride", torch="raises"),
    BadArg("dilation 0", lambda M, F: F.conv2d(_x4(M), _w4(M), dilation=0), ValueError,
           "dilation", torch="raises"),
    BadArg("padding < 0", lambda M, F: F.conv2d(_x4(M), _w4(M), padding=-1), ValueError,
           "negative padding", torch="raises"),
    BadArg("padding pair < 0", lambda M, F: F.conv2d(_x4(M), _w4(M), padding=(1, -2)),
           ValueError, "negative padding", torch="raises"),
    BadArg("'same' and stride", lambda M, F: F.conv2d(_x4(M), _w4(M), padding="same",
                                                      stride=2), ValueError,
           "'same'.*strided", torch="raises"),
    BadArg("padding string", lambda M, F: F.conv2d(_x4(M), _w4(M), padding="full"), ValueError,
           "padding string", torch="raises"),
    BadArg("groups 0", lambda M, F: F.conv2d(_x4(M), _w4(M), groups=0), ValueError, "groups",
           torch="raises"),
    BadArg("input dtype", lambda M, F: F.conv2d(_x4(M).double(), _w4(M)), TypeError,
           "float64.*float32", torch="raises"),
    BadArg("input dtype is also a RuntimeError", lambda M, F: F.conv2d(_x4(M).double(),
                                                                       _w4(M)),
           RuntimeError, "dtype"),
    BadArg("bias dtype", lambda M, F: F.conv2d(_x4(M), _w4(M), M.randn(4).double()), TypeError,
           "bias dtype", torch="raises"),
    BadArg("bias shape", lambda M, F: F.conv2d(_x4(M), _w4(M), M.randn(5)), ValueError,
           r"bias.*\(5,\)", torch="raises"),
    BadArg("integer input", lambda M, F: F.conv2d(_x4(M).long(), _w4(M).long()), TypeError,
           "float32 or float64", torch=None),  # torch convolves int64 on the CPU
]

CONV_TRANSPOSE2D_BAD = [
    BadArg("stride 0", lambda M, F: F.conv_transpose2d(_x4(M), _w4(M, 3, 4, 3, 3), stride=0),
           RuntimeError, "stride", torch="raises"),
    BadArg("output_padding >= stride", lambda M, F: F.conv_transpose2d(
        _x4(M), _w4(M, 3, 4, 3, 3), output_padding=2), RuntimeError, "output padding",
        torch="raises"),
    BadArg("output_padding >= stride 2", lambda M, F: F.conv_transpose2d(
        _x4(M), _w4(M, 3, 4, 3, 3), stride=2, output_padding=2), ValueError, "output padding",
        torch="raises"),
    BadArg("input rank", lambda M, F: F.conv_transpose2d(M.randn(3), _w4(M, 3, 4, 3, 3)),
           RuntimeError, "input", torch="raises"),
    BadArg("channels", lambda M, F: F.conv_transpose2d(_x4(M), _w4(M, 4, 4, 3, 3)), ValueError,
           r"3 channels.*\(4, 4, 3, 3\)", torch="raises"),
    BadArg("output size", lambda M, F: F.conv_transpose2d(M.randn(1, 3, 1, 1),
                                                          _w4(M, 3, 4, 3, 3), padding=3),
           ValueError, "output size", torch="raises"),
    BadArg("bias shape", lambda M, F: F.conv_transpose2d(_x4(M), _w4(M, 3, 4, 3, 3), M.randn(3)),
           ValueError, "bias", torch="raises"),
    BadArg("weight dtype", lambda M, F: F.conv_transpose2d(_x4(M), _w4(M, 3, 4, 3, 3).double()),
           TypeError, "weight dtype", torch="raises"),
]


def _z(M, *shape):
    return M.zeros(*shape)


UNFOLD_BAD = [
    BadArg("no block fits", lambda M, F: F.unfold(_z(M, 1, 2, 3, 3), 4), RuntimeError,
           "sliding blocks"),
    BadArg("kernel 0", lambda M, F: F.unfold(_z(M, 1, 2, 3, 3), 0), RuntimeError, "kernel size"),
    BadArg("stride 0", lambda M, F: F.unfold(_z(M, 1, 2, 3, 3), 2, stride=0), RuntimeError,
           "stride"),
    BadArg("padding < 0", lambda M, F: F.unfold(_z(M, 1, 2, 3, 3), 2, padding=-1), RuntimeError,
           "padding"),
    BadArg("dilation 0", lambda M, F: F.unfold(_z(M, 1, 2, 3, 3), 2, dilation=0), RuntimeError,
           "dilation"),
    BadArg("input rank 2", lambda M, F: F.unfold(_z(M, 2, 3), 2), RuntimeError, r"\(2, 3\)",
           torch="raises"),
    BadArg("input rank 1", lambda M, F: F.unfold(M.randn(3), 2), RuntimeError, "input",
           torch="raises"),
    BadArg("integer input", lambda M, F: F.unfold(_z(M, 1, 2, 3, 3).long(), 2), TypeError,
           "int64", torch="raises"),
    BadArg("ndarray input", lambda M, F: F.unfold(np.zeros((1, 2, 3, 3)), 2), TypeError,
           "Tensor"),
    BadArg("kernel_size of 3", lambda M, F: F.unfold(_z(M, 1, 2, 3, 3), (1, 2, 3)), TypeError,
           "kernel_size", torch="raises"),
]

FOLD_BAD = [
    BadArg("channels not divisible", lambda M, F: F.fold(_z(M, 1, 5, 4), (3, 3), 2),
           RuntimeError, "divisible"),
    BadArg("block count", lambda M, F: F.fold(_z(M, 1, 8, 5), (3, 3), 2), RuntimeError,
           r"2 \* 2 = 4.*size\(2\)=5"),
    BadArg("input rank 4", lambda M, F: F.fold(_z(M, 1, 2, 3, 4), (3, 3), 2), RuntimeError,
           r"\(1, 2, 3, 4\)"),
    BadArg("block count 7", lambda M, F: F.fold(M.randn(2, 12, 7), (4, 4), 2), RuntimeError,
           "input"),
    BadArg("kernel nan", lambda M, F: F.fold(M.randn(2, 12, 9), (4, 4), NAN), TypeError,
           "kernel_size"),
]

PAD_BAD = [
    BadArg("odd length", lambda M, F: F.pad(_x4(M), (1,)), RuntimeError, "pad", torch="raises"),
    BadArg("length 3", lambda M, F: F.pad(_x4(M), (1, 2, 3)), ValueError, "divisible by 2",
           torch="raises"),
    BadArg("too long", lambda M, F: F.pad(_x4(M), (1,) * 10), ValueError, "at most twice",
           torch="raises"),
    BadArg("mode", lambda M, F: F.pad(_x4(M), (1, 1), mode="foo"), NotImplementedError, "mode",
           torch="raises"),
    BadArg("mode wrap", lambda M, F: F.pad(_x4(M), (1, 1), mode="wrap"), NotImplementedError,
           "padding mode", torch="raises"),
    BadArg("float pad", lambda M, F: F.pad(_x4(M), (1.5, 1)), TypeError, "pad", torch="same"),
    BadArg("reflect larger than the input", lambda M, F: F.pad(_x4(M), (8, 1, 1, 1),
                                                               mode="reflect"),
           ValueError, "smaller than dimension 3", torch="raises"),
    BadArg("reflect of one dim of a 4-D input", lambda M, F: F.pad(_x4(M), (1, 1),
                                                                   mode="reflect"),
           NotImplementedError, r"\(2, 3, 8, 8\)", torch="raises"),
    BadArg("replicate with a value", lambda M, F: F.pad(_x4(M), (1, 1), mode="replicate",
                                                        value=1.0),
           ValueError, "value", torch="raises"),
    BadArg("crop below 0", lambda M, F: F.pad(_x4(M), (-5, -4)), ValueError, "negative size",
           torch="raises"),
    BadArg("circular wraps more than once right", lambda M, F: F.pad(
        _z(M, 1, 2, 5, 6), (7, 0, 0, 0), mode="circular"), ValueError, "more than once",
        torch="raises"),
    BadArg("circular wraps more than once bottom", lambda M, F: F.pad(
        _z(M, 1, 2, 5, 6), (0, 0, 1, 6), mode="circular"), ValueError, "more than once",
        torch="raises"),
    BadArg("circular wraps more than once after a crop", lambda M, F: F.pad(
        _z(M, 1, 2, 5, 6), (-2, 5, 0, 0), mode="circular"), ValueError, "more than once",
        torch=None),  # torch checks the pad before cropping and reads past the crop
    BadArg("circular crop below 0", lambda M, F: F.pad(
        _z(M, 1, 2, 5, 6), (-4, -3, 0, 0), mode="circular"), ValueError, "negative size",
        torch="raises"),
    BadArg("circular crop below 0 is a RuntimeError", lambda M, F: F.pad(
        _z(M, 1, 2, 5, 6), (-4, -3, 0, 0), mode="circular"), RuntimeError, "negative size"),
    BadArg("circular crop below 0 height", lambda M, F: F.pad(
        _z(M, 1, 2, 5, 6), (0, 0, -6, 1), mode="circular"), ValueError, "negative size",
        torch=None),  # torch returns an empty dimension here
    BadArg("circular with a value", lambda M, F: F.pad(_z(M, 1, 2, 5), (1, 1), mode="circular",
                                                       value=1.0), ValueError, "value",
           torch="raises"),
    BadArg("circular of a 1-D input", lambda M, F: F.pad(_z(M, 5), (1, 1), mode="circular"),
           NotImplementedError, "circular", torch="raises"),
]

OPS = [
    OpInfo("conv2d", _conv2d_samples, "conv", bad_args=CONV2D_BAD, tol=TOL_CONV),
    OpInfo("conv_transpose2d", _conv_transpose2d_samples, "conv", bad_args=CONV_TRANSPOSE2D_BAD,
           tol=TOL_CONV),
    OpInfo("unfold", _unfold_samples, "conv", bad_args=UNFOLD_BAD),
    OpInfo("fold", _fold_samples, "conv", bad_args=FOLD_BAD),
    OpInfo("pad", _pad_samples, "conv", bad_args=PAD_BAD),
]
