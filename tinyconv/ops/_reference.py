"""Plain NumPy versions of the Cython kernels: slow, obvious, right.  The test oracle.

Shape legend: N batch, C channels, H/W input size, KH/KW kernel, OH/OW output size.
"""
import numpy as np


# ------------------------------------------------------------------------------- convolution
def conv_output_size(size, k, stride, pad_total, dilation):
    """Output length of a convolution along one axis (pad_total = both sides)."""
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


def _padded(x, pads):
    """x (N, C, H, W) with zero padding pads = (top, bottom, left, right)."""
    pt, pb, pl, pr = pads
    N, C, H, W = x.shape
    xp = np.zeros((N, C, H + pt + pb, W + pl + pr), dtype=x.dtype)
    xp[:, :, pt:pt + H, pl:pl + W] = x
    return xp


def _taps(C, H, W, KH, KW, stride, pads, dilation, out_size):
    """Every (c, i, j, oh, ow, h, w): kernel tap (i, j) of channel c at output position
    (oh, ow) reads input position (h, w), for the taps that fall inside the unpadded input."""
    (sh, sw), (dh, dw), (OH, OW) = stride, dilation, out_size
    for c in range(C):
        for i in range(KH):
            for j in range(KW):
                for oh in range(OH):
                    h = oh * sh - pads[0] + i * dh
                    if not 0 <= h < H:
                        continue
                    for ow in range(OW):
                        w = ow * sw - pads[2] + j * dw
                        if 0 <= w < W:
                            yield c, i, j, oh, ow, h, w


def im2col(x, KH, KW, stride, pads, dilation, out_size=None):
    """cols (C*KH*KW, N*OH*OW): row (c, i, j), column (n, oh, ow) = padded x[n, c, h, w]."""
    (sh, sw), (dh, dw) = stride, dilation
    N, C, H, W = x.shape
    if out_size is None:
        out_size = (conv_output_size(H, KH, sh, pads[0] + pads[1], dh),
                    conv_output_size(W, KW, sw, pads[2] + pads[3], dw))
    OH, OW = out_size
    cols = np.zeros((C, KH, KW, N, OH, OW), dtype=x.dtype)
    for c, i, j, oh, ow, h, w in _taps(C, H, W, KH, KW, stride, pads, dilation, out_size):
        cols[c, i, j, :, oh, ow] = x[:, c, h, w]
    return cols.reshape(C * KH * KW, N * OH * OW)


def col2im(cols, x_shape, KH, KW, stride, pads, dilation, out_size):
    """Adjoint of im2col: add every column entry back onto the input position it came from."""
    N, C, H, W = x_shape
    OH, OW = out_size
    c6 = cols.reshape(C, KH, KW, N, OH, OW)
    x = np.zeros(x_shape, dtype=cols.dtype)
    for c, i, j, oh, ow, h, w in _taps(C, H, W, KH, KW, stride, pads, dilation, out_size):
        x[:, c, h, w] += c6[c, i, j, :, oh, ow]
    return x


