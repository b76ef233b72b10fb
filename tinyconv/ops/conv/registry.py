"""The ordered registry of convolution algorithms, and the per-shape choice.

To add an algorithm: write a ``ConvAlgorithm`` subclass in its own module of this package
(calling kernels only through ``tinyconv.ops._kernels``), give it a switch in
``tinyconv.backends.conv`` if users should be able to turn it off, and insert it in
``ALGORITHMS`` where it should be tried (earlier entries win; im2col, last, takes anything).
"""
from ... import backends
from .direct import Direct, Im2colForwardDirectBackward
from .im2col import Im2colGemm
from .pointwise import Pointwise
from .small import SmallDirect
from .winograd import Winograd

__all__ = ["ALGORITHMS", "select_algorithm", "algorithm_named"]

ALGORITHMS = (Pointwise, Direct, SmallDirect, Im2colForwardDirectBackward, Winograd,
              Im2colGemm)


def algorithm_named(name):
    """The registered algorithm called ``name``."""
    for algo in ALGORITHMS:
        if algo.name == name:
            return algo
    raise KeyError(f"no convolution algorithm named {name!r} (have: "
                   f"{', '.join(a.name for a in ALGORITHMS)})")


def select_algorithm(x_shape, w_shape, geom, dtype):
    """The algorithm that runs a convolution of this shape (forward and backward).

    Args:
        x_shape: (N, C, H, W) of the convolution's input; w_shape: (F, C/G, KH, KW).
        geom: its ConvGeometry; dtype: float32 or float64.

    Returns:
        One of ``ALGORITHMS``; they all give the same results up to rounding.  With
        ``tinyconv.backends.conv.algorithm`` set, that one wherever it supports the shape.
    """
    cfg = backends.conv
    if cfg.algorithm is not None:
        algo = algorithm_named(cfg.algorithm)
        if algo.supports(x_shape, w_shape, geom, dtype):
            return algo
        return Im2colGemm
    for algo in ALGORITHMS:
        if (algo.switch is None or getattr(cfg, algo.switch)) \
                and algo.supports(x_shape, w_shape, geom, dtype) \
                and algo.worthwhile(x_shape, w_shape, geom, dtype):
            return algo
    return Im2colGemm
