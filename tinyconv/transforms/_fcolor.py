"""torchvision.transforms.functional, part 2: colour operations and dtype/PIL conversions
(see ``functional`` for the conventions)."""
import numbers

import numpy as np

from ..tensor import Tensor
from ._fgeometry import _blend, _cast_back, _channels, _float_dtype, _max_value
from ._image import is_pil, pil_module, to_chw

__all__ = ["rgb_to_grayscale", "adjust_brightness", "adjust_contrast", "adjust_saturation",
           "adjust_hue", "adjust_sharpness", "posterize", "solarize", "autocontrast",
           "equalize", "invert", "gaussian_blur", "erase", "convert_image_dtype", "to_tensor",
           "pil_to_tensor", "to_pil_image", "normalize"]


# -------------------------------------------------------------------------------------- color
def _gray(x):
    """Luma of a (..., 3, H, W) image in its dtype (integers truncated, as torch's .to)."""
    ft = _float_dtype(x.dtype)
    r, g, b = (x[..., i, :, :].astype(ft) for i in range(3))
    return (r * 0.2989 + g * 0.587 + b * 0.114).astype(x.dtype)[..., None, :, :]


def rgb_to_grayscale(img, num_output_channels=1):
    """ITU-R 601-2 luma (0.2989 R + 0.587 G + 0.114 B), in 1 or 3 channels."""
    x, back = to_chw(img)
    _channels(x, (1, 3), "rgb_to_grayscale")
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    g = _gray(x) if x.shape[-3] == 3 else x.copy()
    if num_output_channels == 3:
        g = np.broadcast_to(g, g.shape[:-3] + (3,) + g.shape[-2:])
    return back(np.ascontiguousarray(g))


def _rgb_or_gray(op, img, name, factor):
    """(x, back) of a 1- or 3-channel image for an adjustment by a non-negative ``factor``
    (torchvision's checks, in its order)."""
    if factor < 0:
        raise ValueError(f"{name} ({factor}) is not non-negative.")
    x, back = to_chw(img)
    _channels(x, (1, 3), op)
    return x, back


def adjust_brightness(img, brightness_factor):
    """Scale the intensities by ``brightness_factor`` (>= 0), clamped."""
    x, back = _rgb_or_gray("adjust_brightness", img, "brightness_factor", brightness_factor)
    return back(_blend(x, np.zeros((), dtype=x.dtype), brightness_factor))


def adjust_contrast(img, contrast_factor):
    """Blend with the mean luma: 0 gives a gray image, 1 the original."""
    x, back = _rgb_or_gray("adjust_contrast", img, "contrast_factor", contrast_factor)
    ft = _float_dtype(x.dtype)
    src = _gray(x) if x.shape[-3] == 3 else x
    mean = src.astype(ft).mean(axis=(-3, -2, -1), keepdims=True, dtype=np.float64).astype(ft)
    return back(_blend(x, mean, contrast_factor))


def adjust_saturation(img, saturation_factor):
    """Blend with the grayscale image: 0 gives gray, 1 the original, 2 doubles saturation."""
    x, back = _rgb_or_gray("adjust_saturation", img, "saturation_factor", saturation_factor)
    if x.shape[-3] == 1:
        return img
    return back(_blend(x, _gray(x), saturation_factor))


