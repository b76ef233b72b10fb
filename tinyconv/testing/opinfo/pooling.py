"""Registry entries: max_pool2d, avg_pool2d, adaptive_avg_pool2d, max_unpool2d."""
import numpy as np

from .core import BadArg, OpInfo, Sample, const, custom, distinct, out_size, x

NAN = float("nan")


def _has_empty_window(hw, k, s, p, d, out):
    """Whether some window has no tap inside the input (possible with dilation)."""
    return any(not any(0 <= o * s[a] - p[a] + i * d[a] < hw[a] for i in range(k[a]))
               for a in (0, 1) for o in range(out[a]))


def _max_configs(n, seed):
    """Random valid max_pool2d configurations (output at least 1x1, no window wholly in the
    padding: torch's backward corrupts memory there)."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        k = tuple(int(v) for v in rng.integers(1, 5, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
        d = tuple(int(v) for v in rng.integers(1, 4, size=2))
        ceil = bool(rng.integers(0, 2))
        hw = tuple(int(v) for v in rng.integers(1, 13, size=2))
        batched = bool(rng.integers(0, 4))  # mostly 4-D, sometimes (C, H, W)
        shape = ((int(rng.integers(1, 4)),) if batched else ()) + (int(rng.integers(1, 4)),) + hw
        oh = out_size(hw[0], k[0], s[0], p[0], d[0], ceil)
        ow = out_size(hw[1], k[1], s[1], p[1], d[1], ceil)
        if oh < 1 or ow < 1 or _has_empty_window(hw, k, s, p, d, (oh, ow)):
            continue
        # stride=None (default: the kernel) now and then, in the user's spelling
        stride = None if rng.integers(0, 6) == 0 else (s if s[0] != s[1] else s[0])
        out.append((shape, dict(kernel_size=k if k[0] != k[1] else k[0], stride=stride,
                                padding=p, dilation=d, ceil_mode=ceil,
                                return_indices=bool(rng.integers(0, 2)))))
    return out


def _avg_configs(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        k = tuple(int(v) for v in rng.integers(1, 5, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
        ceil = bool(rng.integers(0, 2))
        hw = tuple(int(v) for v in rng.integers(1, 12, size=2))
        batched = bool(rng.integers(0, 4))
        shape = ((int(rng.integers(1, 4)),) if batched else ()) + (int(rng.integers(1, 4)),) + hw
        if min(out_size(hw[i], k[i], s[i], p[i], 1, ceil) for i in (0, 1)) < 1:
            continue
        div = None if rng.integers(0, 4) else int(rng.choice([-3, 1, 2, 5]))
        out.append((shape, dict(kernel_size=k, stride=None if rng.integers(0, 6) == 0 else s,
                                padding=p if p[0] != p[1] else p[0], ceil_mode=ceil,
                                count_include_pad=bool(rng.integers(0, 2)),
                                divisor_override=div)))
    return out


def _ties(*shape):
    """Few distinct values (most windows hold tied maxima) and one constant plane."""
    def make(rng, dtype):
        a = rng.integers(0, 3, size=shape).astype(dtype)
        a[1, 2] = 1.0
        return a
    return custom(make, shape)


def _max_pool2d_samples():
    for k, s, p, d, cm in [(2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 2, 1, 1, True),
                           ((2, 3), (1, 2), (1, 1), 1, False), (2, 2, 0, 2, True),
                           (3, 1, 1, (2, 1), False), ((3, 2), 3, (1, 0), 1, True),
                           (1, 1, 0, 1, False)]:
        yield Sample([("input", distinct(2, 3, 7, 8), True)], kernel_size=k, stride=s, padding=p,
                     dilation=d, ceil_mode=cm)
    for i, (shape, kw) in enumerate(_max_configs(48, seed=7)):
        yield Sample([x(*shape)], label=f"random config {i} {shape} {kw}", **kw)
    # kernel 2 stride 2, the non-overlapping kernel: odd H/W leave a row/column out of every
    # window, which must get a zero gradient
    for shape in [(3, 4, 9, 7), (2, 3, 8, 8), (1, 2, 2, 3), (5, 5, 3)]:
        yield Sample([x(*shape)], kernel_size=2, return_indices=True)
    # ties: the gradient goes to the one element torch picks
    for k, s, p, d in [(2, 2, 0, 1), (2, 1, 0, 1), (3, 1, 1, 1), (3, 2, 1, 2),
                       ((2, 3), (1, 2), (1, 0), (2, 1))]:
        yield Sample([("input", _ties(2, 3, 7, 8), True)], label=f"ties k={k} s={s} p={p} d={d}",
                     gradcheck=False, kernel_size=k, stride=s, padding=p, dilation=d,
                     return_indices=True)
    # gradcheck on distinct values: a 1e-6 step never changes an argmax
    for shape, kw in [((1, 2, 5, 6), dict(kernel_size=(2, 3), stride=(1, 2), padding=1)),
                      ((2, 1, 4, 4), dict(kernel_size=2)),
                      ((2, 5, 7), dict(kernel_size=3, stride=2, dilation=2, ceil_mode=True))]:
        yield Sample([("input", distinct(*shape), True)], gradcheck=True, **kw)


def _avg_pool2d_samples():
    for k, s, p, cm, cip, div in [(2, None, 0, False, True, None), (3, 2, 1, False, True, None),
                                  (3, 2, 1, False, False, None), (3, 2, 1, True, True, None),
                                  (3, 2, 1, True, False, None),
                                  ((2, 3), (1, 2), (1, 1), False, False, None),
                                  ((3, 2), 2, (1, 0), True, True, None), (2, 2, 1, False, True, 3)]:
        yield Sample([x(2, 3, 7, 8)], kernel_size=k, stride=s, padding=p, ceil_mode=cm,
                     count_include_pad=cip, divisor_override=div)
    for i, (shape, kw) in enumerate(_avg_configs(48, seed=11)):
        yield Sample([x(*shape)], label=f"random config {i} {shape} {kw}", **kw)
    for shape in [(3, 4, 9, 7), (2, 3, 8, 8), (1, 2, 2, 3), (5, 5, 3)]:
        yield Sample([x(*shape)], kernel_size=2)
    for shape, kw in [((1, 2, 5, 6), dict(kernel_size=(2, 3), stride=(1, 2), padding=1,
                                          count_include_pad=False)),
                      ((2, 5, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
                      ((1, 1, 4, 4), dict(kernel_size=2, divisor_override=3))]:
        yield Sample([x(*shape)], gradcheck=True, **kw)


def _adaptive_samples():
    for osz in [1, (2, 3), (3, 3), (5, 4), (None, 2), 7]:
        yield Sample([x(2, 3, 7, 8)], output_size=osz)
    for shape, osz in [((2, 3, 7, 9), (3, 4)), ((2, 3, 8, 8), 4), ((1, 2, 5, 7), (5, 7)),
                       ((2, 2, 5, 6), (8, 9)), ((2, 3, 9, 6), 1), ((3, 6, 6), (4, None)),
                       ((1, 2, 10, 3), (None, 2)), ((2, 2, 7, 5), (7, 2)), ((4, 11, 13), (5, 3)),
                       ((1, 1, 1, 1), (3, 2))]:
        yield Sample([x(*shape)], output_size=osz)
    for shape, osz in [((1, 2, 5, 7), (3, 4)), ((2, 4, 3), (5, None))]:
        yield Sample([x(*shape)], gradcheck=True, output_size=osz)


def _pool_argmax(a, k, s, p):
    """torch's max_pool2d indices (flat ``h * W + w`` per plane) of distinct values ``a``."""
    *lead, H, W = a.shape
    oh, ow = (out_size(n, k[i], s[i], p[i]) for i, n in enumerate((H, W)))
    planes = a.reshape(-1, H, W)
    idx = np.zeros((planes.shape[0], oh, ow), dtype=np.int64)
    for c, plane in enumerate(planes):
        for i in range(oh):
            for j in range(ow):
                h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
                hs = range(max(h0, 0), min(h0 + k[0], H))
                ws = range(max(w0, 0), min(w0 + k[1], W))
                best = max(((plane[h, w], h * W + w) for h in hs for w in ws))
                idx[c, i, j] = best[1]
    return idx.reshape(*lead, oh, ow)


