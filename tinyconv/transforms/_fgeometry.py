"""torchvision.transforms.functional, part 1: the shared helpers, resampling, crop, pad,
flips, rotations and affine maps (see ``functional`` for the conventions).

Each function takes an image of any kind (``tc.Tensor`` ``(..., C, H, W)``, a uint8 ndarray
``(H, W[, C])``, a float ndarray ``(C, H, W)``, a PIL image) and returns one of the same kind.
The arithmetic is torchvision's tensor path (the formulas of ``_functional_tensor``): integer
images are computed in float32 and converted back as torch converts (blends truncate, resampling
rounds); resampling is ``interpolate``'s (antialiased as ``antialias=True``) and rotations and
affine maps are ``grid_sample`` with ``align_corners=False`` on torchvision's grid.  PIL images
are resized by Pillow itself, as torchvision does.

Legend: ``x`` the image as a ``(..., C, H, W)`` array, ``H, W`` its size, ``OH, OW`` the output's.
"""
import math
import numbers
from enum import Enum

import numpy as np

from ._image import is_pil, to_chw

__all__ = ["InterpolationMode", "get_dimensions", "resize", "crop", "center_crop",
           "resized_crop", "pad", "hflip", "vflip", "rotate", "affine"]


class InterpolationMode(Enum):
    """Interpolation modes (torchvision's names and values).

    Calling the class looks a mode up by its value, one of 'nearest', 'nearest-exact',
    'bilinear', 'bicubic', 'box', 'hamming' and 'lanczos' (``InterpolationMode("bilinear") is
    InterpolationMode.BILINEAR``), which is how the transforms accept a string.
    """

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _mode(interpolation):
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    try:
        return InterpolationMode(interpolation)
    except ValueError:
        raise TypeError("Argument interpolation should be of type InterpolationMode") from None


_PIL_MODES = {"nearest": 0, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5,
              "lanczos": 1}


def _max_value(dtype):
    if dtype.kind == "f":
        return 1.0
    if dtype == np.bool_:
        return 1
    return int(np.iinfo(dtype).max)


def _float_dtype(dtype):
    return dtype if dtype.kind == "f" else np.dtype(np.float32)


def _cast_back(y, dtype):
    """A float result in the image's dtype: integers are rounded (torchvision's
    ``_cast_squeeze_out``)."""
    if dtype.kind == "f":
        return y.astype(dtype, copy=False)
    info = np.iinfo(dtype)
    return np.clip(np.round(y), info.min, info.max).astype(dtype)


def _blend(x1, x2, ratio):
    """``ratio * x1 + (1 - ratio) * x2`` clamped to the dtype's range; integer images are
    truncated back, as torch's ``.to(uint8)`` does."""
    ratio = float(ratio)
    ft = _float_dtype(x1.dtype)
    y = x1.astype(ft) * ratio + np.asarray(x2).astype(ft) * (1.0 - ratio)
    np.clip(y, 0, _max_value(x1.dtype), out=y)
    return y.astype(x1.dtype)


def _channels(x, permitted, what):
    c = x.shape[-3]
    if c not in permitted:
        raise TypeError(f"{what}: input image permitted channel values are {permitted}, but "
                        f"found {c}")


def get_dimensions(img):
    """``[channels, height, width]`` of an image of any kind."""
    x, _ = to_chw(img)
    return [int(x.shape[-3]), int(x.shape[-2]), int(x.shape[-1])]


