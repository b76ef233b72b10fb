"""The op registry: one ``OpInfo`` per public op, organised by family.

``OPS`` concatenates the families; the op tests (``tests/test_ops.py``), the bad-argument
table (``tests/test_hardening.py``), the fuzz test (``tests/test_fuzz.py``) and the parity
table (``python -m tinyconv.parity``) all read it.  To add an op, add one ``OpInfo`` to its
family's ``OPS`` list (see ``core.OpInfo``).
"""
import inspect

from . import (activation, attention, compare, conv, conv_nd, indexing, linalg, loss, loss_more,
               math, matrix, nn_utils, nonlinear, normalization, pooling, pooling_nd, reduction,
               sampling, sorting, statistics, tensor, vision)
from .core import (FLOAT_DTYPES, BadArg, Maker, OpInfo, Sample, bools, const, custom, distinct,
                   ints, normal, positive, probs, uniform, x)

OPS = (conv.OPS + conv_nd.OPS + pooling.OPS + normalization.OPS + activation.OPS
       + nonlinear.OPS + attention.OPS + loss.OPS + loss_more.OPS + sampling.OPS
       + tensor.OPS + indexing.OPS + compare.OPS + sorting.OPS + math.OPS + reduction.OPS
       + matrix.OPS + pooling_nd.OPS + linalg.OPS + vision.OPS + statistics.OPS
       + nn_utils.OPS)

__all__ = ["OPS", "OpInfo", "Sample", "BadArg", "Maker", "FLOAT_DTYPES", "op", "samples",
           "bad_args", "public_ops", "missing_entries", "normal", "distinct", "positive",
           "uniform", "probs", "ints", "bools", "const", "custom", "x"]


def op(name, ops=None):
    """The entry named ``name``."""
    for o in OPS if ops is None else ops:
        if o.name == name:
            return o
    raise KeyError(f"no registry entry named {name!r}")


def samples(ops=None):
    """Every sample of every entry, in registry order."""
    return [s for o in (OPS if ops is None else ops) for s in o.samples()]


def bad_args(ops=None):
    """Every bad-argument case of every entry."""
    return [b for o in (OPS if ops is None else ops) for b in o.bad_args]


def public_ops():
    """Names of the public functions of ``tinyconv.nn.functional`` (the registry must cover
    them all): functions defined anywhere in tinyconv, re-exported or not."""
    import tinyconv.nn.functional as F

    return sorted(n for n, o in vars(F).items() if not n.startswith("_")
                  and inspect.isfunction(o) and o.__module__.startswith("tinyconv"))


def missing_entries(ops=None):
    """Public functions of ``nn.functional`` without a registry entry (with samples)."""
    covered = {o.name for o in (OPS if ops is None else ops) if o.samples()}
    return sorted(set(public_ops()) - covered)
