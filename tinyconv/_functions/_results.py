"""torch's named result tuples (``torch.return_types``): ``values, indices = x.max(1)`` and
``x.sort().values`` both work."""
from collections import namedtuple

__all__ = ["ValuesIndices", "MinMax", "values_indices", "SlogdetResult", "QRResult", "EighResult",
           "SVDResult"]

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
MinMax = namedtuple("MinMax", ["min", "max"])


def values_indices(pair):
    """``(values, indices)`` as a ``ValuesIndices``."""
    return ValuesIndices(*pair)


# tinyconv.linalg's results (torch.return_types.linalg_slogdet, linalg_qr, linalg_eigh,
# linalg_svd), under NumPy's names for the same tuples
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
QRResult = namedtuple("QRResult", ["Q", "R"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
