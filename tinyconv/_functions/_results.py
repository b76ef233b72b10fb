"""torch's named result tuples (``torch.return_types``): ``values, indices = x.max(1)`` and
``x.sort().values`` both work."""
from collections import namedtuple

__all__ = ["ValuesIndices", "MinMax", "values_indices"]

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
MinMax = namedtuple("MinMax", ["min", "max"])


def values_indices(pair):
    """``(values, indices)`` as a ``ValuesIndices``."""
    return ValuesIndices(*pair)
