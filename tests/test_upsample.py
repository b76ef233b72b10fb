"""max_unpool2d, interpolate (nearest, nearest-exact, linear, bilinear with align_corners
both ways; size and scale_factor; recompute_scale_factor), pixel_shuffle / pixel_unshuffle and
their modules, against torch: values and gradients in float64 and float32, random shapes,
gradcheck, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F

from .utils import assert_close, pair

DTYPES = [np.float64, np.float32]


def _check(fn_tc, fn_torch, x, dtype, seed=0):
    """Forward and input gradient of fn_tc vs fn_torch on x (cast to dtype)."""
    rng = np.random.default_rng(seed)
    x = x.astype(dtype)
    a, b = pair(x)
    ya, yb = fn_tc(a), fn_torch(b)
    assert_close(ya, yb, dtype=dtype, what="output")
    gy = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    ya.backward(tc.tensor(gy))
    yb.backward(torch.tensor(gy))
    assert_close(a.grad, b.grad, dtype=dtype, what="input grad")


# ------------------------------------------------------------------------------ max_unpool2d
def _unpool_configs(n, seed):
    """Pooling geometries whose argmax indices are distinct (unpooling duplicates is order-
    dependent in torch) and whose input size is a valid unpool output_size."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        k = tuple(int(v) for v in rng.integers(1, 4, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
        hw = tuple(int(v) for v in rng.integers(2, 10, size=2))
        batched = bool(rng.integers(0, 4))
        shape = ((int(rng.integers(1, 3)),) if batched else ()) + (int(rng.integers(1, 4)),) + hw
        oh = [(hw[i] + 2 * p[i] - k[i]) // s[i] + 1 for i in (0, 1)]
        if min(oh) < 1:
            continue
        x = np.random.default_rng(len(out)).standard_normal(shape)
        _, idx = TF.max_pool2d(torch.tensor(x), k, s, p, return_indices=True)
        flat = idx.reshape(-1, oh[0] * oh[1]).numpy()
        if any(len(np.unique(r)) != len(r) for r in flat):
            continue
        default = [(oh[i] - 1) * s[i] + k[i] - 2 * p[i] for i in (0, 1)]
        if any(abs(default[i] - hw[i]) > s[i] for i in (0, 1)):
            continue
        give = bool(rng.integers(0, 2)) or default[0] * default[1] <= int(flat.max())
        out.append(dict(x=x, kernel_size=k, stride=s, padding=p,
                        output_size=hw if give else None))
    return out


def _unpool_id(cfg):
    return f"{cfg['x'].shape}-k{cfg['kernel_size']}-s{cfg['stride']}-p{cfg['padding']}-" \
        f"size{cfg['output_size']}".replace(" ", "")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", _unpool_configs(24, seed=1), ids=_unpool_id)
def test_max_unpool2d_matches_torch(cfg, dtype):
    k, s, p, size = cfg["kernel_size"], cfg["stride"], cfg["padding"], cfg["output_size"]
    pooled, idx = TF.max_pool2d(torch.tensor(cfg["x"]), k, s, p, return_indices=True)

    def run(mod, t):
        i = tc.tensor(idx.numpy()) if mod is F else idx
        return mod.max_unpool2d(t, i, k, s, p, output_size=size)

    _check(lambda t: run(F, t), lambda t: run(TF, t), pooled.numpy(), dtype)


def test_max_unpool2d_roundtrip_and_module():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 9)).astype(np.float32)
    pool = tc.nn.MaxPool2d(2, return_indices=True)
    unpool = tc.nn.MaxUnpool2d(2)
    tpool, tunpool = torch.nn.MaxPool2d(2, return_indices=True), torch.nn.MaxUnpool2d(2)
    y, i = pool(tc.tensor(x))
    ty, ti = tpool(torch.tensor(x))
    u = unpool(y, i, output_size=(7, 9))
    assert_close(u, tunpool(ty, ti, output_size=(7, 9)), dtype=np.float32)
    assert u.shape == (2, 3, 7, 9)
    assert repr(unpool) == repr(tunpool)


