"""Image transforms with torchvision's names and semantics, applicable to one sample or to a
whole batch.

Images may be ``tc.Tensor`` ``(..., C, H, W)``, uint8 ndarrays ``(H, W[, C])`` (raw images, as
the datasets store them), float ndarrays ``(C, H, W)`` (``ToTensor``'s output) or, with Pillow
installed (the ``vision`` extra), PIL images; each transform returns the kind it received.
``transforms.functional`` has the operations themselves; ``apply_batch(t, batch)`` applies a
transform to a stacked batch (vectorised where the transform has ``apply_batch``, else one
sample at a time), which is what the DataLoader's fast path uses.

Random transforms draw from the stream a DataLoader installs while it assembles a batch, else
from the package generator (``tc.manual_seed``).
"""
from . import functional
from ._basic import (
    Compose,
    ConvertImageDtype,
    Lambda,
    Normalize,
    PILToTensor,
    RandomApply,
    RandomChoice,
    RandomCrop,
    RandomHorizontalFlip,
    RandomOrder,
    ToPILImage,
    ToTensor,
    apply_batch,
)
from ._color import ColorJitter, GaussianBlur, Grayscale, RandomErasing, RandomGrayscale
from ._geometry import (
    CenterCrop,
    Pad,
    RandomAffine,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
)
from .autoaugment import AutoAugment, AutoAugmentPolicy, TrivialAugmentWide
from .functional import InterpolationMode

__all__ = [
    "Compose", "ToTensor", "Normalize", "RandomCrop", "RandomHorizontalFlip", "apply_batch",
    "ToPILImage", "PILToTensor", "ConvertImageDtype", "Lambda", "RandomApply", "RandomChoice",
    "RandomOrder", "Resize", "CenterCrop", "Pad", "RandomResizedCrop", "RandomVerticalFlip",
    "RandomRotation", "RandomAffine", "ColorJitter", "Grayscale", "RandomGrayscale",
    "GaussianBlur", "RandomErasing", "AutoAugment", "AutoAugmentPolicy",
    "TrivialAugmentWide", "InterpolationMode", "functional",
]
