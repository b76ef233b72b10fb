"""pad with torch's signature and modes (op: ``tinyconv.ops.pad``)."""
from ..._checks import ArgumentError, check_tensor, is_int
from ...ops import pad as P

__all__ = ["pad"]


def pad(input, pad, mode="constant", value=None):
    """Pad the last dimensions of a tensor, torch's way.

    Args:
        input: a Tensor.
        pad: (left, right) for the last dim, then (top, bottom) for the one before, and so on;
            an even number of ints, at most 2*input.ndim.  Negative values crop ('constant'
            and 'circular' only).
        mode: 'constant' (fill with value), 'reflect' (mirror without repeating the edge),
            'replicate' (repeat the edge) or 'circular' (wrap around).  reflect, replicate and
            circular pad the last 1, 2 or 3 dims of an input with one or two more leading
            dims; circular, like constant, crops where a pad is negative, then wraps the
            cropped values (at most once around).
        value: fill value for 'constant' (default 0).

    Returns:
        The padded Tensor.
    """
    op = "pad"
    check_tensor(op, "input", input)
    if not isinstance(pad, (tuple, list)) or not all(is_int(v) for v in pad):
        raise TypeError(f"{op}: pad must be a tuple of ints, got {pad!r}")
    pads = tuple(int(v) for v in pad)
    if len(pads) % 2:
        raise ArgumentError(f"{op}: padding length must be divisible by 2, got pad={pads}")
    if len(pads) > 2 * input.ndim:
        raise ArgumentError(
            f"{op}: padding length should be at most twice the input dimension, but got pad "
            f"of length {len(pads)} for input of shape {tuple(input.shape)}")
    nd = len(pads) // 2
    shape = tuple(input.shape)
    if mode == "constant":
        for k in range(nd):
            n = shape[input.ndim - 1 - k]
            if n + pads[2 * k] + pads[2 * k + 1] < 0:
                raise ArgumentError(
                    f"{op}: pad={pads} gives a negative size for dimension "
                    f"{input.ndim - 1 - k} of input of shape {shape}")
        fill = 0 if value is None else value
        return P.Pad.apply(input, pads=pads, mode="constant", value=fill)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"{op}: unrecognised padding mode {mode!r} (expected "
                                  f"'constant', 'reflect', 'replicate' or 'circular')")
    if value is not None and value != 0:
        raise ArgumentError(f"{op}: padding mode {mode!r} doesn't take a value argument")
    if nd not in (1, 2, 3) or input.ndim not in (nd + 1, nd + 2):
        raise NotImplementedError(
            f"{op}: {mode} padding of {nd} dims (pad of length {len(pads)}) is not supported "
            f"for input of shape {shape}; it needs an input with {nd + 1} or {nd + 2} dims")
    if mode == "circular":
        for k in range(nd):
            dim = input.ndim - 1 - k
            lo, hi = pads[2 * k], pads[2 * k + 1]
            m = shape[dim] - max(-lo, 0) - max(-hi, 0)
            if m < 0:
                raise ArgumentError(
                    f"{op}: circular pad ({lo}, {hi}) gives a negative size for dimension "
                    f"{dim} of input of shape {shape}")
            if lo > m or hi > m:
                raise ArgumentError(
                    f"{op}: circular pad ({lo}, {hi}) wraps around dimension {dim} more than "
                    f"once (it has {m} values after cropping; input shape {shape})")
        return P.Pad.apply(input, pads=pads, mode=mode, value=None)
    if min(pads) < 0:
        raise ArgumentError(f"{op}: {mode} padding must be non-negative, got pad={pads}")
    for k in range(nd):
        dim = input.ndim - 1 - k
        n = shape[dim]
        lo, hi = pads[2 * k], pads[2 * k + 1]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ArgumentError(
                f"{op}: reflect padding ({lo}, {hi}) must be smaller than dimension {dim} of "
                f"input of shape {shape}")
        if mode == "replicate" and n == 0 and (lo or hi):
            raise ArgumentError(f"{op}: cannot replicate-pad empty dimension {dim} of "
                                    f"input of shape {shape}")
    return P.Pad.apply(input, pads=pads, mode=mode, value=None)
