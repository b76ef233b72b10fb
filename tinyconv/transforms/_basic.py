"""Image transforms with torchvision's names, applicable to one sample or to a whole batch.

Layout convention (there is no PIL here, so the dtype tells the layout apart):

- uint8 arrays are raw images, ``(H, W)`` or ``(H, W, C)`` for one sample and ``(N, H, W)`` or
  ``(N, H, W, C)`` for a batch (what the dataset classes store);
- float arrays and tensors are ``(C, H, W)`` / ``(N, C, H, W)`` (what ``ToTensor`` produces).

Every transform is callable on one sample (``t(img)``) and has ``apply_batch(batch)`` that does the
same to a stacked batch with vectorised NumPy (one draw per sample for the random ones). The
``DataLoader`` calls ``apply_batch`` when a dataset exposes whole arrays, so augmentation costs a
few array operations per batch rather than a Python loop per image.

Random transforms draw from, in order of priority: the ``generator`` they were built with, the
stream a ``DataLoader`` installs while it assembles a batch (so prefetching in a background thread
stays reproducible), and the package generator (``tc.manual_seed``).
"""
import numbers

import numpy as np

from .._random import stream
from ..tensor import Tensor
from . import _fcolor as F
from ._image import is_pil, to_chw

__all__ = ["Compose", "ToTensor", "Normalize", "RandomCrop", "RandomHorizontalFlip",
           "apply_batch", "ToPILImage", "PILToTensor", "ConvertImageDtype", "Lambda",
           "RandomApply", "RandomChoice", "RandomOrder"]

def _unwrap(x):
    """(ndarray, was_tensor)."""
    if isinstance(x, Tensor):
        return x._data, True
    if isinstance(x, np.ndarray):
        return x, False
    raise TypeError(f"expected an np.ndarray or tinyconv.Tensor image, got {type(x).__name__}")


def _wrap(arr, was_tensor):
    return Tensor._make(arr, False, None) if was_tensor else arr


def _pair(size, what):
    """(h, w) from an int or a 1-/2-sequence of positive ints (ValueError otherwise)."""
    if isinstance(size, numbers.Number):
        pair = (size, size)
    else:
        pair = tuple(size)
        if len(pair) == 1:
            pair = pair * 2
        if len(pair) != 2:
            raise ValueError(f"{what}: size must be an int or a pair, got {size!r}")
    if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s <= 0 for s in pair):
        raise ValueError(f"{what}: size must be positive integers, got {size!r}")
    return tuple(int(s) for s in pair)


def apply_batch(transform, batch):
    """Apply ``transform`` to a stacked batch, vectorised when it supports it.

    Falls back to calling ``transform`` on each sample and stacking the results (for user
    callables without ``apply_batch``).

    Args:
        transform: a transform from this module, a ``Compose`` or any callable on one sample.
        batch: ndarray whose first dimension is the batch.
    Returns:
        ndarray: the transformed batch.
    """
    fn = getattr(transform, "apply_batch", None)
    if fn is not None:
        return fn(batch)
    out = [transform(batch[i]) for i in range(len(batch))]
    out = [o._data if isinstance(o, Tensor) else np.asarray(o) for o in out]
    return np.stack(out) if out else np.empty((0,), dtype=np.float32)


