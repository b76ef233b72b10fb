"""AutoAugment (the learned policies) and TrivialAugmentWide, torchvision's.

Both work on uint8 images (raw uint8 arrays, uint8 Tensors from ``PILToTensor``, PIL images):
posterize and equalize are defined on uint8 only, as in torchvision.
"""
import math
from enum import Enum

import numpy as np

from .._random import stream
from . import _fcolor as FC
from . import _fgeometry as FG
from ._fgeometry import InterpolationMode, _mode

__all__ = ["AutoAugmentPolicy", "AutoAugment", "TrivialAugmentWide"]


def _apply_op(img, op_name, magnitude, interpolation, fill):
    if op_name == "ShearX":
        # the magnitude is the shear's tangent: torchvision converts it with atan
        return FG.affine(img, angle=0.0, translate=[0, 0], scale=1.0,
                         shear=[math.degrees(math.atan(magnitude)), 0.0],
                         interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name == "ShearY":
        return FG.affine(img, angle=0.0, translate=[0, 0], scale=1.0,
                         shear=[0.0, math.degrees(math.atan(magnitude))],
                         interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name == "TranslateX":
        return FG.affine(img, angle=0.0, translate=[int(magnitude), 0], scale=1.0,
                         interpolation=interpolation, shear=[0.0, 0.0], fill=fill)
    if op_name == "TranslateY":
        return FG.affine(img, angle=0.0, translate=[0, int(magnitude)], scale=1.0,
                         interpolation=interpolation, shear=[0.0, 0.0], fill=fill)
    if op_name == "Rotate":
        return FG.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    if op_name == "Brightness":
        return FC.adjust_brightness(img, 1.0 + magnitude)
    if op_name == "Color":
        return FC.adjust_saturation(img, 1.0 + magnitude)
    if op_name == "Contrast":
        return FC.adjust_contrast(img, 1.0 + magnitude)
    if op_name == "Sharpness":
        return FC.adjust_sharpness(img, 1.0 + magnitude)
    if op_name == "Posterize":
        return FC.posterize(img, int(magnitude))
    if op_name == "Solarize":
        return FC.solarize(img, magnitude)
    if op_name == "AutoContrast":
        return FC.autocontrast(img)
    if op_name == "Equalize":
        return FC.equalize(img)
    if op_name == "Invert":
        return FC.invert(img)
    if op_name == "Identity":
        return img
    raise ValueError(f"The provided operator {op_name} is not recognized.")


def _fill_list(fill, img):
    if fill is None:
        return None
    channels = FG.get_dimensions(img)[0]
    if isinstance(fill, (int, float)):
        return [float(fill)] * channels
    return [float(f) for f in fill]


class AutoAugmentPolicy(Enum):
    """The policies learned on ImageNet, CIFAR10 and SVHN.

    Calling the class looks a policy up by its value, 'imagenet', 'cifar10' or 'svhn'
    (``AutoAugmentPolicy("cifar10") is AutoAugmentPolicy.CIFAR10``); ``AutoAugment`` takes
    the member, not the string.
    """

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
        (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)),
        (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)),
        (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)),
        (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)),
        (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)),
        (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)),
        (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)),
        (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)),
        (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)),
        (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)),
        (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)),
        (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)),
        (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)),
        (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)),
        (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)),
        (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)),
        (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)),
        (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)),
        (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)),
        (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)),
        (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)),
        (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)),
        (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)),
        (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)),
        (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}


def _linspace(a, b, n):
    return np.linspace(a, b, n, dtype=np.float32)