# --------------------------------------------------------------------------------- resampling
def _triangle(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _cubic_aa(x, a=-0.5):
    x = np.abs(x)
    return np.where(x < 1.0, ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0,
                    np.where(x < 2.0, (((x - 5.0) * x + 8.0) * x - 4.0) * a, 0.0))


def _weights(n_in, n_out, mode, antialias):
    """The (n_out, n_in) matrix of ``interpolate``'s weights along one axis
    (align_corners=False; the antialiased filters as torch's ``antialias=True``)."""
    w = np.zeros((n_out, n_in), dtype=np.float64)
    scale = n_in / n_out
    if mode in ("nearest", "nearest-exact"):
        s32 = np.float32(n_in) / np.float32(n_out)       # torch computes this scale in float
        i = np.arange(n_out, dtype=np.float32)
        src = np.floor((i + np.float32(0.5)) * s32 if mode == "nearest-exact" else i * s32)
        w[np.arange(n_out), np.minimum(src.astype(np.int64), n_in - 1)] = 1.0
        return w
    if antialias and mode in ("bilinear", "bicubic"):
        filt, support = (_triangle, 1.0) if mode == "bilinear" else (_cubic_aa, 2.0)
        stretch = max(scale, 1.0)
        support *= stretch
        for i in range(n_out):
            center = scale * (i + 0.5)
            lo = max(int(center - support + 0.5), 0)
            hi = min(int(center + support + 0.5), n_in)
            k = filt((np.arange(lo, hi) - center + 0.5) / stretch)
            total = k.sum()
            w[i, lo:hi] = k / total if total != 0 else k
        return w
    src = scale * (np.arange(n_out) + 0.5) - 0.5
    if mode == "bilinear":
        src = np.maximum(src, 0.0)
        i0 = np.floor(src).astype(np.int64)
        lam = src - i0
        i1 = np.minimum(i0 + 1, n_in - 1)
        rows = np.arange(n_out)
        np.add.at(w, (rows, i0), 1.0 - lam)
        np.add.at(w, (rows, i1), lam)
        return w
    if mode == "bicubic":
        a = -0.75
        i0 = np.floor(src).astype(np.int64)
        t = src - i0

        def near(x):
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0

        def far(x):
            return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a

        coeffs = [far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)]
        rows = np.arange(n_out)
        for k, c in enumerate(coeffs):
            np.add.at(w, (rows, np.clip(i0 - 1 + k, 0, n_in - 1)), c)
        return w
    raise ValueError(f"Interpolation mode '{mode}' is unsupported with Tensor input")


def _resize_chw(x, size, mode, antialias):
    oh, ow = size
    h, w = x.shape[-2:]
    ft = _float_dtype(x.dtype)
    wh = _weights(h, oh, mode, antialias).astype(ft)    # (OH, H)
    ww = _weights(w, ow, mode, antialias).astype(ft)    # (OW, W)
    if mode in ("nearest", "nearest-exact"):
        return x[..., wh.argmax(1)[:, None], ww.argmax(1)[None, :]]
    y = np.matmul(np.matmul(wh, x.astype(ft)), ww.T)    # (..., OH, OW)
    return _cast_back(y, x.dtype)


def _output_size(h, w, size, max_size):
    if isinstance(size, numbers.Integral) or len(size) == 1:
        requested = size if isinstance(size, numbers.Integral) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = int(requested), int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the "
                         "smaller edge, i.e. size should be an int or a sequence of length 1")
    return int(size[0]), int(size[1])


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size`` ((h, w), or an int: the smaller edge, keeping the aspect ratio).

    Args:
        img: an image of any kind.
        size: (h, w) or int (see above).
        interpolation: an ``InterpolationMode`` (or its value).
        max_size: with an int ``size``, the longest the longer edge may become.
        antialias: antialias when downsampling (bilinear and bicubic), as torch.
    """
    mode = _mode(interpolation).value
    if is_pil(img):
        oh, ow = _output_size(img.size[1], img.size[0], size, max_size)
        if (oh, ow) == (img.size[1], img.size[0]):
            return img
        return img.resize((ow, oh), _PIL_MODES[mode])
    x, back = to_chw(img)
    oh, ow = _output_size(x.shape[-2], x.shape[-1], size, max_size)
    if (oh, ow) == tuple(x.shape[-2:]):
        return img
    return back(_resize_chw(x, (oh, ow), mode, antialias))


# ------------------------------------------------------------------------------- crop and pad
def _pad_chw(x, padding, fill=0, padding_mode="constant"):
    left, top, right, bottom = padding
    if min(padding) < 0:   # negative padding crops, as torchvision's
        x = x[..., max(-top, 0):x.shape[-2] - max(-bottom, 0),
              max(-left, 0):x.shape[-1] - max(-right, 0)]
        left, top, right, bottom = (max(p, 0) for p in padding)
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        if isinstance(fill, (tuple, list)) and len(fill) > 1:
            out = np.stack([np.pad(x[..., c, :, :], widths[:-3] + widths[-2:],
                                   constant_values=fill[c]) for c in range(x.shape[-3])], -3)
            return out
        value = fill[0] if isinstance(fill, (tuple, list)) else fill
        return np.pad(x, widths, mode="constant", constant_values=value)
    return np.pad(x, widths, mode={"edge": "edge", "reflect": "reflect",
                                   "symmetric": "symmetric"}[padding_mode])


def _parse_padding(padding):
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * 4
    if not isinstance(padding, (tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if len(padding) == 1:
        return (int(padding[0]),) * 4
    if len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    return tuple(int(p) for p in padding)


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad each border: ``padding`` is an int, (left/right, top/bottom) or (left, top, right,
    bottom); ``padding_mode`` 'constant' (with ``fill``), 'edge', 'reflect' or 'symmetric'."""
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = _parse_padding(padding)
    x, back = to_chw(img)
    return back(_pad_chw(x, p, fill, padding_mode))