def _rgb2hsv(x):
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    maxc, minc = x.max(-3), x.min(-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    crd = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / crd, (maxc - g) / crd, (maxc - b) / crd
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return h, s, maxc


def _hsv2rgb(h, s, v):
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros(h.shape[:-2] + (3,) + h.shape[-2:], dtype=v.dtype)
    for k, (r, g, b) in enumerate(table):
        m = i == k
        out[..., 0, :, :] += np.where(m, r, 0)
        out[..., 1, :, :] += np.where(m, g, 0)
        out[..., 2, :, :] += np.where(m, b, 0)
    return out


def adjust_hue(img, hue_factor):
    """Shift the hue by ``hue_factor`` (in [-0.5, 0.5], a fraction of the colour circle)."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    x, back = to_chw(img)
    _channels(x, (1, 3), "adjust_hue")
    if x.shape[-3] == 1:
        return img
    xf = _convert(x, np.dtype(np.float32))
    h, s, v = _rgb2hsv(xf)
    h = np.mod(h + np.float32(hue_factor), np.float32(1.0))
    return back(_convert(_hsv2rgb(h, s, v), x.dtype))


def _blurred_degenerate(x):
    ft = _float_dtype(x.dtype)
    k = np.ones((3, 3), dtype=ft)
    k[1, 1] = 5.0
    k /= k.sum()
    xf = x.astype(ft)
    h, w = x.shape[-2:]
    acc = np.zeros(x.shape[:-2] + (h - 2, w - 2), dtype=ft)
    for i in range(3):
        for j in range(3):
            acc += xf[..., i:i + h - 2, j:j + w - 2] * k[i, j]
    out = x.copy()
    out[..., 1:-1, 1:-1] = _cast_back(acc, x.dtype)
    return out


def adjust_sharpness(img, sharpness_factor):
    """Blend with a smoothed image: 0 blurs, 1 keeps, 2 sharpens (PIL's ImageEnhance)."""
    x, back = _rgb_or_gray("adjust_sharpness", img, "sharpness_factor", sharpness_factor)
    if x.shape[-1] <= 2 or x.shape[-2] <= 2:
        return img
    return back(_blend(x, _blurred_degenerate(x), sharpness_factor))


def _uint8(x, what):
    if x.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found "
                        f"{x.dtype} ({what})")


def posterize(img, bits):
    """Keep the ``bits`` most significant bits of each uint8 value."""
    x, back = to_chw(img)
    _uint8(x, "posterize")
    _channels(x, (1, 3), "posterize")
    mask = np.uint8((0xFF << (8 - int(bits))) & 0xFF)
    return back(x & mask)


def invert(img):
    """``max - x`` (255 for uint8, 1.0 for floats)."""
    x, back = to_chw(img)
    _channels(x, (1, 3), "invert")
    return back((np.asarray(_max_value(x.dtype)) - x).astype(x.dtype))


def solarize(img, threshold):
    """Invert the values at or above ``threshold``."""
    x, back = to_chw(img)
    _channels(x, (1, 3), "solarize")
    if threshold > _max_value(x.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    inverted = (np.asarray(_max_value(x.dtype)) - x).astype(x.dtype)
    return back(np.where(x >= threshold, inverted, x))


def autocontrast(img):
    """Stretch each channel so that its minimum maps to 0 and its maximum to the top."""
    x, back = to_chw(img)
    _channels(x, (1, 3), "autocontrast")
    bound = _max_value(x.dtype)
    ft = _float_dtype(x.dtype)
    lo = x.min(axis=(-2, -1), keepdims=True).astype(ft)
    hi = x.max(axis=(-2, -1), keepdims=True).astype(ft)
    with np.errstate(divide="ignore"):
        scale = np.float32(bound) / (hi - lo) if ft == np.float32 else bound / (hi - lo)
    flat = ~np.isfinite(scale)
    lo = np.where(flat, 0, lo).astype(ft)
    scale = np.where(flat, 1, scale).astype(ft)
    y = np.clip((x.astype(ft) - lo) * scale, 0, bound)
    return back(y.astype(x.dtype))


def _equalize_channel(c):
    hist = np.bincount(c.reshape(-1), minlength=256)
    nonzero = hist[hist != 0]
    step = nonzero[:-1].sum() // 255
    if step == 0:
        return c
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255)
    return lut[c].astype(np.uint8)


def equalize(img):
    """Histogram equalisation of each channel of a uint8 image (PIL's ImageOps.equalize)."""
    x, back = to_chw(img)
    _uint8(x, "equalize")
    _channels(x, (1, 3), "equalize")
    flat = x.reshape((-1,) + x.shape[-2:])
    out = np.stack([_equalize_channel(c) for c in flat]).reshape(x.shape)
    return back(out)


def _gaussian_kernel1d(size, sigma, dtype):
    half = (size - 1) * 0.5
    t = np.linspace(-half, half, size, dtype=dtype)
    pdf = np.exp(-0.5 * (t / dtype.type(sigma)) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian of ``kernel_size`` (x, y; odd, positive) and ``sigma`` (x, y),
    reflect-padded (torchvision's)."""
    if isinstance(kernel_size, numbers.Integral):
        kernel_size = [int(kernel_size)] * 2
    kernel_size = list(kernel_size)
    if len(kernel_size) == 1:
        kernel_size = kernel_size * 2
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got "
                         f"{len(kernel_size)}")
    for ks in kernel_size:
        if ks % 2 == 0 or ks < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got "
                             f"{kernel_size}")
    if sigma is None:
        sigma = [ks * 0.15 + 0.35 for ks in kernel_size]
    if isinstance(sigma, numbers.Number):
        sigma = [float(sigma)] * 2
    sigma = list(sigma)
    if len(sigma) == 1:
        sigma = sigma * 2
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    x, back = to_chw(img)
    ft = _float_dtype(x.dtype)
    kx = _gaussian_kernel1d(kernel_size[0], sigma[0], ft)
    ky = _gaussian_kernel1d(kernel_size[1], sigma[1], ft)
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    xp = np.pad(x.astype(ft), [(0, 0)] * (x.ndim - 2) + [(py, py), (px, px)], mode="reflect")
    h, w = x.shape[-2:]
    k2 = np.outer(ky, kx).astype(ft)                    # (KY, KX)
    out = np.zeros(x.shape, dtype=ft)
    for i in range(k2.shape[0]):
        for j in range(k2.shape[1]):
            out += xp[..., i:i + h, j:j + w] * k2[i, j]
    return back(_cast_back(out, x.dtype))


def erase(img, i, j, h, w, v, inplace=False):
    """Set the (h, w) window at (i, j) to ``v`` (a value or a (C, h, w)-broadcastable array)."""
    if not isinstance(img, Tensor) and not isinstance(img, np.ndarray):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    x, back = to_chw(img)
    out = x if inplace else x.copy()
    out[..., i:i + h, j:j + w] = np.asarray(v._data if isinstance(v, Tensor) else v)
    if inplace and isinstance(img, Tensor):
        return img
    return back(out)


# ------------------------------------------------------------------------------ conversions
def _convert(x, dtype):
    """torchvision's convert_image_dtype on an array (values rescaled between ranges)."""
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    if x.dtype.kind == "f":
        if dtype.kind == "f":
            return x.astype(dtype)
        if (x.dtype == np.float32 and dtype in (np.int32, np.int64)) or \
                (x.dtype == np.float64 and dtype == np.int64):
            raise RuntimeError(f"The cast from {x.dtype} to {dtype} cannot be performed "
                               f"safely.")
        eps = 1e-3
        return (x * (float(_max_value(dtype)) + 1.0 - eps)).astype(dtype)
    in_max = float(_max_value(x.dtype))
    if dtype.kind == "f":
        return x.astype(dtype) / dtype.type(in_max)
    out_max = float(_max_value(dtype))
    if in_max > out_max:
        factor = int((in_max + 1) // (out_max + 1))
        return (x // factor).astype(dtype)
    factor = int((out_max + 1) // (in_max + 1))
    return x.astype(dtype) * dtype.type(factor)


def convert_image_dtype(image, dtype=np.float32):
    """Convert to ``dtype`` rescaling the values (uint8 255 <-> float 1.0)."""
    x, back = to_chw(image)
    return back(_convert(x, dtype))


def pil_to_tensor(pic):
    """A PIL image as a (C, H, W) Tensor of its own dtype (no scaling)."""
    if not is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.asarray(pic)
    arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    return Tensor._make(np.ascontiguousarray(arr), False, None)


def to_tensor(pic):
    """A PIL image or uint8 ndarray (H, W[, C]) as a float32 (C, H, W) Tensor in [0, 1]
    (PIL modes 'I', 'I;16' and 'F' keep their values, as torchvision)."""
    if is_pil(pic):
        mode = pic.mode
        if mode == "I":
            arr = np.array(pic, np.int32)
        elif mode == "I;16":
            arr = np.array(pic, np.int16)
        elif mode == "F":
            arr = np.array(pic, np.float32)
        elif mode == "1":
            arr = 255 * np.array(pic, np.uint8)
        else:
            arr = np.array(pic, np.uint8)
        arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        if arr.dtype == np.uint8:
            return Tensor._make(arr.astype(np.float32) / np.float32(255.0), False, None)
        return Tensor._make(np.ascontiguousarray(arr), False, None)
    if not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    arr = pic[:, :, None] if pic.ndim == 2 else pic
    arr = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if arr.dtype == np.uint8:
        return Tensor._make(arr.astype(np.float32) / np.float32(255.0), False, None)
    return Tensor._make(arr, False, None)


def to_pil_image(pic, mode=None):
    """A (C, H, W) Tensor or an (H, W[, C]) ndarray as a PIL image (floats are scaled by 255
    and truncated, as torchvision; mode inferred: L, LA, RGB, RGBA, I;16, I, F)."""
    image = pil_module()
    if image is None:
        raise ImportError("to_pil_image needs Pillow (pip install 'tinyconv[vision]')")
    if isinstance(pic, Tensor):
        arr = pic._data
        if arr.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
        arr = arr[None] if arr.ndim == 2 else arr
        if arr.dtype.kind == "f" and mode != "F":
            arr = (arr * 255.0).astype(np.uint8)
        npimg = arr.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    c = npimg.shape[2]
    if c == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16",
                    np.dtype(np.int32): "I", np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. "
                             f"Should be {expected}")
        mode = expected
    elif c == 2:
        if mode is not None and mode != "LA":
            raise ValueError("Only modes ['LA'] are supported for 2D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "LA"
    elif c == 4:
        if mode is not None and mode not in ("RGBA", "CMYK", "RGBX"):
            raise ValueError("Only modes ['RGBA', 'CMYK', 'RGBX'] are supported for 4D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "RGBA"
    else:
        if mode is not None and mode not in ("RGB", "YCbCr", "HSV"):
            raise ValueError("Only modes ['RGB', 'YCbCr', 'HSV'] are supported for 3D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "RGB"
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    if mode in ("L", "RGB", "RGBA", "LA") and npimg.dtype != np.uint8:
        npimg = npimg.astype(np.uint8)
    return image.fromarray(np.ascontiguousarray(npimg), mode=mode)


def normalize(tensor, mean, std, inplace=False):
    """``(x - mean[c]) / std[c]`` of a float (C, H, W) image."""
    x, back = to_chw(tensor)
    if x.dtype.kind != "f":
        raise TypeError(f"Input tensor should be a float tensor. Got {x.dtype}.")
    mean = np.asarray(mean, dtype=x.dtype).reshape(-1, 1, 1)
    std = np.asarray(std, dtype=x.dtype).reshape(-1, 1, 1)
    if np.any(std == 0):
        raise ValueError(f"std evaluated to zero after conversion to {x.dtype}, leading to "
                         f"division by zero.")
    out = x if inplace else x.copy()
    out -= mean
    out /= std
    return back(out)
