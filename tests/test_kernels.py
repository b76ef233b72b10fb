"""The Cython conv kernels (im2col/col2im) against the plain NumPy oracle in _reference.py."""
import numpy as np
import pytest
import torch

from tests.utils import assert_close
from tinyconv.ops._kernels import conv as K
from tinyconv.ops import _reference as R

DTYPES = [np.float32, np.float64]


def _random_geometry(seed):
    """A random small geometry with a non-empty output (non-square, strided, dilated, padded)."""
    rng = np.random.default_rng(seed)
    while True:
        N, C = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        H, W = int(rng.integers(1, 11)), int(rng.integers(1, 11))
        KH, KW = (int(v) for v in rng.integers(1, 5, 2))
        stride = tuple(int(v) for v in rng.integers(1, 4, 2))
        dilation = tuple(int(v) for v in rng.integers(1, 4, 2))
        pads = tuple(int(v) for v in rng.integers(0, 4, 4))  # top, bottom, left, right
        OH = R.conv_output_size(H, KH, stride[0], pads[0] + pads[1], dilation[0])
        OW = R.conv_output_size(W, KW, stride[1], pads[2] + pads[3], dilation[1])
        if OH >= 1 and OW >= 1:
            return rng, (N, C, H, W), KH, KW, stride, pads, dilation, (OH, OW)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(40))
def test_im2col_matches_reference(seed, dtype):
    rng, shape, KH, KW, stride, pads, dil, out = _random_geometry(seed)
    x = rng.standard_normal(shape).astype(dtype)
    cols = K.im2col(x, KH, KW, stride, (pads[0], pads[2]), dil, out)
    ref = R.im2col(x, KH, KW, stride, pads, dil)
    assert cols.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(cols, ref)  # a pure copy: bit-exact


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(40))
def test_col2im_matches_reference_and_is_adjoint(seed, dtype):
    rng, shape, KH, KW, stride, pads, dil, out = _random_geometry(seed)
    x = rng.standard_normal(shape).astype(dtype)
    N, C = shape[:2]
    cols = rng.standard_normal((C * KH * KW, N * out[0] * out[1])).astype(dtype)
    gx = K.col2im(cols, shape, KH, KW, stride, (pads[0], pads[2]), dil, out)
    assert gx.dtype == np.dtype(dtype)
    assert_close(gx, R.col2im(cols, shape, KH, KW, stride, pads, dil, out), dtype=dtype,
                 what="col2im")
    # <im2col(x), cols> == <x, col2im(cols)>
    lhs = float(np.sum(K.im2col(x, KH, KW, stride, (pads[0], pads[2]), dil, out)
                       .astype(np.float64) * cols))
    rhs = float(np.sum(x.astype(np.float64) * gx))
    tol = 1e-11 if dtype == np.float64 else 1e-4
    assert abs(lhs - rhs) <= tol * max(1.0, float(np.sum(np.abs(x)) * np.abs(cols).max()))


def test_col2im_overwrites_its_output():
    rng = np.random.default_rng(1)
    cols = rng.standard_normal((2 * 9, 1 * 4 * 4))
    out = np.full((1, 2, 4, 4), 123.0)
    K.col2im(cols, (1, 2, 4, 4), 3, 3, (1, 1), (1, 1), (1, 1), (4, 4), out=out)
    assert_close(out, R.col2im(cols, (1, 2, 4, 4), 3, 3, (1, 1), (1, 1, 1, 1), (1, 1), (4, 4)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_im2col_non_contiguous_input(dtype):
    rng = np.random.default_rng(2)
    base = rng.standard_normal((3, 2, 9, 7)).astype(dtype)
    for x in (base.transpose(1, 0, 3, 2), base[:, :, ::2, 1:], base[::-1]):
        assert not x.flags.c_contiguous
        out = (R.conv_output_size(x.shape[2], 3, 2, 2, 1),
               R.conv_output_size(x.shape[3], 2, 1, 0, 2))
        cols = K.im2col(x, 3, 2, (2, 1), (1, 0), (1, 2), out)
        np.testing.assert_array_equal(cols, R.im2col(x, 3, 2, (2, 1), (1, 1, 0, 0), (1, 2)))
        cols_nc = np.asfortranarray(cols)
        assert_close(K.col2im(cols_nc, x.shape, 3, 2, (2, 1), (1, 0), (1, 2), out),
                     R.col2im(cols, x.shape, 3, 2, (2, 1), (1, 1, 0, 0), (1, 2), out),
                     dtype=dtype)


def test_im2col_batch_chunks_concatenate():
    # im2col of a batch slice is the matching column block of the whole batch's matrix
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 3, 8, 6)).astype(np.float32)
    full = K.im2col(x, 3, 3, (1, 2), (1, 1), (1, 1), (8, 3))
    P = 8 * 3
    for n0, n1 in ((0, 2), (2, 5), (4, 5)):
        part = K.im2col(x[n0:n1], 3, 3, (1, 2), (1, 1), (1, 1), (8, 3))
        np.testing.assert_array_equal(part, full[:, n0 * P:n1 * P])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(12))
