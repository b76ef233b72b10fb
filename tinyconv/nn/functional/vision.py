"""Spatial transformers with torch's signatures: ``affine_grid`` (the sampling positions of an
affine map) and ``grid_sample`` (the input read at those positions), composed of the ops of
``tinyconv.ops.grid``; gradients flow to the input, the grid and the affine matrices.
"""
import warnings

from ..._checks import FLOATS, DtypeError, check_tensor, is_int
from ...ops import grid as G
from ...ops.shape import Reshape

__all__ = ["affine_grid", "grid_sample"]

MODES = ("bilinear", "nearest", "bicubic")
PADDING_MODES = ("zeros", "border", "reflection")


def _default_align_corners(align_corners):
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if "
                      "the old behavior is desired. See the documentation of grid_sample for "
                      "details.", UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps, for ``grid_sample``.

    Args:
        theta: (N, 2, 3) affine matrices for a 2-D ``size``, (N, 3, 4) for a 3-D one, mapping
            output positions (x, y[, z], 1) in [-1, 1] to input positions.
        size: the output's size, (N, C, H, W) or (N, C, D, H, W).
        align_corners: -1 and 1 are the centres of the corner pixels (True) or their outer
            edges (False); None means False, with torch's warning.

    Returns:
        Tensor: (N, H, W, 2) or (N, D, H, W, 3), differentiable in ``theta``.

    Examples:
        >>> import tinyconv as tc
        >>> theta = tc.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> tc.nn.functional.affine_grid(theta, (1, 1, 2, 2), align_corners=True)[0, 1].tolist()
        [[-1.0, 1.0], [1.0, 1.0]]
    """
    align_corners = _default_align_corners(align_corners)
    check_tensor("affine_grid", "theta", theta)
    if theta._data.dtype not in FLOATS:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if not isinstance(size, (tuple, list)) or not all(is_int(n) for n in size):
        raise TypeError(f"affine_grid: size must be a list of ints, got {size!r}")
    size = [int(n) for n in size]
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    d = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (d, d + 1):
        kind = "2D affine matrices of shape Nx2x3" if d == 2 else \
            "3D affine matrices of shape Nx3x4"
        raise ValueError(f"Expected a batch of {kind} for size {size}. Got "
                         f"{tuple(theta.shape)}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: Expected size for first two dimensions of batch2 "
                           f"tensor to be: [{size[0]}, {d + 1}] but got: "
                           f"[{theta.shape[0]}, {d + 1}].")
    base = G.affine_base_grid(size, align_corners, theta._data.dtype)
    grid = G.AffineGrid.apply(theta, base=base)  # (N, prod(spatial), d)
    return Reshape.apply(grid, shape=(size[0], *size[2:], d))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """The input read at the positions of ``grid`` (a spatial transformer's sampler).

    Args:
        input: (N, C, H, W) or (N, C, D, H, W), float32 or float64.
        grid: (N, H_out, W_out, 2) or (N, D_out, H_out, W_out, 3) positions, normalized to
            [-1, 1] over the input (x along W first, then y along H, then z along D), of
            ``input``'s dtype.
        mode: 'bilinear' (trilinear for 5-D), 'nearest' or 'bicubic' (4-D only).
        padding_mode: values outside the input are 'zeros', the nearest 'border' value, or
            read at the position mirrored at the borders ('reflection').
        align_corners: -1 and 1 are the centres of the corner pixels (True) or their outer
            edges (False); None means False, with torch's warning.

    Returns:
        Tensor: (N, C, H_out, W_out) or (N, C, D_out, H_out, W_out); torch's gradients for the
        input and the grid (zero for the grid in 'nearest' mode).

    Shape:
        input (N, C, H, W), grid (N, H_out, W_out, 2) -> (N, C, H_out, W_out); likewise with D.
    """
    op = "grid_sample"
    if mode not in MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    align_corners = _default_align_corners(align_corners)
    check_tensor(op, "input", input)
    check_tensor(op, "grid", grid)
    x_shape, g_shape = tuple(input.shape), tuple(grid.shape)
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(x_shape)} and grid "
                           f"with sizes {list(g_shape)}")
    if input._data.dtype not in FLOATS:
        raise DtypeError(f"{op}: expected a float32 or float64 input, got dtype {input.dtype}")
    if grid._data.dtype != input._data.dtype:
        raise DtypeError(f"{op}: expected grid and input to have the same dtype, but got "
                         f"input of dtype {input.dtype} and grid of dtype {grid.dtype}")
    if x_shape[0] != g_shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(x_shape)} and grid with sizes "
                           f"{list(g_shape)}")
    d = input.ndim - 2
    if g_shape[-1] != d:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {d} in last dimension, "
                           f"but got grid with sizes {list(g_shape)}")
    for i in range(2, input.ndim):
        if x_shape[i] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {list(x_shape)} with "
                               f"dimension {i} being empty")
    if mode == "bicubic" and d != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    return G.grid_sample(input, grid, mode, padding_mode, align_corners)