class AutoAugment:
    """AutoAugment (Cubuk et al.): one of the policy's 25 sub-policies, each two operations
    applied with their probabilities and magnitudes (signs drawn at random).

    Args:
        policy: an ``AutoAugmentPolicy`` (IMAGENET by default; CIFAR10 for CIFAR).
        interpolation: nearest (default) or bilinear, for the geometric operations.
        fill: value(s) for the area the geometric operations uncover.
    """

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET,
                 interpolation=InterpolationMode.NEAREST, fill=None):
        self.policy = policy
        self.interpolation = _mode(interpolation)
        self.fill = fill
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self.policies = _POLICIES[policy]

    @staticmethod
    def _augmentation_space(num_bins, image_size):
        h, w = image_size
        return {
            "ShearX": (_linspace(0.0, 0.3, num_bins), True),
            "ShearY": (_linspace(0.0, 0.3, num_bins), True),
            "TranslateX": (_linspace(0.0, 150.0 / 331.0 * w, num_bins), True),
            "TranslateY": (_linspace(0.0, 150.0 / 331.0 * h, num_bins), True),
            "Rotate": (_linspace(0.0, 30.0, num_bins), True),
            "Brightness": (_linspace(0.0, 0.9, num_bins), True),
            "Color": (_linspace(0.0, 0.9, num_bins), True),
            "Contrast": (_linspace(0.0, 0.9, num_bins), True),
            "Sharpness": (_linspace(0.0, 0.9, num_bins), True),
            "Posterize": (8 - np.round(np.arange(num_bins) / ((num_bins - 1) / 4)).astype(int),
                          False),
            "Solarize": (_linspace(255.0, 0.0, num_bins), False),
            "AutoContrast": (np.float32(0.0), False),
            "Equalize": (np.float32(0.0), False),
            "Invert": (np.float32(0.0), False),
        }

    @staticmethod
    def get_params(transform_num):
        """(sub-policy index, the two operations' uniform draws, their sign bits)."""
        rng = stream()
        return int(rng.integers(0, transform_num)), rng.random(2), rng.integers(0, 2, size=2)

    def __call__(self, img):
        fill = _fill_list(self.fill, img)
        _, height, width = FG.get_dimensions(img)
        transform_id, probs, signs = self.get_params(len(self.policies))
        space = self._augmentation_space(10, (height, width))
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[transform_id]):
            if probs[i] <= p:
                magnitudes, signed = space[op_name]
                magnitude = float(magnitudes[magnitude_id]) if magnitude_id is not None else 0.0
                if signed and signs[i] == 0:
                    magnitude *= -1.0
                img = _apply_op(img, op_name, magnitude, self.interpolation, fill)
        return img

    def __repr__(self):
        return f"AutoAugment(policy={self.policy}, fill={self.fill})"


class TrivialAugmentWide:
    """TrivialAugment (Müller & Hutter): one operation chosen uniformly, at a magnitude
    chosen uniformly among ``num_magnitude_bins`` (wide ranges), sign at random.

    Args:
        num_magnitude_bins: number of magnitude values.
        interpolation: nearest (default) or bilinear.
        fill: value(s) for the area the geometric operations uncover.
    """

    def __init__(self, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST,
                 fill=None):
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = _mode(interpolation)
        self.fill = fill

    @staticmethod
    def _augmentation_space(num_bins):
        return {
            "Identity": (np.float32(0.0), False),
            "ShearX": (_linspace(0.0, 0.99, num_bins), True),
            "ShearY": (_linspace(0.0, 0.99, num_bins), True),
            "TranslateX": (_linspace(0.0, 32.0, num_bins), True),
            "TranslateY": (_linspace(0.0, 32.0, num_bins), True),
            "Rotate": (_linspace(0.0, 135.0, num_bins), True),
            "Brightness": (_linspace(0.0, 0.99, num_bins), True),
            "Color": (_linspace(0.0, 0.99, num_bins), True),
            "Contrast": (_linspace(0.0, 0.99, num_bins), True),
            "Sharpness": (_linspace(0.0, 0.99, num_bins), True),
            "Posterize": (8 - np.round(np.arange(num_bins) / ((num_bins - 1) / 6)).astype(int),
                          False),
            "Solarize": (_linspace(255.0, 0.0, num_bins), False),
            "AutoContrast": (np.float32(0.0), False),
            "Equalize": (np.float32(0.0), False),
        }

    def __call__(self, img):
        fill = _fill_list(self.fill, img)
        space = self._augmentation_space(self.num_magnitude_bins)
        rng = stream()
        op_name = list(space)[int(rng.integers(0, len(space)))]
        magnitudes, signed = space[op_name]
        magnitude = float(magnitudes[int(rng.integers(0, len(magnitudes)))]) \
            if np.ndim(magnitudes) > 0 else 0.0
        if signed and int(rng.integers(0, 2)):
            magnitude *= -1.0
        return _apply_op(img, op_name, magnitude, self.interpolation, fill)

    def __repr__(self):
        return (f"TrivialAugmentWide(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation.value}, fill={self.fill})")
