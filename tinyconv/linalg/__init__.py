"""torch's ``torch.linalg``: norms (``norm``, ``vector_norm``, ``matrix_norm``), inverses and
determinants (``inv``, ``det``, ``slogdet``), ``solve``, and the decompositions
(``cholesky``, ``qr``, ``eigh``/``eigvalsh``, ``svd``/``svdvals``), written in
``tinyconv._functions.norms`` and ``tinyconv._functions.linalg``; ``LinAlgError`` is what a
singular or not positive-definite matrix raises."""
from .._checks import LinAlgError
from .._functions.linalg import (cholesky, eigh, eigvalsh, inv, qr, solve, svd, svdvals)
from .._functions.linalg import linalg_det as det
from .._functions.linalg import linalg_slogdet as slogdet
from .._functions.norms import linalg_norm as norm
from .._functions.norms import matrix_norm, vector_norm

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "det", "slogdet", "solve", "cholesky",
           "qr", "eigh", "eigvalsh", "svd", "svdvals", "LinAlgError"]
