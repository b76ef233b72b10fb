"""Plain NumPy versions of the Cython kernels: slow, obvious, right.  The test oracle.

Shape legend: N batch, C channels, H/W input size, KH/KW kernel, OH/OW output size.
"""
import numpy as np

# ------------------------------------------------------------------------------- convolution

# ------------------------------------------------------------------------------- pooling
