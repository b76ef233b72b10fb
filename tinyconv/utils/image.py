"""Image grids and image files (torchvision.utils.make_grid / save_image)."""
import math

import numpy as np

from ..tensor import Tensor

__all__ = ["make_grid", "save_image"]


def _array(x, what):
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"tensor or list of tensors expected, got {what}{type(x)}")


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile a batch of images into one image, row by row (torchvision's make_grid).

    Args:
        tensor: a (B, C, H, W) Tensor or array, or a list of (C, H, W) images of one size;
            a (C, H, W) or (H, W) image is one image. Single-channel images become RGB.
        nrow: images per row.
        padding: pixels between (and around) the images.
        normalize: shift and scale to [0, 1] by ``value_range`` (default: the min and max).
        value_range: (min, max) for ``normalize``.
        scale_each: normalize each image by its own min and max.
        pad_value: value of the padding pixels.

    Returns:
        the (C, H', W') grid as a Tensor (the one image, squeezed, for a batch of one).
    """
    if isinstance(tensor, list):
        x = np.stack([_array(t, "a list containing ") for t in tensor])
    else:
        x = _array(tensor, "")
    x = np.asarray(x)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        if x.shape[0] == 1:
            x = np.concatenate([x, x, x], 0)
        x = x[None]
    if x.ndim == 4 and x.shape[1] == 1:
        x = np.concatenate([x, x, x], 1)
    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max "
                            "are numbers")
        x = x.copy()

        def norm(t):
            lo, hi = value_range if value_range is not None else (float(t.min()), float(t.max()))
            np.clip(t, lo, hi, out=t)
            t -= np.asarray(lo, dtype=t.dtype)
            t /= np.asarray(max(hi - lo, 1e-5), dtype=t.dtype)

        if scale_each:
            for t in x:
                norm(t)
        else:
            norm(x)
    if x.shape[0] == 1:
        return Tensor._make(np.ascontiguousarray(x[0]), False, None)
    nmaps = x.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(x.shape[2] + padding), int(x.shape[3] + padding)
    grid = np.full((x.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value,
                   dtype=x.dtype)
    for k in range(nmaps):
        yy, xx = divmod(k, xmaps)
        grid[:, yy * height + padding:(yy + 1) * height,
             xx * width + padding:(xx + 1) * width] = x[k]
    return Tensor._make(grid, False, None)


def save_image(tensor, fp, format=None, **kwargs):
    """Write ``make_grid(tensor, **kwargs)`` (values in [0, 1]) to an image file.

    Args:
        tensor: images, as for ``make_grid``.
        fp: a path or a binary file object.
        format: the file format (default: from the file name; needed for file objects).
        **kwargs: ``make_grid``'s options.

    Raises:
        ImportError: neither Pillow nor matplotlib is installed.
    """
    grid = make_grid(tensor, **kwargs)._data
    # [0, 1] -> uint8 rounding to nearest, as torchvision: x * 255 + 0.5, clamped, truncated
    arr = np.clip(grid.astype(np.float32) * np.float32(255) + np.float32(0.5), 0, 255)
    arr = np.ascontiguousarray(arr.astype(np.uint8).transpose(1, 2, 0))   # (H, W, C)
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is not None:
        Image.fromarray(arr).save(fp, format=format)
        return
    try:
        import matplotlib.image as mpimg
    except ImportError:
        raise ImportError("save_image needs Pillow or matplotlib (pip install "
                          "'tinyconv[vision]')") from None
    mpimg.imsave(fp, arr, format=format)
