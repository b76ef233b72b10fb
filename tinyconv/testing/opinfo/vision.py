"""Registry entries: the spatial transformer pair affine_grid and grid_sample.

Grid positions are uniform in [-1.3, 1.3] (some outside the input, for the padding modes) or
wider for reflection's repeated flips; random positions stay away from the cell borders where
bilinear weights have kinks.
"""
import itertools

from .core import BadArg, OpInfo, Sample, normal, positive, x

MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")


def _grid(*shape, lo=-1.3, hi=1.3):
    return ("grid", positive(*shape, lo=lo, hi=hi), True)


def _grid_sample_samples():
    for mode, pad, ac in itertools.product(MODES, PADDINGS, (False, True)):
        yield Sample([x(2, 3, 5, 6), _grid(2, 4, 7, 2)], mode=mode, padding_mode=pad,
                     align_corners=ac)
    for mode, pad in itertools.product(("bilinear", "nearest"), PADDINGS):
        yield Sample([x(2, 2, 3, 4, 5), _grid(2, 3, 2, 4, 3)], mode=mode, padding_mode=pad,
                     align_corners=False)
    yield Sample([x(1, 2, 4, 5), _grid(1, 3, 3, 2, lo=-4.0, hi=4.0)], label="reflection far out",
                 padding_mode="reflection", align_corners=False)
    yield Sample([x(1, 2, 4, 5), _grid(1, 3, 3, 2, lo=-4.0, hi=4.0)],
                 label="reflection far out align_corners", padding_mode="reflection",
                 align_corners=True)
    for mode in MODES:  # small enough to gradcheck in float64
        yield Sample([x(1, 2, 3, 4), _grid(1, 2, 3, 2)], label=f"small {mode}",
                     gradcheck=True, mode=mode, padding_mode="zeros", align_corners=False)
    yield Sample([x(1, 1, 1, 1), _grid(1, 2, 2, 2)], label="1x1 input",
                 mode="bilinear", padding_mode="border", align_corners=True)
    yield Sample([x(2, 3, 5, 6), ("theta", normal(2, 2, 3, scale=0.3, shift=0.0), True)],
                 label="spatial transformer: grid_sample(affine_grid(theta))",
                 fn=lambda M, F, t, th: F.grid_sample(
                     t, F.affine_grid(th + M.eye(2, 3, dtype=th.dtype), (2, 3, 4, 4),
                                      align_corners=False), align_corners=False))


def _affine_grid_samples():
    for size, ac in itertools.product([(2, 3, 4, 5), (1, 1, 1, 3)], (False, True)):
        if ac and min(size[2:]) == 1:
            continue  # torch warns: not an intended use
        yield Sample([("theta", normal(size[0], 2, 3), True)], size=size, align_corners=ac)
    for size, ac in itertools.product([(2, 1, 3, 4, 2)], (False, True)):
        yield Sample([("theta", normal(size[0], 3, 4), True)], size=size, align_corners=ac)


def _x(M, *shape, dtype=None):
    return M.zeros(*shape, dtype=dtype or M.float32)


def _gs(**kw):
    return lambda M, F: F.grid_sample(_x(M, 1, 1, 4, 4), _x(M, 1, 2, 2, 2), **kw)


def _theta(M, *shape):
    return M.zeros(*shape)


OPS = [
    OpInfo("grid_sample", _grid_sample_samples, "vision", tol={"float32": 1e-4}, bad_args=[
        BadArg("mode", _gs(mode="x", align_corners=False), ValueError, "mode"),
        BadArg("padding_mode", _gs(padding_mode="x", align_corners=False), ValueError,
               "padding_mode"),
        BadArg("dtypes", lambda M, F: F.grid_sample(_x(M, 1, 1, 4, 4),
                                                    _x(M, 1, 2, 2, 2, dtype=M.float64),
                                                    align_corners=False),
               RuntimeError, "dtype|scalar type", names_op=False),
        BadArg("int64", lambda M, F: F.grid_sample(_x(M, 1, 1, 4, 4, dtype=M.int64),
                                                   _x(M, 1, 2, 2, 2, dtype=M.int64),
                                                   align_corners=False),
               RuntimeError, "float", torch="raises"),
        BadArg("batch", lambda M, F: F.grid_sample(_x(M, 2, 1, 4, 4), _x(M, 1, 2, 2, 2),
                                                   align_corners=False),
               RuntimeError, "same batch size", names_op=False),
        BadArg("last dim", lambda M, F: F.grid_sample(_x(M, 1, 1, 4, 4), _x(M, 1, 2, 2, 3),
                                                      align_corners=False),
               RuntimeError, "size 2 in last dimension", names_op=False),
        BadArg("ranks", lambda M, F: F.grid_sample(_x(M, 1, 1, 4, 4), _x(M, 1, 2, 2, 2, 2),
                                                   align_corners=False),
               RuntimeError, "same number of dimensions", names_op=False),
        BadArg("bicubic 5-D", lambda M, F: F.grid_sample(_x(M, 1, 1, 4, 4, 4),
                                                         _x(M, 1, 2, 2, 2, 3), mode="bicubic",
                                                         align_corners=False),
               RuntimeError, "bicubic", names_op=False),
        BadArg("empty spatial", lambda M, F: F.grid_sample(_x(M, 1, 1, 0, 4),
                                                           _x(M, 1, 2, 2, 2),
                                                           align_corners=False),
               RuntimeError, "non-empty spatial", names_op=False)]),
    OpInfo("affine_grid", _affine_grid_samples, "vision", bad_args=[
        BadArg("theta shape", lambda M, F: F.affine_grid(_theta(M, 1, 3, 3), [1, 1, 4, 4],
                                                         align_corners=False),
               ValueError, "Nx2x3", names_op=False),
        BadArg("3-D size", lambda M, F: F.affine_grid(_theta(M, 1, 2, 3), [1, 4, 4],
                                                      align_corners=False),
               NotImplementedError, "4D and 5D sizes"),
        BadArg("zero size", lambda M, F: F.affine_grid(_theta(M, 1, 2, 3), [1, 1, 0, 4],
                                                       align_corners=False),
               ValueError, "positive output size", names_op=False),
        BadArg("int64 theta", lambda M, F: F.affine_grid(M.zeros(1, 2, 3, dtype=M.int64),
                                                         [1, 1, 4, 4], align_corners=False),
               ValueError, "floating point", names_op=False),
        BadArg("batch", lambda M, F: F.affine_grid(_theta(M, 2, 2, 3), [3, 1, 4, 4],
                                                   align_corners=False),
               RuntimeError, "batch2", names_op=False)]),
]
