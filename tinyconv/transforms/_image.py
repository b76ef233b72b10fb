"""The kinds of image the transforms accept, and their conversion to one working layout.

- a ``tc.Tensor`` image is ``(..., C, H, W)`` of any dtype (torch's convention);
- a uint8 ndarray is a raw image ``(H, W)`` / ``(H, W, C)`` (a batch: ``(N, H, W[, C])``), as the
  datasets store them; any other ndarray is ``(C, H, W)`` / ``(N, C, H, W)`` (ToTensor's output);
- a ``PIL.Image`` (when Pillow is installed) is its pixels, mode kept.

Every transform works on a ``(..., C, H, W)`` ndarray (``to_chw``) and gives its result back in
the kind it received (the returned ``back`` function).
"""
import numpy as np

from ..tensor import Tensor

__all__ = ["to_chw", "is_pil", "pil_module"]


def pil_module():
    """PIL.Image, or None when Pillow is not installed (the optional ``vision`` extra)."""
    try:
        from PIL import Image
    except ImportError:  # Pillow is optional: PIL images are then simply not supported
        return None
    return Image


def is_pil(img):
    image = pil_module()
    return image is not None and isinstance(img, image.Image)


def _from_pil(img):
    arr = np.asarray(img)
    mode = img.mode

    def back(out):
        image = pil_module()
        out = np.ascontiguousarray(out.transpose(1, 2, 0))     # (H, W, C)
        if out.shape[2] == 1:
            out = out[:, :, 0]
        if out.dtype != arr.dtype:
            out = out.astype(arr.dtype)
        if out.ndim == 3 and mode == "L":                     # grayscale made 3 channels
            return image.fromarray(out, mode="RGB")
        if out.ndim == 2 and mode in ("RGB", "RGBA"):          # made 1 channel
            return image.fromarray(out, mode="L")
        return image.fromarray(out, mode=mode if mode in ("L", "RGB", "RGBA", "I", "F")
                               else None)

    chw = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    return chw, back


def to_chw(img, batched=False):
    """``(arr, back)``: the image (or batch) as a ``(..., C, H, W)`` ndarray, and the function
    turning such an array back into the kind of ``img``.

    Raises:
        TypeError: not a Tensor, an ndarray or a PIL image.
    """
    if isinstance(img, Tensor):
        arr = img._data
        if arr.ndim < 2:
            raise TypeError("Tensor is not a torch image.")
        return arr, lambda out: Tensor._make(np.ascontiguousarray(out), False, None)
    if isinstance(img, np.ndarray):
        lead = 1 if batched else 0
        if img.dtype == np.uint8:
            if img.ndim == 2 + lead:                      # (N,) H, W
                return np.expand_dims(img, lead), (
                    lambda out: np.ascontiguousarray(out[:, 0] if batched else out[0])
                    if out.shape[lead] == 1 else np.ascontiguousarray(np.moveaxis(out, lead, -1)))
            if img.ndim == 3 + lead:                      # (N,) H, W, C
                return np.moveaxis(img, -1, lead), (
                    lambda out: np.ascontiguousarray(np.moveaxis(out, lead, -1)))
            raise ValueError(f"expected uint8 images shaped {'(N, ' if batched else '('}"
                             f"H, W[, C]), got shape {img.shape}")
        if img.ndim != 3 + lead:
            raise ValueError(f"expected {'(N, ' if batched else '('}C, H, W) images, got shape "
                             f"{img.shape}")
        return img, np.ascontiguousarray
    if is_pil(img):
        if batched:
            raise TypeError("a batch cannot be a PIL image")
        return _from_pil(img)
    raise TypeError(f"img should be a PIL Image, an np.ndarray or a tinyconv.Tensor, got "
                    f"{type(img).__name__}")
