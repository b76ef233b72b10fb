"""Python wrappers of the compiled kernels (``tinyconv.ops._im2col``), the only importer.

Importing gives one clear error, with the command that builds the extension, when the module
is missing (a source checkout that was never built).  The wrappers, one module per family
(``conv``, ``pool``, ``norm``, ``act``, ``special``), check dtype, contiguity and every bound
the nogil code relies on, allocate the outputs, and time their calls with ``record`` when a
profiler listens.  Importing it also moves NumPy's parallel OpenBLAS calls onto the kernels'
OpenMP threads (``blas.py``).
"""
import numpy as np

from ... import backends

try:
    from .. import _im2col as ext
except ImportError as exc:  # pragma: no cover - exercised by hand in a source tree
    raise ImportError(
        "tinyconv's compiled kernels (tinyconv.ops._im2col) are not built. From the project "
        "directory run:  pip install -e .   (or: python setup.py build_ext --inplace). "
        f"Original error: {exc}") from exc
from . import blas  # noqa: E402,F401  OpenBLAS's jobs on the kernels' threads, at import

__all__ = ["ext", "FLOATS", "num_threads", "threads_for"]

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def num_threads():
    """OpenMP team size of a kernel call (``tinyconv.backends.get_num_threads()``)."""
    return backends.get_num_threads()


def threads_for(size):
    """OpenMP team size for one streaming pass (pooling, normalization, GELU) over ``size``
    elements: one thread below ``backends.kernels.parallel_min_size`` elements."""
    return 1 if size < backends.kernels.parallel_min_size else num_threads()