def conv2d(x, w, b=None, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    """Direct convolution (cross-correlation) of x (N, C, H, W) with w (F, C/groups, KH, KW)."""
    (sh, sw), (dh, dw) = stride, dilation
    N, C, H, W = x.shape
    F, Cg, KH, KW = w.shape
    Fg = F // groups
    xp = _padded(x, pads)
    OH = conv_output_size(H, KH, sh, pads[0] + pads[1], dh)
    OW = conv_output_size(W, KW, sw, pads[2] + pads[3], dw)
    y = np.zeros((N, F, OH, OW), dtype=x.dtype)
    for g in range(groups):
        xg = xp[:, g * Cg:(g + 1) * Cg]
        wg = w[g * Fg:(g + 1) * Fg]
        for i in range(KH):
            for j in range(KW):
                patch = xg[:, :, i * dh:i * dh + sh * (OH - 1) + 1:sh,
                           j * dw:j * dw + sw * (OW - 1) + 1:sw]  # (N, Cg, OH, OW)
                y[:, g * Fg:(g + 1) * Fg] += np.einsum("nchw,fc->nfhw", patch, wg[:, :, i, j])
    if b is not None:
        y += b.reshape(1, F, 1, 1)
    return y


# ------------------------------------------------------------------------------- pooling
# Inputs are (N, C, H, W); loops run over output positions and window taps, vectorised only
# over (N, C).  Windows are written in padded coordinates: tap (i, j) of output (oh, ow) sits at
# row oh*sh - ph + i*dh, column ow*sw - pw + j*dw; rows/columns outside [0, H) x [0, W) are padding.


def pool_output_size(size, k, stride, pad, dilation=1, ceil_mode=False):
    """Number of windows along one axis, torch's rule (ceil_mode drops a window that would
    start in the right padding)."""
    span = size + 2 * pad - dilation * (k - 1) - 1  # last admissible window start
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + pad:
            out -= 1
    else:
        out = span // stride + 1
    return out


def max_pool2d(x, kernel_size, stride, padding, dilation, out_hw):
    """(y, indices): window maxima and their flat h*W+w positions; first maximum wins a tie,
    a NaN wins over any number (the last NaN seen), as torch."""
    N, C, H, W = x.shape
    (KH, KW), (sh, sw), (ph, pw), (dh, dw), (OH, OW) = (kernel_size, stride, padding,
                                                        dilation, out_hw)
    y = np.empty((N, C, OH, OW), dtype=x.dtype)
    idx = np.empty((N, C, OH, OW), dtype=np.int64)
    for oh in range(OH):
        for ow in range(OW):
            best = np.full((N, C), -np.inf, dtype=x.dtype)
            # before any comparison: the first tap on or after row 0 / column 0 (this is
            # what torch reports for a window lying wholly in the padding)
            h0, w0 = oh * sh - ph, ow * sw - pw
            while h0 < 0:
                h0 += dh
            while w0 < 0:
                w0 += dw
            where = np.full((N, C), h0 * W + w0, dtype=np.int64)
            for i in range(KH):
                h = oh * sh - ph + i * dh
                if not 0 <= h < H:
                    continue
                for j in range(KW):
                    w = ow * sw - pw + j * dw
                    if not 0 <= w < W:
                        continue
                    v = x[:, :, h, w]
                    take = (v > best) | np.isnan(v)
                    best = np.where(take, v, best)
                    where = np.where(take, h * W + w, where)
            y[:, :, oh, ow] = best
            idx[:, :, oh, ow] = where
    return y, idx


def max_pool2d_backward(gy, indices, x_shape):
    """gx: every gy added at its argmax (an index outside the plane, from a window lying in
    the padding, receives nothing)."""
    N, C, H, W = x_shape
    gx = np.zeros((N, C, H * W), dtype=gy.dtype)
    for n in range(N):
        for c in range(C):
            for pos, g in zip(indices[n, c].ravel(), gy[n, c].ravel()):
                if 0 <= pos < H * W:
                    gx[n, c, pos] += g
    return gx.reshape(x_shape)


def _avg_windows(H, W, kernel_size, stride, padding, out_hw, count_include_pad,
                 divisor_override):
    """Per output (oh, ow): the in-image row and column slices and the divisor."""
    (KH, KW), (sh, sw), (ph, pw), (OH, OW) = kernel_size, stride, padding, out_hw
    for oh in range(OH):
        for ow in range(OW):
            # the window clipped to the padded input, then to the input
            r0, c0 = oh * sh - ph, ow * sw - pw
            r1, c1 = min(r0 + KH, H + ph), min(c0 + KW, W + pw)
            padded = (r1 - r0) * (c1 - c0)
            r0, c0, r1, c1 = max(r0, 0), max(c0, 0), min(r1, H), min(c1, W)
            inside = max(r1 - r0, 0) * max(c1 - c0, 0)
            if divisor_override:
                div = divisor_override
            else:
                div = padded if count_include_pad else inside
            yield oh, ow, slice(r0, max(r1, r0)), slice(c0, max(c1, c0)), div, inside


def avg_pool2d(x, kernel_size, stride, padding, out_hw, count_include_pad=True,
               divisor_override=None):
    """Window means with torch's divisors (a window with no input element gives 0)."""
    N, C, H, W = x.shape
    y = np.zeros((N, C) + tuple(out_hw), dtype=x.dtype)
    for oh, ow, rs, cs, div, inside in _avg_windows(H, W, kernel_size, stride, padding, out_hw,
                                                    count_include_pad, divisor_override):
        if inside:
            y[:, :, oh, ow] = x[:, :, rs, cs].sum(axis=(2, 3)) / div
    return y


def avg_pool2d_backward(gy, x_shape, kernel_size, stride, padding, count_include_pad=True,
                        divisor_override=None):
    """gx: every gy / divisor added over its window."""
    N, C, H, W = x_shape
    gx = np.zeros(x_shape, dtype=gy.dtype)
    for oh, ow, rs, cs, div, inside in _avg_windows(H, W, kernel_size, stride, padding,
                                                    gy.shape[2:], count_include_pad,
                                                    divisor_override):
        if inside:
            gx[:, :, rs, cs] += (gy[:, :, oh, ow] / div)[:, :, None, None]
    return gx


def adaptive_bins(size, out):
    """torch's adaptive bins along one axis: [floor(i*size/out), ceil((i+1)*size/out))."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def adaptive_avg_pool2d(x, out_hw):
    """Means of x over the adaptive bins."""
    N, C, H, W = x.shape
    y = np.zeros((N, C) + tuple(out_hw), dtype=x.dtype)
    for oh, (r0, r1) in enumerate(adaptive_bins(H, out_hw[0])):
        for ow, (c0, c1) in enumerate(adaptive_bins(W, out_hw[1])):
            y[:, :, oh, ow] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    return y


def adaptive_avg_pool2d_backward(gy, x_shape):
    """gx: every gy spread evenly over its bin (bins may overlap; overlaps add)."""
    N, C, H, W = x_shape
    gx = np.zeros(x_shape, dtype=gy.dtype)
    OH, OW = gy.shape[2:]
    for oh, (r0, r1) in enumerate(adaptive_bins(H, OH)):
        for ow, (c0, c1) in enumerate(adaptive_bins(W, OW)):
            n = (r1 - r0) * (c1 - c0)
            gx[:, :, r0:r1, c0:c1] += (gy[:, :, oh, ow] / n)[:, :, None, None]
    return gx


# ------------------------------------------------------------------------------- winograd
# Winograd F(4x4, 3x3) (Lavin and Gray, 2015) with the interpolation points 0, 1, -1, 2, -2, inf:
# y_tile = A^T [(G g G^T) * (B^T d B)] A for a 6x6 input tile d and a 3x3 filter g.  Tiles are
# numbered t = (n*TH + th)*TW + tw; transformed arrays are (36, C, T) with k = 6*i + j.
WINOGRAD_BT = np.array([[4, 0, -5, 0, 1, 0],
                        [0, -4, -4, 1, 1, 0],
                        [0, 4, -4, -1, 1, 0],
                        [0, -2, -1, 2, 1, 0],
                        [0, 2, -1, -2, 1, 0],
                        [0, 4, 0, -5, 0, 1]], dtype=np.float64)
WINOGRAD_G = np.array([[1 / 4, 0, 0],
                       [-1 / 6, -1 / 6, -1 / 6],
                       [-1 / 6, 1 / 6, -1 / 6],
                       [1 / 24, 1 / 12, 1 / 6],
                       [1 / 24, -1 / 12, 1 / 6],
                       [0, 0, 1]], dtype=np.float64)
WINOGRAD_AT = np.array([[1, 1, 1, 1, 1, 0],
                        [0, 1, -1, 2, -2, 0],
                        [0, 1, 1, 4, 4, 0],
                        [0, 1, -1, 8, -8, 1]], dtype=np.float64)


def winograd_grid(OH, OW):
    """(TH, TW): 4x4 output tiles along each axis."""
    return -(-OH // 4), -(-OW // 4)


def winograd_tiles(x, pads, TH, TW):
    """d (N, C, TH, TW, 6, 6): the 6x6 input tiles, tile (th, tw) starting at padded
    (4th, 4tw); taps outside the image are zero.  pads = (top, left), either sign."""
    N, C, H, W = x.shape
    pt, pl = pads
    d = np.zeros((N, C, TH, TW, 6, 6), dtype=x.dtype)
    for th in range(TH):
        for tw in range(TW):
            for i in range(6):
                h = 4 * th - pt + i
                if not 0 <= h < H:
                    continue
                for j in range(6):
                    w = 4 * tw - pl + j
                    if 0 <= w < W:
                        d[:, :, th, tw, i, j] = x[:, :, h, w]
    return d


def winograd_input_transform(x, pads, TH, TW):
    """V (36, C, N*TH*TW) = B^T d B per input tile d."""
    BT = WINOGRAD_BT.astype(x.dtype)
    N, C = x.shape[:2]
    V = np.einsum("ia,nchwab,jb->ijcnhw", BT, winograd_tiles(x, pads, TH, TW), BT)
    return V.reshape(36, C, N * TH * TW)


def winograd_filter_transform(w):
    """U (36, F, C) = G g G^T per 3x3 filter g of w (F, C, 3, 3)."""
    G = WINOGRAD_G.astype(w.dtype)
    U = np.einsum("ia,fcab,jb->ijfc", G, w, G)
    return U.reshape((36,) + w.shape[:2])


def winograd_output_transform(M, N, TH, TW, OH, OW):
    """y (N, F, OH, OW) from M (36, F, N*TH*TW): A^T m A per tile, cropped to (OH, OW)."""
    AT = WINOGRAD_AT.astype(M.dtype)
    F = M.shape[1]
    m = M.reshape(6, 6, F, N, TH, TW)
    y = np.einsum("ai,ijfnhw,bj->nfhawb", AT, m, AT)  # (N, F, TH, 4, TW, 4)
    return y.reshape(N, F, 4 * TH, 4 * TW)[:, :, :OH, :OW]


def winograd_conv2d(x, w, pads):
    """3x3 stride-1 cross-correlation by Winograd F(4x4, 3x3); pads = (top, bottom, left,
    right).  Agrees with conv2d(x, w, pads=pads) up to rounding."""
    N, C, H, W = x.shape
    OH, OW = H + pads[0] + pads[1] - 2, W + pads[2] + pads[3] - 2
    TH, TW = winograd_grid(OH, OW)
    V = winograd_input_transform(x, (pads[0], pads[2]), TH, TW)
    M = np.matmul(winograd_filter_transform(w), V)
    return winograd_output_transform(M, N, TH, TW, OH, OW)
