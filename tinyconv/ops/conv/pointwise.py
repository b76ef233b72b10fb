"""The 1x1 path: a 1x1, stride-1, unpadded convolution is y[n] = w @ x[n], batched GEMMs on
the input as it is, with no im2col."""
import numpy as np

from ..._hooks import record
from .algorithm import JointBackward, add_bias

__all__ = ["Pointwise"]


class Pointwise(JointBackward):
    """1x1 kernel, stride 1, no padding: y[n] = w @ x[n] as batched GEMMs, no im2col."""

    name = "gemm1x1"
    switch = "pointwise"

    @staticmethod
    def supports(x_shape, w_shape, geom, dtype):
        return (w_shape[2] == 1 and w_shape[3] == 1 and geom.stride == (1, 1)
                and not any(geom.pads))

    @staticmethod
    def forward(x, w, b, geom):
        N, C, H, W = x.shape
        F, G = w.shape[0], geom.groups
        x4 = x.reshape(N, G, C // G, H * W)
        with record("GEMM"):
            y = np.matmul(w.reshape(G, F // G, C // G), x4)  # (N, G, Fg, P)
        return add_bias(y.reshape(N, F, H, W), b)

    @staticmethod
    def backward(gy, x, w, x_shape, geom, need_x, need_w):
        N, C, H, W = x_shape
        F, G = w.shape[0], geom.groups
        gy4 = gy.reshape(N, G, F // G, H * W)
        gx = gw = None
        if need_x:
            wt = w.reshape(G, F // G, C // G).transpose(0, 2, 1)  # (G, Cg, Fg)
            with record("GEMM"):
                gx = np.matmul(wt, gy4).reshape(x_shape)
        if need_w:
            x4 = x.reshape(N, G, C // G, H * W)
            if G == 1:
                # (F, N*P) @ (N*P, C): one GEMM over the whole batch
                g2 = np.ascontiguousarray(gy4[:, 0].transpose(1, 0, 2)).reshape(F, N * H * W)
                x2 = np.ascontiguousarray(x4[:, 0].transpose(1, 0, 2)).reshape(C, N * H * W)
                with record("GEMM"):
                    gw = np.matmul(g2, x2.T)
            else:
                with record("GEMM"):
                    gw = np.matmul(gy4, x4.transpose(0, 1, 3, 2)).sum(axis=0)  # (G, Fg, Cg)
            gw = gw.reshape(w.shape)
        return gx, gw
