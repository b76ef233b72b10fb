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
# # 3. Batch, layer, instance and group normalization
#
# All four normalization layers compute the same thing,
#
# $$ \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta , $$
#
# and differ only in **which values share one mean and variance**. For a feature map of
# shape (N, C, H, W):
#
# | layer | statistics over | one statistic per |
# |---|---|---|
# | BatchNorm | N, H, W | channel |
# | LayerNorm | C, H, W | sample |
# | InstanceNorm | H, W | sample and channel |
# | GroupNorm (G groups) | C/G channels, H, W | sample and group |
#
# This tutorial draws those sets on one picture (after Wu and He's Group Normalization
# paper), implements each with a NumPy mean over the right axes, checks them against
# tinyconv's layers, and shows the practical consequence: batch norm's output for one image
# depends on the rest of the batch; the others do not. It runs in a few seconds.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import tinyconv as tc
import tinyconv.nn as nn
import tinyconv.nn.functional as F

FIGURES = os.environ.get("TINYCONV_FIGURES", "figures")
os.makedirs(FIGURES, exist_ok=True)

# %% [markdown]
# ## Which axes each one normalises
#
# Each cube is a feature map: batch along one edge, channels along another, and the
# spatial positions H·W flattened into the third. The blue cells share one mean and one
# variance; every other slab of the same shape (behind them, or beside them) gets its own.

# %%
N, C, HW = 4, 6, 5
G = 2                                                   # groups for GroupNorm


def cells(*index):
    chosen = np.zeros((N, C, HW), dtype=bool)
    chosen[index] = True
    return chosen


everything = slice(None)
sets = {"Batch Norm": cells(everything, 0, everything),        # one channel, all samples
        "Layer Norm": cells(N - 1, everything, everything),    # one sample, all channels
        "Instance Norm": cells(N - 1, 0, everything),          # one sample, one channel
        "Group Norm (G=2)": cells(N - 1, slice(0, C // G), everything)}  # one sample, a group

fig = plt.figure(figsize=(13, 3.6))
for k, (title, chosen) in enumerate(sets.items()):
    ax = fig.add_subplot(1, 4, k + 1, projection="3d")
    colors = np.where(chosen[..., None], np.array([0.2, 0.45, 0.9, 1.0]),
                      np.array([0.9, 0.9, 0.9, 1.0]))
    ax.voxels(np.ones((N, C, HW), dtype=bool), facecolors=colors, edgecolor="0.35",
              linewidth=0.4)
    ax.set_xlabel("N")
    ax.set_ylabel("C")
    ax.set_zlabel("H, W", labelpad=-10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_zticks([])
    ax.set_title(title)
    ax.view_init(elev=22, azim=-50)
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "03_norm_axes.png"), dpi=100)

# %% [markdown]
# ## Four means over four sets of axes
#
# In NumPy each layer is a mean and a variance with `keepdims=True` over its axes (biased
# variance, as every one of these layers uses to normalise). Group norm first splits the
# channels into groups.

# %%
def normalize(x, axes, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def group_normalize(x, groups, eps=1e-5):
    n, c, h, w = x.shape
    xg = x.reshape(n, groups, c // groups, h, w)
    return normalize(xg, (2, 3, 4), eps).reshape(n, c, h, w)


rng = np.random.default_rng(0)
x = (3.0 + 2.0 * rng.standard_normal((8, 6, 5, 5))).astype(np.float64)
xt = tc.tensor(x)

ours = {"batch": normalize(x, (0, 2, 3)), "layer": normalize(x, (1, 2, 3)),
        "instance": normalize(x, (2, 3)), "group": group_normalize(x, 2)}
theirs = {
    "batch": F.batch_norm(xt, None, None, training=True).numpy(),
    "layer": F.layer_norm(xt, x.shape[1:]).numpy(),
    "instance": F.instance_norm(xt).numpy(),
    "group": F.group_norm(xt, 2).numpy(),
}
for name in ours:
    diff = np.abs(ours[name] - theirs[name]).max()
    print(f"{name:8s} norm: NumPy vs tinyconv max abs difference {diff:.1e}")
    assert diff < 1e-10

# %% [markdown]
# The modules hold the learnable scale and shift (γ, β) and, for batch norm, the running
# statistics used in eval mode. Their shapes follow the table: one (γ, β) per channel,
# except layer norm's, which has one per normalised element.

# %%
layers = {"BatchNorm2d": nn.BatchNorm2d(6), "LayerNorm": nn.LayerNorm([6, 5, 5]),
          "InstanceNorm2d": nn.InstanceNorm2d(6, affine=True), "GroupNorm": nn.GroupNorm(2, 6)}
for name, layer in layers.items():
    shapes = {k: tuple(v.shape) for k, v in layer.state_dict().items()}
    print(f"{name:15s} {shapes}")

# %% [markdown]
# ## Batch dependence
#
# Normalise the same first image inside batches of different sizes. Batch norm (in training
# mode) gives a different output each time, because its statistics come from the batch; the
# others give the same output whatever comes with the image. This is why batch norm needs
# batches of a reasonable size, behaves differently in `train()` and `eval()`, and why group
# norm is used where batches are small.

# %%
functional_forms = {"batch": lambda t: F.batch_norm(t, None, None, training=True),
              "layer": lambda t: F.layer_norm(t, t.shape[1:]),
              "instance": lambda t: F.instance_norm(t),
              "group": lambda t: F.group_norm(t, 2)}
batch_sizes = [2, 4, 8, 16, 32]
big = tc.tensor((3.0 + 2.0 * rng.standard_normal((32, 6, 5, 5))).astype(np.float32))
change = {name: [] for name in functional_forms}
for name, fn in functional_forms.items():
    alone = fn(big[:batch_sizes[-1]])[0].numpy()
    for n in batch_sizes:
        change[name].append(float(np.abs(fn(big[:n])[0].numpy() - alone).max()))

fig, ax = plt.subplots(figsize=(6, 3.4))
for name, values in change.items():
    ax.plot(batch_sizes, np.maximum(values, 1e-8), "o-", label=f"{name} norm")
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("batch size the first image is normalised in")
ax.set_ylabel("max change of its output\n(vs in a batch of 32)")
ax.legend()
ax.set_title("only batch norm depends on the batch")
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "03_batch_dependence.png"), dpi=100)
for name, values in change.items():
    print(f"{name:8s}", " ".join(f"{v:.1e}" for v in values))
assert change["batch"][0] > 1e-2 and max(change["group"]) < 1e-5
