"""Output sizes of convolution, transposed convolution, pooling and fold, in one place.

Everything that needs an output size (kernels' checks, ops, nn.functional, modules,
``utils.summary``) calls these.  Integer arithmetic only.  Also ``ntuple``/``pair`` with
torch's meaning: a sequence becomes a tuple as it is, anything else is repeated n times (no
validation; ``_checks.int_tuple`` validates).
"""

__all__ = ["conv_output_size", "conv_transpose_output_size", "pool_output_size", "ntuple",
           "pair"]


def conv_output_size(size, k, stride=1, pad_total=0, dilation=1):
    """Output length of a convolution along one axis (``pad_total``: both sides together)."""
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


def conv_transpose_output_size(size, k, stride=1, pad=0, dilation=1, output_padding=0):
    """Output length of a transposed convolution along one axis (``pad`` on each side)."""
    return (size - 1) * stride - 2 * pad + dilation * (k - 1) + output_padding + 1


def pool_output_size(size, k, stride, pad, dilation=1, ceil_mode=False):
    """Number of pooling windows along one axis, torch's rule.

    floor((size + 2*pad - dilation*(k-1) - 1) / stride) + 1, or with ceil in ceil_mode; in
    ceil_mode the last window must start inside the input or the left padding, so a window
    starting in the right padding is dropped.
    """
    span = size + 2 * pad - dilation * (k - 1) - 1
    if ceil_mode:
        out = (span + stride - 1) // stride + 1
        if (out - 1) * stride >= size + pad:
            out -= 1
        return out
    return span // stride + 1


def ntuple(n):
    """torch's ``_ntuple(n)``: a sequence as a tuple, anything else repeated n times."""
    def parse(x):
        if isinstance(x, (list, tuple)):
            return tuple(x)
        return (x,) * n

    parse.__name__ = f"_{n}tuple"
    return parse


pair = ntuple(2)