def test_max_unpool2d_gradcheck():
    x = tc.tensor(np.random.default_rng(4).standard_normal((1, 2, 6, 5)))
    y, i = F.max_pool2d(x, 2, return_indices=True)
    y = y.detach().requires_grad_()
    assert tc.gradcheck(lambda t: F.max_unpool2d(t, i, 2, output_size=(6, 5)), (y,))


@pytest.mark.parametrize("call, exc, match", [
    (lambda: F.max_unpool2d(tc.zeros(1, 2, 2, 2), tc.zeros(1, 2, 2, 3, dtype=tc.int64), 2),
     RuntimeError, r"indices.*\(1, 2, 2, 3\)"),
    (lambda: F.max_unpool2d(tc.zeros(1, 2, 2, 2), tc.zeros(1, 2, 2, 2, dtype=tc.int32), 2),
     RuntimeError, "int64"),
    (lambda: F.max_unpool2d(tc.zeros(1, 2, 2, 2), tc.zeros(1, 2, 2, 2, dtype=tc.int64), 2,
                            output_size=(7, 7)), ValueError, "between 2 and 6"),
    (lambda: F.max_unpool2d(tc.zeros(1, 2, 2, 2), tc.full((1, 2, 2, 2), 16, dtype=tc.int64), 2),
     RuntimeError, "invalid max index: 16"),
    (lambda: F.max_unpool2d(tc.zeros(2, 2), tc.zeros(2, 2, dtype=tc.int64), 2),
     RuntimeError, r"\(2, 2\)"),
])
def test_max_unpool2d_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_max_unpool2d_torch_raises_too():
    with pytest.raises(RuntimeError):
        TF.max_unpool2d(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, 3, dtype=torch.long), 2)
    with pytest.raises(ValueError):
        TF.max_unpool2d(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, 2, dtype=torch.long), 2,
                        output_size=(7, 7))


# ------------------------------------------------------------------------------ interpolate
def _interp_configs(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    modes = [("nearest", None), ("nearest-exact", None), ("bilinear", True),
             ("bilinear", False), ("bilinear", None), ("bicubic", True), ("bicubic", False),
             ("area", None)]
    while len(out) < n:
        mode, ac = modes[len(out) % len(modes)]
        hw = tuple(int(v) for v in rng.integers(1, 9, size=2))
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 4))) + hw
        how = int(rng.integers(0, 4))
        if how == 0:
            kw = dict(size=tuple(int(v) for v in rng.integers(1, 14, size=2)))
        elif how == 1:
            kw = dict(size=int(rng.integers(1, 14)))
        elif how == 2:
            kw = dict(scale_factor=float(rng.choice([0.5, 0.75, 1.0, 1.5, 1.7, 2.0, 2.3, 3.0])))
        else:
            kw = dict(scale_factor=tuple(float(v) for v in rng.uniform(0.4, 3.0, size=2)),
                      recompute_scale_factor=bool(rng.integers(0, 2)))
        if "scale_factor" in kw:
            sf = kw["scale_factor"]
            sf = sf if isinstance(sf, tuple) else (sf, sf)
            if min(int(np.floor(h * f)) for h, f in zip(hw, sf)) < 1:
                continue
        out.append(dict(shape=shape, mode=mode, align_corners=ac, **kw))
    return out


INTERP_GRID = _interp_configs(96, seed=2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", INTERP_GRID, ids=str)
def test_interpolate_matches_torch(cfg, dtype):
    kw = {k: v for k, v in cfg.items() if k != "shape"}
    x = np.random.default_rng(len(str(cfg))).standard_normal(cfg["shape"])
    _check(lambda t: F.interpolate(t, **kw), lambda t: TF.interpolate(t, **kw), x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode, ac", [("nearest", None), ("linear", True), ("linear", False),
                                      ("nearest-exact", None)])
@pytest.mark.parametrize("kw", [dict(size=11), dict(scale_factor=1.6), dict(size=3)])
def test_interpolate_1d(mode, ac, kw, dtype):
    x = np.random.default_rng(6).standard_normal((2, 3, 7))
    _check(lambda t: F.interpolate(t, mode=mode, align_corners=ac, **kw),
           lambda t: TF.interpolate(t, mode=mode, align_corners=ac, **kw), x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [dict(size=11), dict(scale_factor=0.6), dict(size=3)])
