"""The convolution-algorithm interface, and the geometry every algorithm receives.

Legend: x input (N, C, H, W); w weight (F, C/G, KH, KW); b bias (F,); y output (N, F, OH, OW);
gradients gy, gx, gw.  G groups, Cg = C/G and Fg = F/G channels per group, K = KH*KW taps,
P = OH*OW output positions, CK = C*K rows of the im2col matrix.

An algorithm works on ndarrays and knows nothing of autograd.  ``supports`` says whether it
can compute a convolution at all, ``worthwhile`` whether it should (its speed rule, measured
where it is defined); ``registry.select_algorithm`` takes the first registered algorithm that
is allowed by ``tinyconv.backends.conv``, supports the shape and is worthwhile.  A transposed
convolution is the adjoint: it runs ``backward_input`` forward, and ``forward`` and
``backward_weight`` backward.  Second derivatives (``functions.ConvBackward``) call the three
parts on other arrays of the same shapes: ``forward`` on a gradient, ``backward_input`` with a
gradient as the weight, ``backward_weight`` with a gradient as the input; any of them may be
non-contiguous or a read-only broadcast view.
"""
from collections import namedtuple

import numpy as np

__all__ = ["ConvGeometry", "ConvAlgorithm", "JointBackward", "add_bias"]


class ConvGeometry(namedtuple("ConvGeometry", "stride pads dilation groups out_size")):
    """stride (sh, sw), pads (top, bottom, left, right), dilation (dh, dw), groups,
    out_size (OH, OW) of the convolution x -> y."""

    __slots__ = ()


class ConvAlgorithm:
    """Base class of the algorithms; subclasses override what they do differently.

    Attributes:
        name: the name ``tinyconv.backends.conv.algorithm`` selects it by.
        switch: the ``tinyconv.backends.conv`` flag that allows it, or None (always allowed).
    """

    name = None
    switch = None

    @staticmethod
    def supports(x_shape, w_shape, geom, dtype):
        """Whether this algorithm can compute the convolution (default: any)."""
        return True

    @staticmethod
    def worthwhile(x_shape, w_shape, geom, dtype):
        """Whether the automatic choice should pick it for this shape (default: yes)."""
        return True

    @staticmethod
    def forward(x, w, b, geom):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward_input(gy, w, x_shape, geom):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward_weight(gy, x, w_shape, geom):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def backward(cls, gy, x, w, x_shape, geom, need_x, need_w):
        """(gx, gw), each None unless asked for (default: the two parts separately)."""
        gx = cls.backward_input(gy, w, x_shape, geom) if need_x else None
        gw = cls.backward_weight(gy, x, w.shape, geom) if need_w else None
        return gx, gw


class JointBackward(ConvAlgorithm):
    """An algorithm whose ``backward`` computes both gradients in one pass (sharing a
    transform of gy); the two parts call it for one gradient each."""

    @classmethod
    def backward_input(cls, gy, w, x_shape, geom):
        return cls.backward(gy, None, w, x_shape, geom, True, False)[0]

    @classmethod
    def backward_weight(cls, gy, x, w_shape, geom):
        w = np.empty(w_shape, dtype=gy.dtype)  # only its shape is used
        return cls.backward(gy, x, w, x.shape, geom, False, True)[1]


def add_bias(y, b):
    """y += b per output channel (y (N, F, OH, OW)), in place; y."""
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y
