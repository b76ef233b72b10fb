"""torchvision.transforms.functional's image operations, on NumPy.

Each function takes an image of any kind (``tc.Tensor`` ``(..., C, H, W)``, a uint8 ndarray
``(H, W[, C])``, a float ndarray ``(C, H, W)``, a PIL image) and returns one of the same kind.
The arithmetic is torchvision's tensor path (the formulas of its ``_functional_tensor``):
integer images are computed in float32 and converted back as torch converts (blends truncate,
resampling rounds); resampling is ``interpolate``'s (antialiased as ``antialias=True``), and
rotations and affine maps are ``grid_sample`` with ``align_corners=False`` on torchvision's
grid.  PIL images are resized by Pillow itself, as torchvision does; the other operations
take a PIL image through its pixels.
"""
from ._fcolor import (
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    adjust_sharpness,
    autocontrast,
    convert_image_dtype,
    equalize,
    erase,
    gaussian_blur,
    invert,
    normalize,
    pil_to_tensor,
    posterize,
    rgb_to_grayscale,
    solarize,
    to_pil_image,
    to_tensor,
)
from ._fgeometry import (
    InterpolationMode,
    affine,
    center_crop,
    crop,
    get_dimensions,
    hflip,
    pad,
    resize,
    resized_crop,
    rotate,
    vflip,
)

__all__ = [
    "InterpolationMode", "get_dimensions", "resize", "crop", "center_crop", "resized_crop",
    "pad", "hflip", "vflip", "rotate", "affine", "rgb_to_grayscale", "adjust_brightness",
    "adjust_contrast", "adjust_saturation", "adjust_hue", "adjust_sharpness", "posterize",
    "solarize", "autocontrast", "equalize", "invert", "gaussian_blur", "erase",
    "convert_image_dtype", "to_tensor", "pil_to_tensor", "to_pil_image", "normalize",
]