def test_interpolate_area_1d(kw, dtype):
    x = np.random.default_rng(6).standard_normal((2, 3, 7))
    _check(lambda t: F.interpolate(t, mode="area", **kw),
           lambda t: TF.interpolate(t, mode="area", **kw), x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode, ac", [("nearest", None), ("area", None), ("trilinear", True),
                                      ("trilinear", False)])
@pytest.mark.parametrize("kw", [dict(size=(5, 3, 8)), dict(scale_factor=(1.5, 0.7, 2.2))])
def test_interpolate_3d(mode, ac, kw, dtype):
    x = np.random.default_rng(7).standard_normal((1, 2, 3, 4, 5))
    _check(lambda t: F.interpolate(t, mode=mode, align_corners=ac, **kw),
           lambda t: TF.interpolate(t, mode=mode, align_corners=ac, **kw), x, dtype)


@pytest.mark.parametrize("mode, ac", [("bilinear", False), ("bicubic", False), ("bicubic", True),
                                      ("area", None), ("nearest", None)])
@pytest.mark.parametrize("sf", [1.1, (1.19, 0.9)])
def test_interpolate_scale_keeping_a_size(mode, ac, sf):
    # 5 * 1.19 and 7 * 1.1 floor back to 5 and 7: torch's cubic still resamples such an axis
    # with scale 1/sf, its linear and nearest modes copy it
    x = np.random.default_rng(10).standard_normal((1, 2, 5, 7))
    kw = dict(scale_factor=sf, mode=mode, align_corners=ac)
    a, b = pair(x)
    assert_close(F.interpolate(a, **kw), TF.interpolate(b, **kw), dtype=np.float64)
    assert tc.gradcheck(lambda t: F.interpolate(t, **kw), (a,))
    if mode == "bicubic" and not ac and sf == 1.1:
        # no size changes: torch's CPU bicubic backward then copies gy although its forward
        # resampled (torch's own gradcheck fails), so only finite differences judge ours
        assert not torch.autograd.gradcheck(lambda t: TF.interpolate(t, **kw), (b,),
                                            raise_exception=False)
    else:
        _check(lambda t: F.interpolate(t, **kw), lambda t: TF.interpolate(t, **kw), x,
               np.float64)


def test_interpolate_bicubic_overshoots_like_torch():
    # a step edge: cubic convolution rings past the input's range on both sides
    x = np.zeros((1, 1, 1, 6))
    x[..., 3:] = 1.0
    y = F.interpolate(tc.tensor(x), size=(1, 17), mode="bicubic").numpy()
    yt = TF.interpolate(torch.tensor(x), size=(1, 17), mode="bicubic").numpy()
    assert y.min() < 0.0 and y.max() > 1.0
    np.testing.assert_allclose(y, yt, rtol=0, atol=1e-12)


def test_interpolate_gradcheck():
    x = tc.tensor(np.random.default_rng(8).standard_normal((1, 2, 4, 3)), requires_grad=True)
    for kw in (dict(mode="bilinear", align_corners=True), dict(mode="bilinear"),
               dict(mode="nearest"), dict(mode="bicubic"), dict(mode="bicubic",
                                                                align_corners=True),
               dict(mode="area")):
        assert tc.gradcheck(lambda t: F.interpolate(t, size=(7, 5), **kw), (x,))
        assert tc.gradcheck(lambda t: F.interpolate(t, size=(3, 2), **kw), (x,))
    x5 = tc.tensor(np.random.default_rng(9).standard_normal((1, 1, 2, 3, 2)), requires_grad=True)
    assert tc.gradcheck(lambda t: F.interpolate(t, size=(3, 2, 4), mode="trilinear"), (x5,))


