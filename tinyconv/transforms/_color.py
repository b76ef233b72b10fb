"""Colour and occlusion transforms (torchvision's names, arguments, checks and parameter
draws): ColorJitter, Grayscale, RandomGrayscale, GaussianBlur, RandomErasing."""
import numbers
from collections.abc import Sequence

import numpy as np

from .._random import stream
from ..tensor import Tensor
from . import _fcolor as F
from ._fgeometry import get_dimensions
from ._geometry import _setup_size, check_scale_ratio, random_box_sides
from ._image import to_chw

__all__ = ["ColorJitter", "Grayscale", "RandomGrayscale", "GaussianBlur", "RandomErasing"]


def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be non negative.")
        value = [center - float(value), center + float(value)]
        if clip_first_on_zero:
            value[0] = max(value[0], 0.0)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        value = [float(value[0]), float(value[1])]
    else:
        raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
    if not bound[0] <= value[0] <= value[1] <= bound[1]:
        raise ValueError(f"{name} values should be between {bound}, but got {value}.")
    # no jitter at all: a range that is the centre alone
    if value[0] == value[1] == center:
        return None
    return tuple(value)


class ColorJitter:
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Args:
        brightness: a number s (factor in [max(0, 1 - s), 1 + s]) or a (min, max) range of
            the factor.
        contrast: as ``brightness``, for the contrast factor.
        saturation: as ``brightness``, for the saturation factor.
        hue: a number h in [0, 0.5] (shift in [-h, h]) or a range within [-0.5, 0.5].
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = _check_input(brightness, "brightness")
        self.contrast = _check_input(contrast, "contrast")
        self.saturation = _check_input(saturation, "saturation")
        self.hue = _check_input(hue, "hue", center=0, bound=(-0.5, 0.5),
                                clip_first_on_zero=False)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """(order of the 4 adjustments, brightness, contrast, saturation and hue factors;
        None for those not jittered)."""
        rng = stream()
        order = rng.permutation(4)
        b = None if brightness is None else float(rng.uniform(brightness[0], brightness[1]))
        c = None if contrast is None else float(rng.uniform(contrast[0], contrast[1]))
        s = None if saturation is None else float(rng.uniform(saturation[0], saturation[1]))
        h = None if hue is None else float(rng.uniform(hue[0], hue[1]))
        return order, b, c, s, h

    def __call__(self, img):
        order, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation,
                                            self.hue)
        for fn_id in order:
            if fn_id == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif fn_id == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif fn_id == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif fn_id == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img

    def __repr__(self):
        return (f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Grayscale:
    """Convert to grayscale (ITU-R 601-2 luma) with 1 or 3 output channels.

    Args:
        num_output_channels (int): 1, or 3 (the gray channel repeated, r == g == b).
    """

    def __init__(self, num_output_channels=1):
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def apply_batch(self, batch):
        x, back = to_chw(batch, batched=True)
        out = F.rgb_to_grayscale(Tensor._make(x, False, None), self.num_output_channels)
        return back(out._data)

    def __repr__(self):
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class RandomGrayscale:
    """Convert to grayscale with probability ``p`` (keeping the number of channels).

    Args:
        p (float): probability of the conversion.
    """

    def __init__(self, p=0.1):
        self.p = p

    def __call__(self, img):
        channels = get_dimensions(img)[0]
        if float(stream().random()) < self.p:
            return F.rgb_to_grayscale(img, num_output_channels=channels)
        return img

    def __repr__(self):
        return f"RandomGrayscale(p={self.p})"


class GaussianBlur:
    """Blur with a Gaussian of ``kernel_size`` and a sigma drawn uniformly from ``sigma``.

    Args:
        kernel_size: int or (x, y); odd and positive.
        sigma: a positive number, or a (min, max) range.
    """

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        self.kernel_size = _setup_size(kernel_size, "Kernel size should be a tuple/list of two "
                                                    "integers")
        for ks in self.kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (float(sigma), float(sigma))
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min, sigma_max):
        """A sigma, uniform in [sigma_min, sigma_max]."""
        return float(stream().uniform(sigma_min, sigma_max))

    def __call__(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def __repr__(self):
        return f"GaussianBlur(kernel_size={self.kernel_size}, sigma={self.sigma})"


class RandomErasing:
    """With probability ``p``, erase a random rectangle of a (C, H, W) tensor image
    (Zhong et al.): area in ``scale`` of the image's, aspect ratio in ``ratio``.

    Args:
        p: the probability.
        scale: range of the erased area as a fraction of the image's.
        ratio: range of its aspect ratio (h / w), drawn log-uniformly.
        value: the erasing value: a number, one per channel, or 'random' (normal noise).
        inplace: erase in the input.
    """

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False):
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        check_scale_ratio(scale, ratio)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        """(i, j, h, w, v): the rectangle and its values (10 tries; else the whole image,
        unchanged)."""
        x, _ = to_chw(img)
        c, h_img, w_img = x.shape[-3], x.shape[-2], x.shape[-1]
        area = h_img * w_img
        rng = stream()
        for h, w in random_box_sides(rng, area, scale, ratio):
            if not (h < h_img and w < w_img):
                continue
            if value is None:
                v = rng.standard_normal((c, h, w)).astype(np.float32)
            else:
                v = np.asarray(value, dtype=np.float32)[:, None, None]
            i = int(rng.integers(0, h_img - h + 1))
            j = int(rng.integers(0, w_img - w + 1))
            return i, j, h, w, v
        return 0, 0, h_img, w_img, x

    def __call__(self, img):
        if float(stream().random()) >= self.p:
            return img
        x, _ = to_chw(img)
        if isinstance(self.value, numbers.Number):
            value = [float(self.value)]
        elif isinstance(self.value, str):
            value = None
        else:
            value = [float(v) for v in self.value]
        if value is not None and len(value) not in (1, x.shape[-3]):
            raise ValueError(f"If value is a sequence, it should have either a single value or "
                             f"{x.shape[-3]} (number of input channels)")
        i, j, h, w, v = self.get_params(img, self.scale, self.ratio, value)
        return F.erase(img, i, j, h, w, np.asarray(v).astype(x.dtype), self.inplace)

    def __repr__(self):
        return (f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, "
                f"value={self.value}, inplace={self.inplace})")
