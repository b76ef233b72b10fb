"""Geometric transforms (torchvision's names, arguments and parameter draws): Resize,
CenterCrop, Pad, RandomResizedCrop, RandomVerticalFlip, RandomRotation, RandomAffine.

Random parameters are drawn from the stream a DataLoader installs while it assembles a batch,
else from the package generator (``tc.manual_seed``); each random transform's ``get_params``
is the draw alone, so a test can fix it.
"""
import math
import numbers
import warnings
from collections.abc import Sequence



from .._random import stream
from . import _fgeometry as F
from ._fgeometry import InterpolationMode, _mode
from ._image import to_chw

__all__ = ["Resize", "CenterCrop", "Pad", "RandomResizedCrop", "RandomVerticalFlip",
           "RandomRotation", "RandomAffine"]


def _setup_size(size, error_msg):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(error_msg)
    return int(size[0]), int(size[1])


def _setup_angle(x, name, req_sizes=(2,)):
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        return [-float(x), float(x)]
    if not isinstance(x, Sequence) or len(x) not in req_sizes:
        sizes = " or ".join(map(str, req_sizes))
        raise ValueError(f"If {name} is a sequence, it must be of len {sizes}.")
    return [float(d) for d in x]


def _fill_list(fill, channels):
    if isinstance(fill, numbers.Number):
        return [float(fill)] * channels
    if fill is None:
        return None
    return [float(f) for f in fill]



def _fill_arg(fill):
    """A transform's ``fill``: None means 0; else a number or a sequence (TypeError)."""
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)):
        raise TypeError("Fill should be either a sequence or a number.")
    return fill


def check_scale_ratio(scale, ratio):
    """RandomResizedCrop's and RandomErasing's ``scale`` and ``ratio``: sequences (TypeError),
    ideally (min, max) (a warning, as torchvision's)."""
    if not isinstance(scale, Sequence):
        raise TypeError("Scale should be a sequence")
    if not isinstance(ratio, Sequence):
        raise TypeError("Ratio should be a sequence")
    if scale[0] > scale[1] or ratio[0] > ratio[1]:
        warnings.warn("Scale and ratio should be of kind (min, max)", UserWarning, stacklevel=3)


def random_box_sides(rng, area, scale, ratio, tries=10):
    """Up to ``tries`` random boxes for RandomResizedCrop and RandomErasing, torchvision's
    draws: a box area uniform in ``scale`` times ``area``, an aspect ratio log-uniform in
    ``ratio``.  Yields ``(round(sqrt(a * r)), round(sqrt(a / r)))``; the caller says which
    side is the width, and may draw more from ``rng`` between boxes."""
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(tries):
        box_area = area * float(rng.uniform(scale[0], scale[1]))
        aspect = math.exp(float(rng.uniform(log_ratio[0], log_ratio[1])))
        yield (int(round(math.sqrt(box_area * aspect))),
               int(round(math.sqrt(box_area / aspect))))

class Resize:
    """Resize to ``size`` ((h, w), or an int: the smaller edge, keeping the aspect ratio).

    Args:
        size: (h, w) or int.
        interpolation: an ``InterpolationMode`` (default bilinear).
        max_size: with an int size, the longest the longer edge may become.
        antialias: antialias when downsampling (default True, as torchvision).
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias=True):
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.max_size = max_size
        self.interpolation = _mode(interpolation)
        self.antialias = antialias

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def apply_batch(self, batch):
        x, back = to_chw(batch, batched=True)
        oh, ow = F._output_size(x.shape[-2], x.shape[-1], self.size, self.max_size)
        if (oh, ow) == tuple(x.shape[-2:]):
            return batch
        return back(F._resize_chw(x, (oh, ow), self.interpolation.value, self.antialias))

    def __repr__(self):
        return (f"Resize(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop:
    """Crop the central (h, w) window (zero-padded first if the image is smaller).

    Args:
        size (int or sequence): output (h, w); an int gives a square (size, size).
    """

    def __init__(self, size):
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def apply_batch(self, batch):
        x, back = to_chw(batch, batched=True)
        return back(F._center_crop_chw(x, self.size))

    def __repr__(self):
        return f"CenterCrop(size={self.size})"


class Pad:
    """Pad every border (``padding``: int, (left/right, top/bottom) or (l, t, r, b)) with
    ``fill`` ('constant') or by 'edge', 'reflect' or 'symmetric'.

    Args:
        padding (int or sequence): the same on every border (an int or a 1-sequence),
            (left/right, top/bottom), or (left, top, right, bottom).
        fill (number or sequence): value of the new pixels in 'constant' mode (one per
            channel for a sequence).
        padding_mode (str): 'constant', 'edge' (repeat the last pixel), 'reflect' (mirror
            without repeating the edge) or 'symmetric' (mirror repeating it).
    """

    def __init__(self, padding, fill=0, padding_mode="constant"):
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or "
                             "symmetric")
        if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                             f"{len(padding)} element tuple")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def apply_batch(self, batch):
        x, back = to_chw(batch, batched=True)
        return back(F._pad_chw(x, F._parse_padding(self.padding), self.fill,
                               self.padding_mode))

    def __repr__(self):
        return (f"Pad(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


class RandomResizedCrop:
    """Crop a random window of random area (``scale`` of the image) and aspect ratio
    (``ratio``, drawn log-uniformly), then resize it to ``size``.

    Args:
        size: output (h, w) or int.
        scale: range of the window's area as a fraction of the image's.
        ratio: range of the window's aspect ratio (w / h).
        interpolation: an ``InterpolationMode``, as ``Resize``.
        antialias: antialias when downsampling, as ``Resize``.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
        check_scale_ratio(scale, ratio)
        self.interpolation = _mode(interpolation)
        self.antialias = antialias
        self.scale, self.ratio = scale, ratio

    @staticmethod
    def get_params(img, scale, ratio):
        """(top, left, h, w) of a random window (10 tries, then the central crop)."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        rng = stream()
        for w, h in random_box_sides(rng, area, scale, ratio):
            if 0 < w <= width and 0 < h <= height:
                i = int(rng.integers(0, height - h + 1))
                j = int(rng.integers(0, width - w + 1))
                return i, j, h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w = width
            h = int(round(w / min(ratio)))
        elif in_ratio > max(ratio):
            h = height
            w = int(round(h * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, self.antialias)

    def __repr__(self):
        return (f"RandomResizedCrop(size={self.size}, scale={tuple(self.scale)}, "
                f"ratio={tuple(self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class RandomVerticalFlip:
    """Mirror top-bottom with probability ``p``.

    Args:
        p (float): flip probability.
    """

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        if float(stream().random()) < self.p:
            return F.vflip(img)
        return img

    def apply_batch(self, batch):
        x, back = to_chw(batch, batched=True)
        flip = stream().random(x.shape[0]) < self.p
        out = x.copy()
        out[flip] = x[flip][..., ::-1, :]
        return back(out)

    def __repr__(self):
        return f"RandomVerticalFlip(p={self.p})"


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees`` (a number d means (-d, d)).

    Args:
        degrees: range of the angle (counter-clockwise, degrees).
        interpolation: nearest (default) or bilinear.
        expand: enlarge the output to hold the whole rotated image.
        center: (x, y) of the rotation (default: the image centre).
        fill: value(s) for the area outside the image.
    """

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False,
                 center=None, fill=0):
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if center is not None and not (isinstance(center, Sequence) and len(center) == 2):
            raise ValueError("If center is a sequence, it must be of len 2.")
        fill = _fill_arg(fill)
        self.interpolation = _mode(interpolation)
        self.expand, self.center, self.fill = expand, center, fill

    @staticmethod
    def get_params(degrees):
        """The angle, uniform in ``degrees``."""
        return float(stream().uniform(float(degrees[0]), float(degrees[1])))

    def __call__(self, img):
        channels = F.get_dimensions(img)[0]
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center,
                        _fill_list(self.fill, channels))

    def __repr__(self):
        return (f"RandomRotation(degrees={self.degrees}, interpolation="
                f"{self.interpolation.value}, expand={self.expand}, fill={self.fill})")