class Compose:
    """Chain transforms: ``Compose([ToTensor(), Normalize(m, s)])``.

    Args:
        transforms (list): transforms applied in order.
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def apply_batch(self, batch):
        for t in self.transforms:
            batch = apply_batch(t, batch)
        return batch

    def __repr__(self):
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


class ToTensor:
    """uint8 ``(H, W[, C])`` image -> float32 ``(C, H, W)`` tensor in [0, 1].

    Float inputs are assumed already in ``(C, H, W)`` and only cast to float32.
    Batched: ``(N, H, W[, C])`` uint8 -> ``(N, C, H, W)`` float32.
    """

    def __call__(self, pic):
        if is_pil(pic):
            return F.to_tensor(pic)
        arr, _ = _unwrap(pic)
        if arr.dtype == np.uint8:
            if arr.ndim == 2:
                arr = arr[None]                                   # (1, H, W)
            elif arr.ndim == 3:
                arr = arr.transpose(2, 0, 1)                      # (C, H, W)
            else:
                raise ValueError(f"ToTensor: expected a (H, W) or (H, W, C) uint8 image, "
                                 f"got shape {arr.shape}")
            out = arr.astype(np.float32)
            out /= 255.0                      # divide (not * 1/255) to match torch bit for bit
        else:
            out = arr.astype(np.float32, copy=False)
        return Tensor._make(np.ascontiguousarray(out), False, None)

    def apply_batch(self, batch):
        arr, _ = _unwrap(batch)
        if arr.dtype != np.uint8:
            return arr.astype(np.float32, copy=False)
        if arr.ndim == 3:
            out = np.empty((arr.shape[0], 1) + arr.shape[1:], dtype=np.float32)
            np.divide(arr[:, None], np.float32(255.0), out=out)
        elif arr.ndim == 4:
            n, h, w, c = arr.shape
            out = np.empty((n, c, h, w), dtype=np.float32)
            np.divide(arr.transpose(0, 3, 1, 2), np.float32(255.0), out=out)
        else:
            raise ValueError(f"ToTensor: expected a (N, H, W) or (N, H, W, C) uint8 batch, "
                             f"got shape {arr.shape}")
        return out

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel of a float (C, H, W) image or (N, C, H, W) batch.

    Args:
        mean (sequence or float): per-channel means.
        std (sequence or float): per-channel standard deviations (non-zero).
        inplace (bool): modify the input array instead of returning a new one.
    """

    def __init__(self, mean, std, inplace=False):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1:
            raise ValueError("Normalize: mean and std must be sequences of per-channel values")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std evaluated to zero ({self.std.tolist()}), "
                             "leading to division by zero")
        self.inplace = inplace

    def _apply(self, arr, channel_axis):
        if arr.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float image (apply ToTensor first), "
                            f"got dtype {arr.dtype}")
        c = arr.shape[channel_axis]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if v.shape[0] not in (1, c):
                raise ValueError(f"Normalize: {name} has {v.shape[0]} values but the input has "
                                 f"{c} channels (shape {arr.shape})")
        shape = [1] * arr.ndim
        shape[channel_axis] = -1
        mean = self.mean.astype(arr.dtype).reshape(shape)
        inv = (1.0 / self.std).astype(arr.dtype).reshape(shape)
        out = arr if self.inplace else np.empty_like(arr)
        np.subtract(arr, mean, out=out)
        out *= inv
        return out

    def __call__(self, tensor):
        arr, was_tensor = _unwrap(tensor)
        if arr.ndim != 3:
            raise ValueError(f"Normalize: expected a (C, H, W) image, got shape {arr.shape}")
        return _wrap(self._apply(arr, 0), was_tensor)

    def apply_batch(self, batch):
        arr, _ = _unwrap(batch)
        if arr.ndim != 4:
            raise ValueError(f"Normalize: expected a (N, C, H, W) batch, got shape {arr.shape}")
        return self._apply(arr, 1)

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


def _spatial_axes(arr, batched):
    """Axes (h, w) of an image or batch under the module's layout convention."""
    lead = 1 if batched else 0
    if arr.dtype == np.uint8:
        nd = arr.ndim - lead
        if nd not in (2, 3):
            raise ValueError(f"expected uint8 images shaped {'(N, ' if batched else '('}"
                             f"H, W[, C]), got shape {arr.shape}")
        return lead, lead + 1
    if arr.ndim - lead != 3:
        raise ValueError(f"expected float images shaped {'(N, ' if batched else '('}C, H, W), "
                         f"got shape {arr.shape}")
    return lead + 1, lead + 2


