# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Convolution three ways
#
# A convolution layer slides F filters of shape (C, KH, KW) over an input of shape
# (N, C, H, W) and, at every position, takes the dot product of a filter with the patch
# under it (strictly speaking a cross-correlation: nobody flips the kernel):
#
# $$ y[n, f, i, j] = b[f] + \sum_{c, u, v} w[f, c, u, v]\; x[n, c, i + u, j + v] $$
#
# This tutorial computes it three ways, as the CS231n lecture on ConvNets explains them:
# with loops (the definition), as one matrix product after **im2col** (what most frameworks
# do, tinyconv included), and with **Winograd's** minimal filtering algorithm (fewer
# multiplications for 3x3 filters). We check the three against each other and against
# `tinyconv.nn.functional.conv2d`, and time them. It runs in well under a minute on two
# cores; the sizes are kept small so that the loops finish.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

import tinyconv as tc
import tinyconv.nn.functional as F

FIGURES = os.environ.get("TINYCONV_FIGURES", "figures")
os.makedirs(FIGURES, exist_ok=True)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. Loops: the definition
#
# Four loops over the outputs; the sum over channels and kernel taps is one vectorised dot
# product of the filter with the patch.

# %%
def conv_loops(x, w, b):
    N, C, H, W = x.shape
    Fn, _, KH, KW = w.shape
    OH, OW = H - KH + 1, W - KW + 1
    y = np.zeros((N, Fn, OH, OW), dtype=x.dtype)
    for n in range(N):
        for f in range(Fn):
            for i in range(OH):
                for j in range(OW):
                    y[n, f, i, j] = np.sum(w[f] * x[n, :, i:i + KH, j:j + KW]) + b[f]
    return y


x = rng.standard_normal((2, 3, 12, 12)).astype(np.float32)
w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
b = rng.standard_normal(4).astype(np.float32)
y_loops = conv_loops(x, w, b)
y_ref = F.conv2d(tc.tensor(x), tc.tensor(w), tc.tensor(b)).numpy()
print("loops vs tinyconv conv2d, max abs difference:", np.abs(y_loops - y_ref).max())

# %% [markdown]
# ## 2. im2col + GEMM
#
# Copy every patch into a column of a matrix (im2col); then the whole convolution is one
# matrix product: the (F, C·KH·KW) matrix of filters times the (C·KH·KW, N·OH·OW) matrix of
# patches. The copy costs memory (each input value appears up to KH·KW times), but the
# product runs on a BLAS GEMM at close to the machine's peak.
#
# The matrix is built with KH·KW strided slices rather than one loop per patch: slice
# `(u, v)` holds tap (u, v) of every patch at once.

# %%
def im2col(x, KH, KW):
    N, C, H, W = x.shape
    OH, OW = H - KH + 1, W - KW + 1
    cols = np.empty((C, KH, KW, N, OH, OW), dtype=x.dtype)
    for u in range(KH):
        for v in range(KW):
            cols[:, u, v] = x[:, :, u:u + OH, v:v + OW].transpose(1, 0, 2, 3)
    return cols.reshape(C * KH * KW, N * OH * OW)         # (C*KH*KW, N*OH*OW)


def conv_im2col(x, w, b):
    N, C, H, W = x.shape
    Fn, _, KH, KW = w.shape
    OH, OW = H - KH + 1, W - KW + 1
    y = w.reshape(Fn, -1) @ im2col(x, KH, KW) + b[:, None]  # (F, N*OH*OW)
    return y.reshape(Fn, N, OH, OW).transpose(1, 0, 2, 3)


y_im2col = conv_im2col(x, w, b)
print("im2col vs loops, max abs difference:", np.abs(y_im2col - y_loops).max())

# %% [markdown]
# Here is the matrix for one 5x5 image of the numbers 0..24 and a 3x3 kernel: nine
# patches, each a column of nine values. Neighbouring columns overlap: that duplication is
# im2col's memory cost.

# %%
small = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
cols = im2col(small, 3, 3)
fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [1, 1.6]})
axes[0].imshow(small[0, 0], cmap="viridis")
for (i, j), value in np.ndenumerate(small[0, 0]):
    axes[0].text(j, i, int(value), ha="center", va="center", color="w")
axes[0].add_patch(plt.Rectangle((-0.5, -0.5), 3, 3, fill=False, ec="r", lw=3))
axes[0].set_title("input 5x5 (first patch in red)")
axes[1].imshow(cols, cmap="viridis", aspect="auto")
for (i, j), value in np.ndenumerate(cols):
    axes[1].text(j, i, int(value), ha="center", va="center", color="w", fontsize=8)
axes[1].add_patch(plt.Rectangle((-0.5, -0.5), 1, 9, fill=False, ec="r", lw=3))
axes[1].set_xlabel("patch (output position)")
axes[1].set_ylabel("kernel tap (c, u, v)")
axes[1].set_title("im2col matrix: 9 taps x 9 patches")
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "02_im2col.png"), dpi=100)

# %% [markdown]
# ## 3. Winograd F(2x2, 3x3)
#
# Winograd's minimal filtering computes a 2x2 block of outputs from a 4x4 input tile with 16
# multiplications instead of 36 (Lavin and Gray, 2015). With the tile `d` and the filter `g`
# transformed once,
#
# $$ Y = A^T \big[ (G g G^T) \odot (B^T d B) \big] A , $$
#
# and the sum over input channels happens in the transformed domain, as 16 independent
# matrix products (one per position of the 4x4 tile). tinyconv's own Winograd path uses the
# larger F(4x4, 3x3) with compiled transforms; F(2x2, 3x3) is the one to read.