def _crop_chw(x, top, left, height, width):
    h, w = x.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        pads = (max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                max(right - max(w, left), 0), max(bottom - max(h, top), 0))
        return _pad_chw(x[..., max(top, 0):bottom, max(left, 0):right], pads)
    return x[..., top:bottom, left:right]


def crop(img, top, left, height, width):
    """The ``height`` x ``width`` window at (top, left), zero-padded where it leaves the image."""
    x, back = to_chw(img)
    return back(_crop_chw(x, int(top), int(left), int(height), int(width)))


def _pair(size, what="size"):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {what}.")
    return int(size[0]), int(size[1])


def _center_crop_chw(x, size):
    ch, cw = size
    h, w = x.shape[-2:]
    if cw > w or ch > h:
        pads = ((cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0)
        x = _pad_chw(x, pads)
        h, w = x.shape[-2:]
        if (cw, ch) == (w, h):
            return x
    top = int(round((h - ch) / 2.0))
    left = int(round((w - cw) / 2.0))
    return _crop_chw(x, top, left, ch, cw)


def center_crop(img, output_size):
    """The central (h, w) window (zero-padded first if the image is smaller)."""
    x, back = to_chw(img)
    return back(_center_crop_chw(x, _pair(output_size, "output_size")))


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
    """``crop`` then ``resize`` to ``size``."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    """Mirror left-right."""
    x, back = to_chw(img)
    return back(x[..., ::-1])


def vflip(img):
    """Mirror top-bottom."""
    x, back = to_chw(img)
    return back(x[..., ::-1, :])


# ------------------------------------------------------------------------ rotations and affine
def _inverse_affine_matrix(center, angle, translate, scale, shear):
    """The inverse of ``T * C * RSS * C^-1`` (translation, centre, rotation-scale-shear) as the
    6 coefficients torchvision's grid uses: output pixel -> input pixel."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [v / scale for v in (d, -b, 0.0, -c, a, 0.0)]   # det([[a, b], [c, d]]) == 1
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def _affine_output_size(matrix, w, h):
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    theta = np.asarray(matrix, dtype=np.float32).reshape(2, 3)
    new = pts @ theta.T
    lo = new.min(0) + np.array([w * 0.5, h * 0.5], dtype=np.float32)
    hi = new.max(0) + np.array([w * 0.5, h * 0.5], dtype=np.float32)
    tol = 1e-4                 # truncate to 1e-4 so that ceil(x + 1e-15) is not one too many
    cmax = np.ceil(np.trunc(hi / tol) * tol)
    cmin = np.floor(np.trunc(lo / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def _grid_sample(x, gx, gy, mode):
    """``grid_sample(x, grid, mode, padding_mode='zeros', align_corners=False)`` for one grid
    (OH, OW) of normalised coordinates shared by the leading dimensions of x."""
    h, w = x.shape[-2:]
    ft = gx.dtype.type
    ix = ((gx + ft(1)) * ft(w) - ft(1)) / ft(2)
    iy = ((gy + ft(1)) * ft(h) - ft(1)) / ft(2)
    out = np.zeros(x.shape[:-2] + gx.shape, dtype=x.dtype)
    if mode == "nearest":
        xn, yn = np.rint(ix).astype(np.int64), np.rint(iy).astype(np.int64)
        ok = (xn >= 0) & (xn < w) & (yn >= 0) & (yn < h)
        out[..., ok] = x[..., yn[ok], xn[ok]]
        return out
    x0, y0 = np.floor(ix), np.floor(iy)
    for dx in (0, 1):
        for dy in (0, 1):
            xc, yc = x0 + dx, y0 + dy
            wgt = (1.0 - np.abs(ix - xc)) * (1.0 - np.abs(iy - yc))
            xi, yi = xc.astype(np.int64), yc.astype(np.int64)
            ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            out[..., ok] += x[..., yi[ok], xi[ok]] * wgt[ok].astype(x.dtype)
    return out


def _apply_affine(x, matrix, mode, fill, out_size=None):
    """Sample x on torchvision's affine grid (its pixel-centre convention), with ``fill``
    outside the image (None: zeros)."""
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{mode}' is unsupported with Tensor input")
    h, w = x.shape[-2:]
    ow, oh = out_size if out_size is not None else (w, h)
    ft = _float_dtype(x.dtype)
    d = 0.5
    xs = np.linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, ow, dtype=np.float32).astype(ft)
    ys = np.linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, oh, dtype=np.float32).astype(ft)
    # grid = [x, y, 1] @ (theta^T / (w/2, h/2)), in torch's order of operations (ties of
    # nearest sampling depend on the last bit): output pixel -> normalised input position
    rt = np.asarray(matrix, dtype=ft).reshape(2, 3).T / np.array([0.5 * w, 0.5 * h], dtype=ft)
    gx = xs[None, :] * rt[0, 0] + ys[:, None] * rt[1, 0] + rt[2, 0]
    gy = xs[None, :] * rt[0, 1] + ys[:, None] * rt[1, 1] + rt[2, 1]
    xf = x.astype(ft)
    if fill is not None:
        xf = np.concatenate([xf, np.ones(xf.shape[:-3] + (1,) + xf.shape[-2:], dtype=ft)], -3)
    y = _grid_sample(xf, gx, gy, mode)
    if fill is not None:
        mask = y[..., -1:, :, :]
        y = y[..., :-1, :, :]
        fill = [float(fill)] if isinstance(fill, numbers.Number) else [float(f) for f in fill]
        if len(fill) > 1 and len(fill) != y.shape[-3]:
            raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the "
                             f"number of channels of the image ({len(fill)} != {y.shape[-3]})")
        fill_img = np.asarray(fill, dtype=ft).reshape(-1, 1, 1)
        if mode == "nearest":
            y = np.where(mask < 0.5, fill_img, y)
        else:
            y = y * mask + (1.0 - mask) * fill_img
    return _cast_back(y, x.dtype)