def test_direct_kernels_match_reference(seed, dtype):
    rng, shape, KH, KW, stride, pads, dil, out = _random_geometry(200 + seed)
    G = int(rng.integers(1, 4))
    N, Cg, H, W = shape
    Fg = int(rng.integers(1, 3))
    pads = (pads[0], pads[0], pads[2], pads[2])  # the direct kernels take (top, left) only
    out = (R.conv_output_size(H, KH, stride[0], 2 * pads[0], dil[0]),
           R.conv_output_size(W, KW, stride[1], 2 * pads[2], dil[1]))
    if min(out) < 1:
        return
    x = rng.standard_normal((N, Cg * G, H, W)).astype(dtype)
    w = rng.standard_normal((Fg * G, Cg, KH, KW)).astype(dtype)
    tl = (pads[0], pads[2])
    y = K.conv_direct(x, w, stride, tl, dil, G, out)
    assert_close(y, R.conv2d(x, w, None, stride, pads, dil, G), dtype=dtype, what="forward")
    # gradients via the im2col oracle: gx = col2im(W^T gy), gw = gy im2col(x)^T, per group
    gy = rng.standard_normal(y.shape).astype(dtype)
    cols = R.im2col(x, KH, KW, stride, pads, dil, out)  # (C*K, N*P)
    P = out[0] * out[1]
    g2 = gy.reshape(N, G, Fg, P).transpose(1, 2, 0, 3).reshape(G, Fg, N * P)
    cg = cols.reshape(G, Cg * KH * KW, N * P)
    gw_ref = np.matmul(g2, cg.transpose(0, 2, 1)).reshape(w.shape)
    gx_ref = R.col2im(np.matmul(w.reshape(G, Fg, -1).transpose(0, 2, 1), g2).reshape(
        Cg * G * KH * KW, N * P), x.shape, KH, KW, stride, pads, dil, out)
    assert_close(K.conv_direct_grad_input(gy, w, x.shape, stride, tl, dil, G), gx_ref,
                 dtype=dtype, what="grad input")
    assert_close(K.conv_direct_grad_weight(gy, x, w.shape, stride, tl, dil, G), gw_ref,
                 dtype=dtype, tol=None if dtype == np.float64 else 1e-4, what="grad weight")


def test_reference_conv_matches_torch():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 4, 9, 7))
    w = rng.standard_normal((6, 2, 3, 2))
    b = rng.standard_normal(6)
    y = R.conv2d(x, w, b, stride=(2, 1), pads=(1, 1, 2, 2), dilation=(1, 2), groups=2)
    yt = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                    stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    assert_close(y, yt, dtype=np.float64)


def test_kernel_wrappers_reject_bad_arrays():
    x = np.zeros((1, 2, 5, 5), dtype=np.float32)
    with pytest.raises(TypeError, match="float32 or float64"):
        K.im2col(x.astype(np.int64), 3, 3, (1, 1), (0, 0), (1, 1), (3, 3))
    with pytest.raises(ValueError, match="4-D"):
        K.im2col(x[0], 3, 3, (1, 1), (0, 0), (1, 1), (3, 3))
    with pytest.raises(ValueError, match="out must be"):
        K.im2col(x, 3, 3, (1, 1), (0, 0), (1, 1), (3, 3), out=np.empty((18, 8), np.float32))
    with pytest.raises(ValueError, match="out must be"):
        K.im2col(x, 3, 3, (1, 1), (0, 0), (1, 1), (3, 3), out=np.empty((18, 9), np.float64))
    with pytest.raises(ValueError, match="geometry"):
        K.im2col(x, 3, 3, (0, 1), (0, 0), (1, 1), (3, 3))
    with pytest.raises(ValueError, match="cols has shape"):
        K.col2im(np.zeros((18, 8), np.float32), x.shape, 3, 3, (1, 1), (0, 0), (1, 1), (3, 3))
    with pytest.raises(ValueError, match="geometry"):
        K.col2im(np.zeros((18, 9), np.float32), x.shape, 3, 3, (1, 1), (-1, 0), (1, 1), (3, 3))
