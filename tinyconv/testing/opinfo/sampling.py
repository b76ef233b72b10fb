"""Registry entries: interpolate, upsample, pixel_shuffle, pixel_unshuffle."""
import numpy as np

from .core import BadArg, OpInfo, Sample, x

NAN = float("nan")


def _interp_configs(n, seed):
    """Random 2-D interpolate calls: every mode, size or scale_factor (recomputed or not)."""
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
        out.append((shape, dict(mode=mode, align_corners=ac, **kw)))
    return out


def _interpolate_samples():
    for kw in [dict(scale_factor=2), dict(size=(5, 7)), dict(scale_factor=(1.5, 2.5)),
               dict(size=(3, 4), mode="nearest-exact"), dict(scale_factor=2, mode="bilinear"),
               dict(size=(7, 5), mode="bilinear", align_corners=True),
               dict(size=(3, 9), mode="bilinear", align_corners=False)]:
        yield Sample([x(2, 3, 4, 5)], **kw)
    yield Sample([x(2, 3, 5)], size=9, mode="linear", align_corners=False)
    for i, (shape, kw) in enumerate(_interp_configs(96, seed=2)):
        yield Sample([x(*shape)], label=f"random config {i} {shape} {kw}", **kw)
    for mode, ac in [("nearest", None), ("linear", True), ("linear", False),
                     ("nearest-exact", None), ("area", None)]:
        for kw in [dict(size=11), dict(scale_factor=1.6 if mode != "area" else 0.6),
                   dict(size=3)]:
            yield Sample([x(2, 3, 7)], mode=mode, align_corners=ac, **kw)
    for mode, ac in [("nearest", None), ("area", None), ("trilinear", True),
                     ("trilinear", False)]:
        for kw in [dict(size=(5, 3, 8)), dict(scale_factor=(1.5, 0.7, 2.2))]:
            yield Sample([x(1, 2, 3, 4, 5)], mode=mode, align_corners=ac, **kw)
    # 5 * 1.19 and 7 * 1.1 floor back to 5 and 7: torch's cubic still resamples such an axis
    # with scale 1/sf, its linear and nearest modes copy it
    for mode, ac in [("bilinear", False), ("bicubic", False), ("bicubic", True),
                     ("area", None), ("nearest", None)]:
        for sf in (1.1, (1.19, 0.9)):
            # bicubic, align_corners=False, no size change: torch's CPU backward copies gy
            # although its forward resampled (torch's own gradcheck fails there;
            # tests/test_upsample.py shows it): the gradient is judged by gradcheck alone
            torch_bwd_ok = not (mode == "bicubic" and not ac and sf == 1.1)
            label = f"scale keeping a size mode={mode} ac={ac} sf={sf}" + (
                "" if torch_bwd_ok else " (torch's backward is wrong here)")
            yield Sample([x(1, 2, 5, 7)], label=label, grad=torch_bwd_ok, gradcheck=True,
                         scale_factor=sf, mode=mode, align_corners=ac)
    for kw in (dict(mode="bilinear", align_corners=True), dict(mode="bilinear"),
               dict(mode="nearest"), dict(mode="bicubic"),
               dict(mode="bicubic", align_corners=True), dict(mode="area")):
        for size in ((7, 5), (3, 2)):
            yield Sample([x(1, 2, 4, 3)], gradcheck=True, size=size, **kw)
    yield Sample([x(1, 1, 2, 3, 2)], gradcheck=True, size=(3, 2, 4), mode="trilinear")


def _upsample_samples():
    yield Sample([x(2, 3, 4, 5)], scale_factor=2)
    yield Sample([x(2, 3, 5, 4)], size=(7, 9), mode="bilinear")
    yield Sample([x(2, 3, 5, 4)], scale_factor=1.5, mode="bilinear", align_corners=True)
    yield Sample([x(1, 2, 3, 4)], gradcheck=True, scale_factor=2, mode="bilinear")


def _pixel_shuffle_samples():
    yield Sample([x(2, 8, 3, 4)], upscale_factor=2)
    for shape, r in [((2, 8, 3, 5), 2), ((1, 9, 2, 2), 3), ((4, 3, 3), 1), ((2, 1, 18, 4, 1), 3),
                     ((5, 4, 1, 1), 2)]:
        yield Sample([x(*shape)], upscale_factor=r)


def _pixel_unshuffle_samples():
    yield Sample([x(2, 3, 4, 6)], downscale_factor=2)
    for shape, r in [((2, 2, 6, 4), 2), ((1, 1, 9, 6), 3), ((3, 4, 4), 1)]:
        yield Sample([x(*shape)], downscale_factor=r)
    yield Sample([x(2, 1, 2, 4)], gradcheck=True, downscale_factor=2)


def _x4(M):
    return M.randn(2, 3, 6, 6)


def _z(M):
    return M.zeros(1, 2, 3, 4)


def _interp_bad(label, exc, match, torch="same", **kw):
    return BadArg(label, lambda M, F: F.interpolate(_z(M), **kw), exc, match, torch=torch)


