"""MaxUnpool2d, Upsample (and its fixed-mode variants), PixelShuffle, PixelUnshuffle."""
from ..._geometry import pair as _pair
from .. import functional as F
from ..module import Module

__all__ = ["MaxUnpool2d", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d",
           "PixelShuffle", "PixelUnshuffle"]


class MaxUnpool2d(Module):
    """Partial inverse of MaxPool2d; call as ``unpool(input, indices, output_size=None)``.

    Args:
        kernel_size: the pooling's window.
        stride: the pooling's stride (default ``kernel_size``).
        padding: the pooling's padding.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if (stride is not None) else kernel_size)
        self.padding = _pair(padding)

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Upsample(Module):
    """Resample the spatial dims to ``size`` or by ``scale_factor``; see ``F.interpolate``.

    Args:
        size: output size (H, W), as in ``F.interpolate``.
        scale_factor: multiplier of the input size, as in ``F.interpolate``.
        mode: the interpolation mode, as in ``F.interpolate``.
        align_corners: as in ``F.interpolate``.
        recompute_scale_factor: as in ``F.interpolate``.
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) \
            else (tuple(float(f) for f in scale_factor) if scale_factor else None)
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling: ``Upsample(size, scale_factor, mode='nearest')``.

    Args:
        size: output size (H, W).
        scale_factor: multiplier of the input size.

    Shape:
        (N, C, H, W) -> (N, C, OH, OW).
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling with ``align_corners=True`` (as torch's).

    Args:
        size: output size (H, W).
        scale_factor: multiplier of the input size.

    Shape:
        (N, C, H, W) -> (N, C, OH, OW).
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """Rearrange channels into space (sub-pixel convolution's upsampling).

    Args:
        upscale_factor: r.

    Shape:
        (*, C*r*r, H, W) -> (*, C, H*r, W*r); see ``F.pixel_shuffle``.
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange space into channels (the inverse of ``PixelShuffle``).

    Args:
        downscale_factor: r.

    Shape:
        (*, C, H*r, W*r) -> (*, C*r*r, H, W); see ``F.pixel_unshuffle``.
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