class RandomCrop:
    """Crop a random ``size`` window, after zero-padding each border by ``padding``.

    Args:
        size (int or pair): output (h, w).
        padding (int or pair or 4-tuple, optional): border added first (left, top, right, bottom
            for a 4-tuple, like torchvision).
        pad_if_needed (bool): pad images smaller than ``size`` up to it.
        fill (number): value of the padded pixels.
        padding_mode (str): ``'constant'``, ``'edge'``, ``'reflect'`` or ``'symmetric'``.
        generator: optional ``tc.Generator`` for the offsets.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant",
                 generator=None):
        self.size = _pair(size, "RandomCrop")
        if padding is None:
            padding = 0
        if isinstance(padding, numbers.Integral):
            padding = (padding,) * 4
        padding = tuple(int(p) for p in padding)
        if len(padding) == 2:
            padding = (padding[0], padding[1], padding[0], padding[1])
        if len(padding) != 4 or min(padding) < 0:
            raise ValueError(f"RandomCrop: padding must be a non-negative int, pair or 4-tuple, "
                             f"got {padding}")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"RandomCrop: unknown padding_mode {padding_mode!r}")
        self.padding = padding  # (left, top, right, bottom)
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = generator

    def _pad(self, arr, ha, wa):
        left, top, right, bottom = self.padding
        h, w = arr.shape[ha] + top + bottom, arr.shape[wa] + left + right
        th, tw = self.size
        if self.pad_if_needed:
            extra_h, extra_w = max(th - h, 0), max(tw - w, 0)
            top, bottom = top + extra_h, bottom + extra_h
            left, right = left + extra_w, right + extra_w
        if top or bottom or left or right:
            widths = [(0, 0)] * arr.ndim
            widths[ha], widths[wa] = (top, bottom), (left, right)
            kw = {"constant_values": self.fill} if self.padding_mode == "constant" else {}
            arr = np.pad(arr, widths, mode=self.padding_mode, **kw)
        if arr.shape[ha] < th or arr.shape[wa] < tw:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the padded "
                             f"image ({arr.shape[ha]}, {arr.shape[wa]})")
        return arr

    def __call__(self, img):
        arr, was_tensor = _unwrap(img)
        ha, wa = _spatial_axes(arr, batched=False)
        arr = self._pad(arr, ha, wa)
        th, tw = self.size
        rng = stream(self.generator)
        i = int(rng.integers(0, arr.shape[ha] - th + 1))
        j = int(rng.integers(0, arr.shape[wa] - tw + 1))
        idx = [slice(None)] * arr.ndim
        idx[ha], idx[wa] = slice(i, i + th), slice(j, j + tw)
        return _wrap(np.ascontiguousarray(arr[tuple(idx)]), was_tensor)

    def apply_batch(self, batch):
        arr, _ = _unwrap(batch)
        ha, wa = _spatial_axes(arr, batched=True)
        arr = self._pad(arr, ha, wa)
        n, th, tw = arr.shape[0], self.size[0], self.size[1]
        rng = stream(self.generator)
        i = rng.integers(0, arr.shape[ha] - th + 1, size=n)
        j = rng.integers(0, arr.shape[wa] - tw + 1, size=n)
        # every (th, tw) window as a view, then one gather of each sample's own window
        win = np.lib.stride_tricks.sliding_window_view(arr, (th, tw), axis=(ha, wa))
        # win: (N, ..., H-th+1, W-tw+1, ..., th, tw); pick [n, ..., i[n], j[n], ...]
        idx = [slice(None)] * win.ndim
        idx[0], idx[ha], idx[wa] = np.arange(n), i, j
        out = win[tuple(idx)]
        # advanced indices split by slices move to the front: (N, rest..., th, tw)
        if arr.dtype == np.uint8 and arr.ndim == 4:          # (N, C, th, tw) -> (N, th, tw, C)
            out = out.transpose(0, 2, 3, 1)
        return np.ascontiguousarray(out)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p``.

    Args:
        p (float): flip probability.
        generator: optional ``tc.Generator``.
    """

    def __init__(self, p=0.5, generator=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = p
        self.generator = generator

    def __call__(self, img):
        arr, was_tensor = _unwrap(img)
        _, wa = _spatial_axes(arr, batched=False)
        if stream(self.generator).random() < self.p:
            arr = np.ascontiguousarray(np.flip(arr, axis=wa))
        return _wrap(arr, was_tensor)

    def apply_batch(self, batch):
        arr, _ = _unwrap(batch)
        _, wa = _spatial_axes(arr, batched=True)
        flip = stream(self.generator).random(arr.shape[0]) < self.p
        out = arr.copy()
        out[flip] = np.flip(arr[flip], axis=wa)
        return out

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class ToPILImage:
    """A (C, H, W) Tensor or an (H, W[, C]) ndarray as a PIL image (needs Pillow).

    Float tensors are scaled by 255 and truncated to uint8, as torchvision.

    Args:
        mode (str, optional): the PIL mode of the result (e.g. 'L', 'RGB', 'F'); by default
            inferred from the number of channels and the dtype.
    """

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self):
        return f"ToPILImage(mode={self.mode})" if self.mode else "ToPILImage()"