INTERPOLATE_BAD = [
    BadArg("size and scale_factor", lambda M, F: F.interpolate(_x4(M), size=3, scale_factor=2),
           ValueError, "scale_factor"),
    BadArg("neither size nor scale_factor", lambda M, F: F.interpolate(_x4(M)), ValueError,
           "size"),
    BadArg("mode", lambda M, F: F.interpolate(_x4(M), size=3, mode="foo"), NotImplementedError,
           "mode"),
    BadArg("size < 0", lambda M, F: F.interpolate(_x4(M), size=-2), RuntimeError, "size",
           torch="raises"),
    # found by the fuzz test: inf/NaN scale factors raised OverflowError / an unnamed error
    BadArg("scale inf", lambda M, F: F.interpolate(_x4(M), scale_factor=float("inf")),
           ValueError, "scale_factor", torch="raises"),
    BadArg("scale nan", lambda M, F: F.interpolate(_x4(M), scale_factor=(2.0, NAN)),
           ValueError, "scale_factor", torch="raises"),
    _interp_bad("size and scale_factor message", ValueError, "only one of size or scale_factor",
                size=2, scale_factor=2),
    _interp_bad("neither message", ValueError, "either size or scale_factor"),
    _interp_bad("size of 3", ValueError, "same number of spatial dimensions", size=(2, 3, 4)),
    _interp_bad("scale_factor of 1", ValueError, "same number of spatial dimensions",
                scale_factor=(2.0,)),
    _interp_bad("align_corners with nearest", ValueError, "align_corners option", size=3,
                align_corners=True),
    _interp_bad("recompute_scale_factor with size", ValueError, "recompute_scale_factor", size=3,
                recompute_scale_factor=True),
    _interp_bad("size 0", RuntimeError, "greater than 0", size=0),
    _interp_bad("scale to 0", RuntimeError, "greater than 0", scale_factor=0.2),
    _interp_bad("linear of a 4-D input", NotImplementedError, "linear mode needs 3D", size=3,
                mode="linear"),
    _interp_bad("mode foo", NotImplementedError, "foo", size=3, mode="foo"),
    _interp_bad("float size", TypeError, "size", size=(2.0, 3)),
    BadArg("bilinear of a 3-D input", lambda M, F: F.interpolate(
        M.zeros(1, 2, 3), size=4, mode="bilinear"), NotImplementedError, "bilinear mode needs"),
    BadArg("bicubic of a 5-D input", lambda M, F: F.interpolate(
        M.zeros(1, 2, 3, 4, 5), size=4, mode="bicubic"), NotImplementedError,
        "bicubic mode needs"),
    BadArg("trilinear of a 4-D input", lambda M, F: F.interpolate(
        M.zeros(1, 2, 3, 4), size=4, mode="trilinear"), NotImplementedError,
        "trilinear mode needs"),
]

UPSAMPLE_BAD = [
    BadArg("neither size nor scale_factor", lambda M, F: F.upsample(_x4(M)), ValueError, "size",
           names_op=False),  # upsample is interpolate, and its messages say so
]


def _zs(M, *shape):
    return M.zeros(*shape)


PIXEL_SHUFFLE_BAD = [
    BadArg("channels", lambda M, F: F.pixel_shuffle(_x4(M), 2), RuntimeError, "upscale_factor"),
    BadArg("channels, message", lambda M, F: F.pixel_shuffle(_zs(M, 1, 5, 2, 2), 2),
           RuntimeError, "divisible by the square"),
    BadArg("rank", lambda M, F: F.pixel_shuffle(_zs(M, 5, 2), 2), RuntimeError,
           "at least 3 dimensions"),
    BadArg("factor 0", lambda M, F: F.pixel_shuffle(_x4(M), 0), RuntimeError, "upscale_factor"),
    BadArg("factor 0, message", lambda M, F: F.pixel_shuffle(_zs(M, 1, 4, 2, 2), 0),
           RuntimeError, "positive"),
]
PIXEL_UNSHUFFLE_BAD = [
    BadArg("height", lambda M, F: F.pixel_unshuffle(_x4(M), 4), RuntimeError,
           "downscale_factor"),
    BadArg("height, message", lambda M, F: F.pixel_unshuffle(_zs(M, 1, 4, 3, 2), 2),
           RuntimeError, "height"),
    BadArg("width", lambda M, F: F.pixel_unshuffle(_zs(M, 1, 4, 2, 3), 2), RuntimeError,
           "width"),
]

OPS = [
    OpInfo("interpolate", _interpolate_samples, "sampling", bad_args=INTERPOLATE_BAD),
    OpInfo("upsample", _upsample_samples, "sampling", bad_args=UPSAMPLE_BAD),
    OpInfo("pixel_shuffle", _pixel_shuffle_samples, "sampling", bad_args=PIXEL_SHUFFLE_BAD),
    OpInfo("pixel_unshuffle", _pixel_unshuffle_samples, "sampling",
           bad_args=PIXEL_UNSHUFFLE_BAD),
]
