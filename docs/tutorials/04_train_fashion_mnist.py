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
# # 4. Build and train a ConvNet on Fashion-MNIST
#
# Fashion-MNIST is ten classes of 28x28 grey clothing images (Zalando's drop-in replacement
# for MNIST digits, and much harder to get to 99%). This tutorial builds a small ConvNet,
# checks that it can **overfit a small batch** (the first thing to do with any new model:
# if it cannot drive the loss of 50 images to zero, something is wrong with the model, the
# loss or the optimizer, and training on more data will not reveal what), then trains it
# and looks at the learning curves and the first layer's filters.
#
# To run in under two minutes on two cores it trains on **a subset: 8,000 of the 60,000
# training images, for 3 epochs**, and evaluates on 2,000 of the 10,000 test images. That
# reaches about 87% test accuracy; `examples/train.py` trains LeNet-5 on everything to 91%.
#
# The data is read from Debian's `dataset-fashion-mnist` package
# (`/usr/share/datasets/fashion-mnist`), which the README's first command installs.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

import tinyconv as tc
import tinyconv.nn as nn
import tinyconv.nn.functional as F
from tinyconv import transforms as T
from tinyconv.utils.data import DataLoader, Subset

FIGURES = os.environ.get("TINYCONV_FIGURES", "figures")
os.makedirs(FIGURES, exist_ok=True)
tc.manual_seed(0)

# %% [markdown]
# ## The data
#
# `ToTensor` turns the uint8 images into float32 tensors in [0, 1] of shape (1, 28, 28);
# `Normalize` subtracts the training set's mean pixel (0.286) and divides by its standard
# deviation (0.353), so the inputs are centred, which makes the first layer's job easier.

# %%
transform = T.Compose([T.ToTensor(), T.Normalize((0.286,), (0.353,))])
train_full = tc.datasets.FashionMNIST(train=True, transform=transform)
test_full = tc.datasets.FashionMNIST(train=False, transform=transform)
classes = train_full.classes
rng = np.random.default_rng(0)
train_set = Subset(train_full, rng.permutation(len(train_full))[:8000].tolist())
test_set = Subset(test_full, rng.permutation(len(test_full))[:2000].tolist())
print(train_full)
print(f"using {len(train_set)} training and {len(test_set)} test images")

fig, axes = plt.subplots(2, 8, figsize=(10, 3))
for ax, i in zip(axes.flat, range(16)):
    image, label = train_set[i]
    ax.imshow(image.numpy()[0], cmap="gray")
    ax.set_title(classes[label], fontsize=8)
    ax.axis("off")
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "04_samples.png"), dpi=100)

# %% [markdown]
# ## The model
#
# Two blocks of convolution, batch norm, ReLU and 2x2 max pooling (28 → 14 → 7), then a
# linear classifier. `tc.utils.summary` prints each layer's output shape, parameters and
# FLOPs, which is the quickest way to get the `Linear` layer's input size right.

# %%
def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


model = make_model()
print(tc.utils.summary(model, (1, 28, 28)))

# %% [markdown]
# ## Sanity check: overfit 50 images
#
# Without regularisation, a model with 9,000 parameters should memorise 50 images within
# a hundred steps: training loss near zero, 100% training accuracy. (The loss at step 0
# should also be near ln 10 = 2.30, the loss of a uniform guess over ten classes.)

# %%
small_x, small_y = next(iter(DataLoader(train_set, batch_size=50, shuffle=True, seed=1)))
tiny_model = make_model()
opt = tc.optim.Adam(tiny_model.parameters(), lr=3e-3)
overfit_losses = []
for _ in range(100):
    loss = F.cross_entropy(tiny_model(small_x), small_y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    overfit_losses.append(loss.item())
tiny_model.eval()
with tc.no_grad():
    train_acc = (tiny_model(small_x).argmax(1) == small_y).float().mean().item()
print(f"loss at step 0: {overfit_losses[0]:.3f} (ln 10 = {np.log(10):.3f}); "
      f"after 100 steps: {overfit_losses[-1]:.4f}; accuracy on the 50 images: {train_acc:.0%}")
assert train_acc == 1.0 and overfit_losses[-1] < 0.05

fig, ax = plt.subplots(figsize=(5, 3))
ax.semilogy(overfit_losses)
ax.set_xlabel("step")
ax.set_ylabel("training loss (log)")
ax.set_title("overfitting 50 images")
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "04_overfit.png"), dpi=100)

