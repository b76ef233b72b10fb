"""The im2col path, which works for every geometry: im2col into a (CK, n*P) buffer per
chunk of n samples, one GEMM per chunk (batched over groups), col2im for the input gradient.

When the weight needs a gradient and the whole batch's columns fit under both the workspace
limit and ``backends.conv.saved_columns_limit``, the forward keeps them for the weight
gradient instead of running im2col again in the backward (a LeNet-5 first layer spent as
long in its backward im2col as in its forward one).
"""
import numpy as np

from ... import backends
from ..._hooks import record
from .._kernels import conv as K
from .algorithm import JointBackward
from .workspace import chunk_size, scratch

__all__ = ["Im2colGemm"]


class Im2colGemm(JointBackward):
    """im2col into a (CK, n*P) buffer per chunk of n samples, then one (batched over groups)
    GEMM; col2im for the input gradient.  Works for every geometry."""

    name = "im2col"

    @staticmethod
    def forward(x, w, b, geom, keep_cols=False):
        """y; with ``keep_cols``, (y, cols): the whole batch's columns (CK, N*P) for the
        weight gradient when they fit under ``backends.conv.saved_columns_limit`` (else
        cols is None)."""
        N, C, H, W = x.shape
        F, Cg, KH, KW = w.shape
        G = geom.groups
        OH, OW = geom.out_size
        P = OH * OW
        CK = C * KH * KW
        y = np.empty((N, F, P), dtype=x.dtype)
        limit = min(backends.conv.saved_columns_limit, backends.conv.workspace_limit)
        keep = keep_cols and 0 < CK * N * P * x.itemsize <= limit
        if N == 0 or P == 0:
            y = y.reshape(N, F, OH, OW)
            return (y, None) if keep_cols else y
        wg = w.reshape(G, F // G, Cg * KH * KW)  # (G, Fg, Cg*K)
        nc = N if keep else chunk_size(N, CK * P * x.itemsize)
        # kept columns outlive the call: their own array, never a scratch buffer
        cbuf = np.empty(CK * nc * P, dtype=x.dtype) if keep else scratch("a", CK * nc * P,
                                                                          x.dtype)
        ybuf = scratch("b", F * nc * P, x.dtype)
        bias = None if b is None else b.reshape(1, F, 1)
        pads = (geom.pads[0], geom.pads[2])
        for n0 in range(0, N, nc):
            m = min(nc, N - n0)
            cols = cbuf[:CK * m * P].reshape(CK, m * P)
            K.im2col(x[n0:n0 + m], KH, KW, geom.stride, pads, geom.dilation,
                            geom.out_size, out=cols)
            yc = ybuf[:F * m * P]
            with record("GEMM"):
                if G == 1:
                    np.matmul(wg[0], cols, out=yc.reshape(F, m * P))
                else:
                    np.matmul(wg, cols.reshape(G, Cg * KH * KW, m * P),
                              out=yc.reshape(G, F // G, m * P))
            yt = yc.reshape(F, m, P).transpose(1, 0, 2)  # (m, F, P)
            if bias is None:
                np.copyto(y[n0:n0 + m], yt)
            else:
                np.add(yt, bias, out=y[n0:n0 + m])
        y = y.reshape(N, F, OH, OW)
        if keep_cols:
            return y, (cbuf.reshape(CK, N * P) if keep else None)
        return y

    @staticmethod
    def backward(gy, x, w, x_shape, geom, need_x, need_w, cols=None):
        """gx, gw; ``cols``, the forward's columns of the whole batch, saves the im2col."""
        N, C, H, W = x_shape
        F, Cg, KH, KW = w.shape
        G = geom.groups
        Fg, CgK = F // G, Cg * KH * KW
        OH, OW = geom.out_size
        P = OH * OW
        CK = C * KH * KW
        gx = np.empty(x_shape, dtype=gy.dtype) if need_x else None
        gw = np.zeros((G, Fg, CgK), dtype=gy.dtype) if need_w else None
        if N == 0 or (P == 0 and need_x):
            if need_x:
                gx[...] = 0
            return gx, (gw.reshape(w.shape) if need_w else None)
        gy3 = gy.reshape(N, F, P)
        wg = w.reshape(G, Fg, CgK)
        nc = chunk_size(N, CK * P * gy.itemsize)
        cbuf = scratch("a", CK * nc * P, gy.dtype)
        gbuf = scratch("b", F * nc * P, gy.dtype)
        tmp = np.empty((G, Fg, CgK), dtype=gy.dtype) if need_w else None
        pads = (geom.pads[0], geom.pads[2])
        saved = cols if need_w else None
        first = True
        for n0 in range(0, N, nc):
            m = min(nc, N - n0)
            g2 = gbuf[:F * m * P]
            np.copyto(g2.reshape(F, m, P), gy3[n0:n0 + m].transpose(1, 0, 2))
            g2 = g2.reshape(G, Fg, m * P)  # (G, Fg, m*P)
            cols = cbuf[:CK * m * P].reshape(G, CgK, m * P)
            if need_w:
                if saved is None:
                    K.im2col(x[n0:n0 + m], KH, KW, geom.stride, pads, geom.dilation,
                                    geom.out_size, out=cols.reshape(CK, m * P))
                    xcols = cols
                else:  # this chunk's columns of the saved (CK, N*P) matrix (strided rows)
                    xcols = saved[:, n0 * P:(n0 + m) * P].reshape(G, CgK, m * P)
                with record("GEMM"):
                    np.matmul(g2, xcols.transpose(0, 2, 1), out=gw if first else tmp)
                if not first:
                    gw += tmp
                first = False
            if need_x:
                with record("GEMM"):
                    np.matmul(wg.transpose(0, 2, 1), g2, out=cols)  # (G, Cg*K, m*P)
                K.col2im(cols.reshape(CK, m * P), (m, C, H, W), KH, KW, geom.stride,
                                pads, geom.dilation, geom.out_size, out=gx[n0:n0 + m])
        return gx, (gw.reshape(w.shape) if need_w else None)