class RandomAffine:
    """A random affine map: rotation from ``degrees``, translation up to ``translate`` (fractions
    of width, height), scale from ``scale``, shear from ``shear`` (x range, or x and y ranges).

    Args:
        degrees: rotation range (a number d means (-d, d)).
        translate: (a, b): |dx| <= a * width, |dy| <= b * height.
        scale: (lo, hi) scale range.
        shear: a number s (x shear in (-s, s)), (lo, hi) for x, or (xlo, xhi, ylo, yhi).
        interpolation: nearest (default) or bilinear.
        fill: value(s) for the area outside the image.
        center: (x, y) of the map (default: the image centre).
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation=InterpolationMode.NEAREST, fill=0, center=None):
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if translate is not None:
            if not isinstance(translate, Sequence) or len(translate) != 2:
                raise ValueError("translate should be a sequence of length 2.")
            for t in translate:
                if not 0.0 <= t <= 1.0:
                    raise ValueError("translation values should be between 0 and 1")
        if scale is not None:
            if not isinstance(scale, Sequence) or len(scale) != 2:
                raise ValueError("scale should be a sequence of length 2.")
            for s in scale:
                if s <= 0:
                    raise ValueError("scale values should be positive")
        self.shear = _setup_angle(shear, name="shear", req_sizes=(2, 4)) \
            if shear is not None else None
        fill = _fill_arg(fill)
        if center is not None and not (isinstance(center, Sequence) and len(center) == 2):
            raise ValueError("If center is a sequence, it must be of len 2.")
        self.translate, self.scale = translate, scale
        self.interpolation = _mode(interpolation)
        self.fill, self.center = fill, center

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """(angle, (tx, ty), scale, (shear_x, shear_y)) for an image of ``img_size`` (w, h)."""
        rng = stream()
        angle = float(rng.uniform(float(degrees[0]), float(degrees[1])))
        if translate is not None:
            max_dx = float(translate[0] * img_size[0])
            max_dy = float(translate[1] * img_size[1])
            tx = int(round(float(rng.uniform(-max_dx, max_dx))))
            ty = int(round(float(rng.uniform(-max_dy, max_dy))))
            translations = (tx, ty)
        else:
            translations = (0, 0)
        scale = float(rng.uniform(scale_ranges[0], scale_ranges[1])) \
            if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = float(rng.uniform(shears[0], shears[1]))
            if len(shears) == 4:
                shear_y = float(rng.uniform(shears[2], shears[3]))
        return angle, translations, scale, (shear_x, shear_y)

    def __call__(self, img):
        channels, height, width = F.get_dimensions(img)
        angle, translations, scale, shear = self.get_params(
            self.degrees, self.translate, self.scale, self.shear, [width, height])
        return F.affine(img, angle, list(translations), scale, list(shear),
                        self.interpolation, _fill_list(self.fill, channels), self.center)

    def __repr__(self):
        return (f"RandomAffine(degrees={self.degrees}, translate={self.translate}, "
                f"scale={self.scale}, shear={self.shear}, "
                f"interpolation={self.interpolation.value}, fill={self.fill})")
