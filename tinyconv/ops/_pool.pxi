# Pooling kernels, included into _im2col.pyx (one compiled module for conv and pool).
# Shape legend as in _im2col.pyx.
