"""Environment variables the thread pools read once, when their libraries load.

Imported first by ``tinyconv/__init__.py``, before NumPy (if the user has not imported it yet)
and before the compiled kernels.  A value the user set wins (``setdefault``).

- OpenBLAS (NumPy's BLAS) keeps its worker threads spinning for 2^28 cycles (about 0.1 s)
  after every GEMM.  tinyconv runs OpenMP kernels (transforms, im2col, norms) between GEMMs,
  and with as many threads as cores the spinning workers take the cores from them: measured
  on 2 cores, a MiniVGG training step (N=128, 1x28x28) 1630 -> 1340 ms and a Winograd 64->128
  14x14 forward+backward 227 -> 157 ms with 2^20 cycles (about 0.3 ms, still enough to bridge
  back-to-back GEMMs).  It applies only when NumPy loads after tinyconv;
  ``python -m tinyconv doctor`` says whether it took effect.
- Idle OpenMP threads of the kernels sleep instead of spinning: the conv kernels alternate
  with BLAS calls, and spinning OpenMP workers steal the cores the GEMM needs (a LeNet-5
  training step 1.43 s -> 1.08 s on a busy 2-core machine).  libgomp reads it when the
  extension loads it.
"""
import os
import sys

__all__ = ["BLAS_ENV_APPLIED"]

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
BLAS_ENV_APPLIED = "numpy" not in sys.modules
