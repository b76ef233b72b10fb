"""The only importer of the compiled Cython module ``tinyconv.ops._im2col``.

Importing it gives one clear error, with the command that builds the extension, when the
module is missing (a source checkout that was never built).  Wrappers here check dtype and
contiguity before handing arrays to the nogil kernels.
"""
try:
    from . import _im2col as _ext
except ImportError as exc:  # pragma: no cover - exercised by hand in a source tree
    raise ImportError(
        "tinyconv's compiled kernels (tinyconv.ops._im2col) are not built. From the project "
        "directory run:  pip install -e .   (or: python setup.py build_ext --inplace). "
        f"Original error: {exc}") from exc

# ------------------------------------------------------------------------------- convolution
im2col = _ext.im2col
col2im = _ext.col2im

# ------------------------------------------------------------------------------- pooling