# %% [markdown]
# ## Training
#
# Adam with a cosine learning-rate schedule, batches of 64, shuffled with a fixed seed.
# `model.train()` makes batch norm use the batch's statistics (and update its running
# averages); `model.eval()` makes it use the running averages, for evaluation.

# %%
def evaluate(model, loader):
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    with tc.no_grad():
        for x, y in loader:
            out = model(x)
            loss_sum += F.cross_entropy(out, y, reduction="sum").item()
            correct += int((out.argmax(1) == y).sum().item())
            total += len(y)
    return loss_sum / total, correct / total


epochs = 3
train_loader = DataLoader(train_set, batch_size=64, shuffle=True, seed=0)
test_loader = DataLoader(test_set, batch_size=500)
model = make_model()
opt = tc.optim.Adam(model.parameters(), lr=2e-3)
sched = tc.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * len(train_loader))
history = {"step_loss": [], "epoch_test_loss": [], "epoch_test_acc": [], "epoch_train_acc": []}
start = time.perf_counter()
for epoch in range(epochs):
    model.train()
    correct = 0
    for x, y in train_loader:
        out = model(x)
        loss = F.cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        history["step_loss"].append(loss.item())
        correct += int((out.argmax(1) == y).sum().item())
    test_loss, test_acc = evaluate(model, test_loader)
    history["epoch_train_acc"].append(correct / len(train_set))
    history["epoch_test_loss"].append(test_loss)
    history["epoch_test_acc"].append(test_acc)
    print(f"epoch {epoch + 1}: train acc {correct / len(train_set):.3f}, "
          f"test loss {test_loss:.3f}, test acc {test_acc:.3f} "
          f"({time.perf_counter() - start:.0f} s)")
assert history["epoch_test_acc"][-1] > 0.8

# %% [markdown]
# ## Learning curves
#
# The training loss per step is noisy (each is one batch of 64); its running mean, and the
# test loss after each epoch, tell the story. Training accuracy above test accuracy is the
# start of overfitting; with 8,000 images it shows early.

# %%
steps_per_epoch = len(train_loader)
losses = np.array(history["step_loss"])
smooth = np.convolve(losses, np.ones(20) / 20, mode="valid")
epoch_ends = steps_per_epoch * np.arange(1, epochs + 1)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(losses, alpha=0.3, label="training loss (per batch)")
axes[0].plot(np.arange(19, len(losses)), smooth, label="running mean of 20")
axes[0].plot(epoch_ends, history["epoch_test_loss"], "o-", label="test loss")
axes[0].set_xlabel("step")
axes[0].set_ylim(0, 1.5)
axes[0].legend()
axes[1].plot(range(1, epochs + 1), history["epoch_train_acc"], "o-", label="train")
axes[1].plot(range(1, epochs + 1), history["epoch_test_acc"], "o-", label="test")
axes[1].set_xlabel("epoch")
axes[1].set_ylabel("accuracy")
axes[1].legend()
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "04_curves.png"), dpi=100)

# %% [markdown]
# ## First-layer filters
#
# The eight 3x3 filters of the first convolution, each scaled to its own range. Even after
# three short epochs they are edge and gradient detectors at various orientations: the
# same structure every image ConvNet learns first.

# %%
weights = model[0].weight.detach().numpy()[:, 0]           # (8, 3, 3)
fig, axes = plt.subplots(1, 8, figsize=(8, 1.6))
for ax, w in zip(axes.flat, weights):
    ax.imshow((w - w.min()) / (w.max() - w.min() + 1e-12), cmap="gray")
    ax.axis("off")
fig.suptitle("conv1 filters")
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "04_filters.png"), dpi=100)

# %% [markdown]
# Save the weights with `tc.save(model.state_dict(), "fashion.tc")` and load them back with
# `model.load_state_dict(tc.load("fashion.tc"))`; the keys and shapes are torch's, so
# [tutorial 6](06_porting_from_torch.py) can move them to PyTorch.