# %%
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float32)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=np.float32)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float32)


def conv_winograd(x, w, b):
    N, C, H, W = x.shape
    Fn = w.shape[0]
    OH, OW = H - 2, W - 2
    TH, TW = (OH + 1) // 2, (OW + 1) // 2                       # 2x2 output tiles
    xp = np.zeros((N, C, 2 * TH + 2, 2 * TW + 2), dtype=x.dtype)  # pad to whole tiles
    xp[:, :, :H, :W] = x
    U = G @ w @ G.T                                              # (F, C, 4, 4)
    tiles = np.empty((N, C, TH, TW, 4, 4), dtype=x.dtype)
    for i in range(TH):
        for j in range(TW):
            tiles[:, :, i, j] = xp[:, :, 2 * i:2 * i + 4, 2 * j:2 * j + 4]
    V = BT @ tiles @ BT.T                                        # (N, C, TH, TW, 4, 4)
    # sum over channels in the transformed domain: 16 GEMMs (F, C) @ (C, N*TH*TW)
    U16 = U.transpose(2, 3, 0, 1).reshape(16, Fn, C)
    V16 = V.transpose(4, 5, 1, 0, 2, 3).reshape(16, C, N * TH * TW)
    M = (U16 @ V16).reshape(4, 4, Fn, N, TH, TW).transpose(3, 2, 4, 5, 0, 1)
    Y = AT @ M @ AT.T                                            # (N, F, TH, TW, 2, 2)
    y = Y.transpose(0, 1, 2, 4, 3, 5).reshape(N, Fn, 2 * TH, 2 * TW)
    return y[:, :, :OH, :OW] + b[None, :, None, None]


y_wino = conv_winograd(x, w, b)
print("Winograd vs loops, max abs difference:", np.abs(y_wino - y_loops).max())
assert np.allclose(y_im2col, y_loops, atol=1e-4)
assert np.allclose(y_wino, y_loops, atol=1e-4)
assert np.allclose(y_ref, y_loops, atol=1e-4)

# %% [markdown]
# The three agree to float32 rounding (about 1e-6 here). Winograd's transforms add and
# subtract values of different sizes, so its rounding error is a little larger than a plain
# dot product's: one reason frameworks use it only for 3x3 filters and small tiles.
#
# ## Timing
#
# The loops are timed on the small input above; the matrix methods also on a layer of a
# small VGG (N=8, 32 channels in and out, 32x32), next to tinyconv's `conv2d` forced onto its
# im2col and Winograd paths with `tc.backends.conv.flags(algorithm=...)`.

# %%
def best_time(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


t_small = {"loops": best_time(lambda: conv_loops(x, w, b), 1),
           "im2col (NumPy)": best_time(lambda: conv_im2col(x, w, b)),
           "Winograd (NumPy)": best_time(lambda: conv_winograd(x, w, b))}

xl = rng.standard_normal((8, 32, 32, 32)).astype(np.float32)
wl = (0.1 * rng.standard_normal((32, 32, 3, 3))).astype(np.float32)
bl = np.zeros(32, dtype=np.float32)
xt, wt, bt = tc.tensor(xl), tc.tensor(wl), tc.tensor(bl)


def tinyconv_conv(algorithm):
    with tc.no_grad(), tc.backends.conv.flags(algorithm=algorithm):
        return F.conv2d(xt, wt, bt, padding=0).numpy()


t_large = {"im2col (NumPy)": best_time(lambda: conv_im2col(xl, wl, bl)),
           "Winograd (NumPy)": best_time(lambda: conv_winograd(xl, wl, bl)),
           "tinyconv im2col": best_time(lambda: tinyconv_conv("im2col")),
           "tinyconv Winograd": best_time(lambda: tinyconv_conv("winograd"))}
y_large = conv_im2col(xl, wl, bl)
for name, fn in [("Winograd (NumPy)", lambda: conv_winograd(xl, wl, bl)),
                 ("tinyconv im2col", lambda: tinyconv_conv("im2col")),
                 ("tinyconv Winograd", lambda: tinyconv_conv("winograd"))]:
    print(f"{name:18s} vs im2col (NumPy): max abs difference {np.abs(fn() - y_large).max():.1e}")
    assert np.allclose(fn(), y_large, atol=1e-3)

for label, table in [("2x3x12x12 -> 4 filters", t_small), ("8x32x32x32 -> 32 filters", t_large)]:
    print(label)
    for name, seconds in table.items():
        print(f"  {name:18s} {1e3 * seconds:9.2f} ms")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for ax, (label, table) in zip(axes, [("2x3x12x12, 4 filters", t_small),
                                     ("8x32x32x32, 32 filters", t_large)]):
    ax.barh(list(table), [1e3 * s for s in table.values()], color="tab:blue")
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds (log scale)")
    ax.set_title(label)
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "02_timings.png"), dpi=100)

# %% [markdown]
# The loops are hundreds of times slower than one GEMM even on this tiny input. On the
# larger layer, Winograd's 2.25x fewer multiplications pay off once the transforms are
# compiled (tinyconv's path). In NumPy they do not: the tile transforms are millions of tiny
# 4x4 matrix products and copies, which cost more than the multiplications they save.
# tinyconv picks the algorithm per layer shape by a measured rule; the
# [performance page](../performance.md) has the numbers against PyTorch.