@pytest.mark.parametrize("dtype", DTYPES)
def test_upsample_modules(dtype):
    x = np.random.default_rng(9).standard_normal((2, 3, 5, 4))
    for args in [dict(scale_factor=2), dict(size=(7, 9), mode="bilinear"),
                 dict(scale_factor=1.5, mode="bilinear", align_corners=True)]:
        m, tm = tc.nn.Upsample(**args), torch.nn.Upsample(**args)
        _check(m, tm, x, dtype)
        assert repr(m) == repr(tm)
    _check(tc.nn.UpsamplingBilinear2d(scale_factor=2), torch.nn.UpsamplingBilinear2d(
        scale_factor=2), x, dtype)
    _check(tc.nn.UpsamplingNearest2d(size=(3, 7)), torch.nn.UpsamplingNearest2d(size=(3, 7)),
           x, dtype)


@pytest.mark.parametrize("kw, exc, match", [
    (dict(size=2, scale_factor=2), ValueError, "only one of size or scale_factor"),
    (dict(), ValueError, "either size or scale_factor"),
    (dict(size=(2, 3, 4)), ValueError, "same number of spatial dimensions"),
    (dict(scale_factor=(2.0,)), ValueError, "same number of spatial dimensions"),
    (dict(size=3, align_corners=True), ValueError, "align_corners option"),
    (dict(size=3, recompute_scale_factor=True), ValueError, "recompute_scale_factor"),
    (dict(size=0), RuntimeError, "greater than 0"),
    (dict(scale_factor=0.2), RuntimeError, "greater than 0"),
    (dict(size=3, mode="linear"), NotImplementedError, "linear mode needs 3D"),
    (dict(size=3, mode="foo"), NotImplementedError, "foo"),
    (dict(size=(2.0, 3)), TypeError, "size"),
])
def test_interpolate_errors(kw, exc, match):
    with pytest.raises(exc, match=match):
        F.interpolate(tc.zeros(1, 2, 3, 4), **kw)
    with pytest.raises(exc):                      # torch raises the same type
        TF.interpolate(torch.zeros(1, 2, 3, 4), **kw)


@pytest.mark.parametrize("mode, shape", [("bilinear", (1, 2, 3)), ("bicubic", (1, 2, 3, 4, 5)),
                                         ("trilinear", (1, 2, 3, 4))])
def test_interpolate_mode_needs_its_rank(mode, shape):
    with pytest.raises(NotImplementedError, match=f"{mode} mode needs"):
        F.interpolate(tc.zeros(*shape), size=4, mode=mode)
    with pytest.raises(NotImplementedError):
        TF.interpolate(torch.zeros(*shape), size=4, mode=mode)


# ------------------------------------------------------------------------------ pixel shuffle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, r", [((2, 8, 3, 5), 2), ((1, 9, 2, 2), 3), ((4, 3, 3), 1),
                                      ((2, 1, 18, 4, 1), 3), ((5, 4, 1, 1), 2)])
def test_pixel_shuffle_matches_torch(shape, r, dtype):
    x = np.random.default_rng(sum(shape)).standard_normal(shape)
    _check(lambda t: F.pixel_shuffle(t, r), lambda t: TF.pixel_shuffle(t, r), x, dtype)
    _check(tc.nn.PixelShuffle(r), torch.nn.PixelShuffle(r), x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, r", [((2, 2, 6, 4), 2), ((1, 1, 9, 6), 3), ((3, 4, 4), 1)])
def test_pixel_unshuffle_matches_torch(shape, r, dtype):
    x = np.random.default_rng(sum(shape)).standard_normal(shape)
    _check(lambda t: F.pixel_unshuffle(t, r), lambda t: TF.pixel_unshuffle(t, r), x, dtype)
    _check(tc.nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r), x, dtype)


@pytest.mark.parametrize("fn, args, match", [
    ("pixel_shuffle", ((1, 5, 2, 2), 2), "divisible by the square"),
    ("pixel_shuffle", ((5, 2), 2), "at least 3 dimensions"),
    ("pixel_shuffle", ((1, 4, 2, 2), 0), "positive"),
    ("pixel_unshuffle", ((1, 4, 3, 2), 2), "height"),
    ("pixel_unshuffle", ((1, 4, 2, 3), 2), "width"),
])
def test_pixel_shuffle_errors(fn, args, match):
    shape, r = args
    with pytest.raises(RuntimeError, match=match):
        getattr(F, fn)(tc.zeros(*shape), r)
    with pytest.raises(RuntimeError, match=match):
        getattr(TF, fn)(torch.zeros(*shape), r)