def _unpool_configs(n, seed):
    """Pooling geometries whose argmax indices are distinct per plane (unpooling duplicates
    is order-dependent in torch) and whose input size is a valid unpool output_size."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        k = tuple(int(v) for v in rng.integers(1, 4, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
        hw = tuple(int(v) for v in rng.integers(2, 10, size=2))
        batched = bool(rng.integers(0, 4))
        shape = ((int(rng.integers(1, 3)),) if batched else ()) + (int(rng.integers(1, 4)),) + hw
        oh = [out_size(hw[i], k[i], s[i], p[i]) for i in (0, 1)]
        if min(oh) < 1:
            continue
        a = np.random.default_rng(len(out)).permutation(int(np.prod(shape))).reshape(shape)
        idx = _pool_argmax(a, k, s, p)
        flat = idx.reshape(-1, oh[0] * oh[1])
        if any(len(np.unique(r)) != len(r) for r in flat):
            continue
        default = [(oh[i] - 1) * s[i] + k[i] - 2 * p[i] for i in (0, 1)]
        if any(abs(default[i] - hw[i]) > s[i] for i in (0, 1)):
            continue
        give = bool(rng.integers(0, 2)) or default[0] * default[1] <= int(flat.max())
        out.append((idx, dict(kernel_size=k, stride=s, padding=p,
                              output_size=hw if give else None)))
    return out


def _unpool_composite(M, F, x, kernel_size, stride, padding):
    y, idx = F.max_pool2d(x, kernel_size, stride, padding, return_indices=True)
    return F.max_unpool2d(y, idx, kernel_size, stride, padding, output_size=x.shape[-2:])


def _max_unpool2d_samples():
    # max_unpool2d alone first: the double-backward test takes each op's first samples, and
    # the composites also differentiate max_pool2d twice
    for i, (idx, kw) in enumerate(_unpool_configs(24, seed=1)):
        yield Sample([x(*idx.shape), ("indices", const(idx, kind="index"), False)],
                     label=f"config {i} {idx.shape} {kw}", **kw)
    for k, s, p in [(2, None, 0), (3, 2, 1), ((2, 3), (2, 1), 0)]:
        yield Sample([("input", distinct(2, 3, 6, 7), True)], label=f"after max_pool2d k={k} "
                     f"s={s} p={p}", fn=_unpool_composite, kernel_size=k, stride=s, padding=p)
    idx = _pool_argmax(np.arange(60).reshape(1, 2, 6, 5), (2, 2), (2, 2), (0, 0))
    yield Sample([x(*idx.shape), ("indices", const(idx, kind="index"), False)],
                 gradcheck=True, kernel_size=2, output_size=(6, 5))


def _x4(M):
    return M.randn(2, 3, 6, 6)


def _xp(M):
    return M.zeros(2, 3, 7, 8)


MAX_POOL2D_BAD = [
    BadArg("kernel 0", lambda M, F: F.max_pool2d(_xp(M), 0), RuntimeError,
           "kernel_size must be greater than zero", torch="raises"),
    BadArg("kernel < 0", lambda M, F: F.max_pool2d(_xp(M), (2, -1)), RuntimeError,
           r"kernel_size=\(2, -1\)", torch="raises"),
    BadArg("kernel of 3", lambda M, F: F.max_pool2d(_xp(M), (2, 2, 2)), RuntimeError,
           "kernel_size must either be a single", torch="raises"),
    BadArg("float kernel", lambda M, F: F.max_pool2d(_xp(M), 2.0), TypeError,
           "kernel_size must be an int", torch="raises"),
    BadArg("kernel nan", lambda M, F: F.max_pool2d(_x4(M), NAN), TypeError, "kernel_size",
           torch="raises"),
    BadArg("stride 0", lambda M, F: F.max_pool2d(_xp(M), 2, 0), RuntimeError,
           "stride must be greater than zero", torch="raises"),
    BadArg("stride of 3", lambda M, F: F.max_pool2d(_xp(M), 2, (1, 2, 3)), RuntimeError,
           "stride must either be", torch="raises"),
    BadArg("padding < 0", lambda M, F: F.max_pool2d(_xp(M), 2, 1, -1), RuntimeError,
           "padding must be non-negative", torch="raises"),
    BadArg("padding > half the kernel", lambda M, F: F.max_pool2d(_xp(M), 2, 1, 2), RuntimeError,
           r"at most half of kernel_size.*padding=\(2, 2\)", torch="raises"),
    BadArg("padding > half the dilated kernel", lambda M, F: F.max_pool2d(_xp(M), 3, 1, 2,
                                                                          dilation=2),
           RuntimeError, "at most half", torch="raises"),
    BadArg("dilation 0", lambda M, F: F.max_pool2d(_xp(M), 2, dilation=0), RuntimeError,
           "dilation must be greater", torch="raises"),
    BadArg("kernel > input", lambda M, F: F.max_pool2d(_xp(M), 9), RuntimeError,
           r"\(2, 3, 7, 8\) is too small.*\(0, 0\)", torch="raises"),
    BadArg("input rank 2", lambda M, F: F.max_pool2d(_xp(M)[0, 0], 2), RuntimeError,
           r"shape \(7, 8\)", torch="raises"),
    BadArg("input rank 1", lambda M, F: F.max_pool2d(M.randn(6), 2), RuntimeError, "input",
           torch="raises"),
    BadArg("input rank 5", lambda M, F: F.max_pool2d(_xp(M).unsqueeze(0), 2), RuntimeError,
           r"3-D \(C, H, W\) or 4-D", torch="raises"),
    BadArg("no channels", lambda M, F: F.max_pool2d(_xp(M)[:, :0], 2), RuntimeError,
           r"shape \(2, 0, 7, 8\)", torch="raises"),
    BadArg("list input", lambda M, F: F.max_pool2d([[1.0]], 2), TypeError, "input"),
    BadArg("integer input", lambda M, F: F.max_pool2d(M.zeros(1, 1, 4, 4, dtype=M.int64), 2),
           TypeError, "expected a float32 or float64 input, got int64",
           torch=None),  # torch max-pools int64
]

AVG_POOL2D_BAD = [
    BadArg("kernel 0", lambda M, F: F.avg_pool2d(_xp(M), 0), RuntimeError,
           "kernel_size must be greater than zero", torch="raises"),
    BadArg("padding > half the kernel", lambda M, F: F.avg_pool2d(_xp(M), 2, 1, 2), RuntimeError,
           "at most half of kernel_size", torch="raises"),
    BadArg("padding < 0", lambda M, F: F.avg_pool2d(_xp(M), 2, 1, -1), RuntimeError,
           "padding must be non-negative", torch="raises"),
    BadArg("stride 0", lambda M, F: F.avg_pool2d(_xp(M), 2, 0), RuntimeError,
           "stride must be greater than zero", torch="raises"),
    BadArg("stride < 0", lambda M, F: F.avg_pool2d(_x4(M), 2, stride=-1), RuntimeError, "stride",
           torch="raises"),
    BadArg("divisor 0", lambda M, F: F.avg_pool2d(_xp(M), 2, divisor_override=0), RuntimeError,
           "divisor_override.*non-zero", torch="raises"),
    BadArg("float divisor", lambda M, F: F.avg_pool2d(_xp(M), 2, divisor_override=2.5),
           TypeError, "divisor_override", torch="raises"),
    BadArg("kernel > input", lambda M, F: F.avg_pool2d(_xp(M), 9), RuntimeError, "too small",
           torch="raises"),
    BadArg("kernel of 3", lambda M, F: F.avg_pool2d(_xp(M), (1, 1, 1)), RuntimeError,
           "kernel_size must either be", torch="raises"),
    BadArg("empty image", lambda M, F: F.avg_pool2d(_xp(M)[:, :, :0], 1), RuntimeError,
           r"shape \(2, 3, 0, 8\)", torch="raises"),
    BadArg("ndarray input", lambda M, F: F.avg_pool2d(np.zeros((1, 1, 4, 4)), 2), TypeError,
           "input must be a Tensor"),
]

ADAPTIVE_BAD = [
    BadArg("size 2**40", lambda M, F: F.adaptive_avg_pool2d(_xp(M), 2**40), RuntimeError,
           "output", torch="raises"),
    BadArg("size < 0", lambda M, F: F.adaptive_avg_pool2d(_xp(M), -1), RuntimeError,
           "output_size.*greater than or equal to 0", torch="raises"),
    BadArg("float size", lambda M, F: F.adaptive_avg_pool2d(_x4(M), 1.5), TypeError,
           "output_size", torch="same"),
    BadArg("size of 3", lambda M, F: F.adaptive_avg_pool2d(_xp(M), (1, 2, 3)), RuntimeError,
           "output_size must have 2", torch="raises"),
    BadArg("size of 1", lambda M, F: F.adaptive_avg_pool2d(_xp(M), (2,)), RuntimeError,
           "output_size must have 2", torch="raises"),
    BadArg("input rank 2", lambda M, F: F.adaptive_avg_pool2d(_xp(M)[0, 0], 2), RuntimeError,
           r"shape \(7, 8\)", torch="raises"),
    BadArg("input rank 1", lambda M, F: F.adaptive_avg_pool2d(M.randn(3), 1), RuntimeError,
           "input", torch="raises"),
    BadArg("empty image", lambda M, F: F.adaptive_avg_pool2d(_xp(M)[:, :, :0], 2), RuntimeError,
           "non-zero H and W", torch="raises"),
]


def _i64(M, *shape, fill=0):
    return M.full(shape, fill, dtype=M.int64)


MAX_UNPOOL2D_BAD = [
    BadArg("float indices", lambda M, F: F.max_unpool2d(_x4(M), M.randn(2, 3, 6, 6), 2),
           RuntimeError, "indices", torch="raises"),
    BadArg("indices shape", lambda M, F: F.max_unpool2d(M.zeros(1, 2, 2, 2), _i64(M, 1, 2, 2, 3),
                                                        2),
           RuntimeError, r"indices.*\(1, 2, 2, 3\)", torch="same"),
    BadArg("int32 indices", lambda M, F: F.max_unpool2d(
        M.zeros(1, 2, 2, 2), M.zeros(1, 2, 2, 2, dtype=M.int32), 2), RuntimeError, "int64",
        torch="raises"),
    BadArg("output_size out of range", lambda M, F: F.max_unpool2d(
        M.zeros(1, 2, 2, 2), _i64(M, 1, 2, 2, 2), 2, output_size=(7, 7)), ValueError,
        "between 2 and 6", torch="same"),
    BadArg("index out of range", lambda M, F: F.max_unpool2d(
        M.zeros(1, 2, 2, 2), _i64(M, 1, 2, 2, 2, fill=16), 2), RuntimeError,
        "invalid max index: 16", torch="raises"),
    BadArg("input rank 2", lambda M, F: F.max_unpool2d(M.zeros(2, 2), _i64(M, 2, 2), 2),
           RuntimeError, r"\(2, 2\)", torch="raises"),
]

OPS = [
    OpInfo("max_pool2d", _max_pool2d_samples, "pooling", bad_args=MAX_POOL2D_BAD,
           gradcheck="marked"),
    OpInfo("avg_pool2d", _avg_pool2d_samples, "pooling", bad_args=AVG_POOL2D_BAD),
    OpInfo("adaptive_avg_pool2d", _adaptive_samples, "pooling", bad_args=ADAPTIVE_BAD),
    OpInfo("max_unpool2d", _max_unpool2d_samples, "pooling", bad_args=MAX_UNPOOL2D_BAD),
]
