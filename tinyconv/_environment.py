"""The one environment variable tinyconv sets, as a fallback for OpenBLAS before 0.3.27.

Imported first by ``tinyconv/__init__.py``.  A value the user set wins (``setdefault``).

Speed does not rest on it: at import, ``ops/_kernels/blas.py`` moves NumPy's parallel OpenBLAS
calls onto the kernels' OpenMP threads at run time, whatever was imported first, and
OpenBLAS's own workers then sleep.  Only where that hook is missing (OpenBLAS < 0.3.27, or
``tinyconv.backends.kernels.blas_threads = "openblas"``) do OpenBLAS's workers run, and they
busy-spin for 2^28 cycles (about 0.1 s) after every GEMM, taking the cores from the OpenMP
kernels that run between GEMMs; ``OPENBLAS_THREAD_TIMEOUT=20`` cuts that to 2^20 cycles
(about 0.3 ms, still enough to bridge back-to-back GEMMs).  OpenBLAS reads it when it loads,
so it applies only when NumPy loads after tinyconv; ``python -m tinyconv doctor`` says which.

``OMP_WAIT_POLICY`` is left alone (it used to be set to ``passive``): with GEMM and kernels on
one OpenMP team, a passive team sleeps after every parallel region and each GEMM waits for its
threads to be woken (measured on a loaded 2-core machine: a (6, 25) x (25, 50176) float32 GEMM
9.3 ms instead of 0.44 ms), and a setting that takes effect only when tinyconv loads libgomp
first (torch ships its own libgomp and loads it when imported first) would make the speed
depend on import order again.
"""
import os
import sys

__all__ = ["BLAS_ENV_APPLIED"]

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")
BLAS_ENV_APPLIED = "numpy" not in sys.modules