def _image_and_center(img, center):
    """(x, back, h, w, center_f): the image as CHW (and the way back), its size, and
    ``center`` (x, y in pixels; None: the middle) relative to the middle, as torchvision's
    rotate and affine take it."""
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    x, back = to_chw(img)
    h, w = x.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, (w, h))]
    return x, back, h, w, center_f


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None,
           fill=None):
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (default: the image's).

    Args:
        expand: enlarge the output to hold the whole rotated image.
        center: (x, y) in pixels.
        fill: value(s) of the area outside the image (None: zeros).
    """
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    x, back, h, w, center_f = _image_and_center(img, center)
    matrix = _inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    size = _affine_output_size(matrix, w, h) if expand else (w, h)
    return back(_apply_affine(x, matrix, _mode(interpolation).value, fill, size))


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST,
           fill=None, center=None):
    """Rotate by ``angle`` (clockwise), scale, shear (degrees, x then y) and translate (pixels)
    about ``center``, keeping the image size (torchvision's affine)."""
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    x, back, h, w, center_f = _image_and_center(img, center)
    matrix = _inverse_affine_matrix(center_f, float(angle), [float(t) for t in translate],
                                    float(scale), [float(s) for s in shear])
    return back(_apply_affine(x, matrix, _mode(interpolation).value, fill))