class PILToTensor:
    """A PIL image as a (C, H, W) Tensor of its own dtype (uint8 for L/RGB), unscaled."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self):
        return "PILToTensor()"


class ConvertImageDtype:
    """Convert an image to ``dtype`` rescaling its values (uint8 255 <-> float 1.0).

    Args:
        dtype: the target dtype (e.g. ``tc.float32``, ``tc.uint8``).
    """

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def __call__(self, image):
        return F.convert_image_dtype(image, self.dtype)

    def apply_batch(self, batch):
        x, back = to_chw(batch, batched=True)
        return back(F._convert(x, self.dtype))

    def __repr__(self):
        return f"ConvertImageDtype({self.dtype})"


class Lambda:
    """Apply a user function as a transform.

    Args:
        lambd (callable): called on the image; its result is the transform's.
    """

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got "
                            f"{repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"


class RandomApply:
    """Apply the list of ``transforms`` (in order) with probability ``p``.

    Args:
        transforms (list): transforms applied together, or none of them.
        p (float): probability of applying them.
    """

    def __init__(self, transforms, p=0.5):
        self.transforms = transforms
        self.p = p

    def __call__(self, img):
        if self.p < float(stream().random()):
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"RandomApply(\n    p={self.p}{inner}\n)"


class RandomChoice:
    """Apply one of ``transforms``, chosen with probabilities proportional to ``p``
    (default: uniformly).

    Args:
        transforms (list or tuple): the transforms to choose from.
        p (list or tuple, optional): their relative weights (normalised to sum to 1).
    """

    def __init__(self, transforms, p=None):
        if not isinstance(transforms, (list, tuple)):
            raise TypeError("Argument transforms should be a sequence")
        if p is not None and not isinstance(p, (list, tuple)):
            raise TypeError("Argument p should be a sequence")
        self.transforms = transforms
        self.p = p

    def __call__(self, *args):
        rng = stream()
        if self.p is None:
            k = int(rng.integers(0, len(self.transforms)))
        else:
            w = np.asarray(self.p, dtype=np.float64)
            k = int(rng.choice(len(self.transforms), p=w / w.sum()))
        return self.transforms[k](*args)

    def __repr__(self):
        return f"RandomChoice(transforms={self.transforms}, p={self.p})"


class RandomOrder:
    """Apply ``transforms`` in a random order.

    Args:
        transforms (list): the transforms, each applied once per call.
    """

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for k in stream().permutation(len(self.transforms)):
            img = self.transforms[int(k)](img)
        return img

    def __repr__(self):
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"RandomOrder({inner}\n)"
