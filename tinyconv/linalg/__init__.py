"""torch's ``torch.linalg``: vector and matrix norms (``tinyconv.linalg.norm``,
``vector_norm``, ``matrix_norm``), written in ``tinyconv._functions.norms``."""
from .._functions.norms import linalg_norm as norm
from .._functions.norms import matrix_norm, vector_norm

__all__ = ["norm", "vector_norm", "matrix_norm"]
