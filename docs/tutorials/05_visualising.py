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
# # 5. Visualising what a network learned
#
# Backpropagation gives the gradient of a class score with respect to *anything* in the
# graph, the input image included. Three classic pictures come from that one fact
# (CS231n's "Network visualization" assignment):
#
# - **saliency maps** (Simonyan et al., 2014): the gradient of the score with respect to
#   the pixels: which pixels would change the decision most;
# - **class visualisation** by gradient *ascent* on the input: start from a blank image and
#   change it to increase one class's score;
# - **Grad-CAM** (Selvaraju et al., 2017): weight the last convolutional feature maps by the
#   average gradient of the class score flowing into them, to see *where* the evidence is.
#
# We first train a small ConvNet on **a subset of Fashion-MNIST: 8,000 images for two
# epochs** (about 85% test accuracy; enough for meaningful pictures), so the whole tutorial
# runs in under two minutes on two cores.

# %%
import os

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
MEAN, STD = 0.286, 0.353

# %% [markdown]
# ## A model with a handle on its last feature maps
#
# Grad-CAM needs the activations of the last convolution block and their gradient, so the
# model keeps its `features` (two conv blocks, ending at 14x14 with 16 channels) apart from
# its `head` (pooling and the classifier).

# %%
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.head = nn.Sequential(nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 7 * 7, 10))

    def forward(self, x):
        return self.head(self.features(x))


transform = T.Compose([T.ToTensor(), T.Normalize((MEAN,), (STD,))])
train_full = tc.datasets.FashionMNIST(train=True, transform=transform)
test_full = tc.datasets.FashionMNIST(train=False, transform=transform)
classes = train_full.classes
rng = np.random.default_rng(0)
train_set = Subset(train_full, rng.permutation(len(train_full))[:8000].tolist())
test_set = Subset(test_full, rng.permutation(len(test_full))[:1000].tolist())

model = Net()
opt = tc.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(2):
    model.train()
    for x, y in DataLoader(train_set, batch_size=64, shuffle=True, seed=epoch):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
model.eval()
test_x, test_y = next(iter(DataLoader(test_set, batch_size=len(test_set))))
with tc.no_grad():
    accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
print(f"test accuracy on {len(test_set)} images: {accuracy:.3f}")
assert accuracy > 0.75

# %% [markdown]
# The rest works on one example of each class from the test images. The model stays in
# `eval()` mode (batch norm uses its running statistics) and its parameters are frozen, so
# gradients flow to the input only.

# %%
for p in model.parameters():
    p.requires_grad_(False)
labels = test_y.numpy()
picks = [int(np.flatnonzero(labels == c)[0]) for c in range(10)]
images = test_x[tc.tensor(picks)]                          # (10, 1, 28, 28)
targets = tc.arange(10)


def show(img):
    """A normalised image back to [0, 1] pixels."""
    return np.clip(img * STD + MEAN, 0, 1)


# %% [markdown]
# ## Saliency maps
#
# Take the score of the correct class (before the softmax), backpropagate it to the
# pixels, and plot the absolute value of the gradient.

# %%
x = images.detach().requires_grad_()
scores = model(x)
scores[tc.arange(10), targets].sum().backward()            # one backward for all ten images
saliency = x.grad.abs().numpy()[:, 0]                      # (10, 28, 28)

fig, axes = plt.subplots(2, 10, figsize=(14, 3.2))
for i in range(10):
    axes[0, i].imshow(show(images[i, 0].numpy()), cmap="gray")
    axes[0, i].set_title(classes[i], fontsize=8)
    axes[1, i].imshow(saliency[i], cmap="hot")
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("saliency: |d score / d pixel|")
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "05_saliency.png"), dpi=100)

# %% [markdown]
# The gradient is large on the outline and on the parts that tell the class apart: the
# gap between trouser legs, sleeves, the sole of a shoe.
#
# ## Class visualisation by gradient ascent
#
# Start from a black image (the background of every training image) and repeatedly step
# *up* the gradient of one class's score. Left alone, the ascent finds high-frequency
# patterns no garment has; three regularisers keep it near natural images: an L2 penalty
# that pulls every pixel back to black, a small random shift (jitter) before each step, and
# a light blur every few steps (a 3x3 binomial filter, applied with `F.conv2d`). All ten
# classes are optimised at once, as one batch.

# %%
black = -MEAN / STD                                        # a black pixel, normalised
blur = tc.tensor(np.outer([1, 2, 1], [1, 2, 1]).astype(np.float32)[None, None] / 16.0)
canvas = np.full((10, 1, 28, 28), black, dtype=np.float32)
step_rng = np.random.default_rng(1)
l2, lr = 3e-2, 0.1
for step in range(150):
    dy, dx = step_rng.integers(-1, 2, size=2)
    canvas = np.roll(canvas, (dy, dx), axis=(2, 3))          # jitter
    x = tc.tensor(canvas, requires_grad=True)
    objective = model(x)[tc.arange(10), targets].sum() - l2 * ((x - black) ** 2).sum()
    objective.backward()
    g = x.grad.numpy()
    rms = np.sqrt((g ** 2).mean(axis=(1, 2, 3), keepdims=True)) + 1e-12
    canvas = np.roll(canvas + lr * g / rms, (-dy, -dx), axis=(2, 3))  # a normalised step
    if step % 4 == 3:
        canvas = black + F.conv2d(tc.tensor(canvas - black), blur, padding=1).numpy()
    canvas = np.clip(canvas, black, (1 - MEAN) / STD)        # stay a valid image
with tc.no_grad():
    probs = F.softmax(model(tc.tensor(canvas)), dim=1).numpy()

fig, axes = plt.subplots(1, 10, figsize=(14, 1.9))
for i, ax in enumerate(axes):
    c = canvas[i, 0]
    ax.imshow((c - c.min()) / (c.max() - c.min() + 1e-12), cmap="gray")  # own contrast
    ax.set_title(f"{classes[i]}\np={probs[i, i]:.2f}", fontsize=8)
    ax.axis("off")
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "05_class_visualisation.png"), dpi=100)
print("probability of the target class:", np.round(probs[np.arange(10), np.arange(10)], 3))
assert probs[np.arange(10), np.arange(10)].mean() > 0.5

# %% [markdown]
# The images are not clothes, but they hold the strokes the model looks for (two legs for
# trousers, sleeves for a T-shirt, a wide body with a handle for a bag), and the model
# classifies each with high confidence. Stronger regularisers give smoother, more
# garment-like pictures at a lower score: the trade-off is the point of the exercise.
#
# ## Grad-CAM
#
# Grad-CAM needs the last feature maps `A` (16 maps of 14x14) and the gradient of the class
# score with respect to them. Each map's weight is its average gradient; the class
# activation map is `relu(sum_k weight_k * A_k)`, upsampled to the image size.
#
# Both come from hooks on the `features` module, as in PyTorch: a forward hook keeps its output
# `A`, a full backward hook receives the gradient with respect to that output
# (`grad_output[0]`) when the class scores are backpropagated. The parameters are frozen, so
# the input records the graph (`requires_grad_()`): the backward hook then fires once the
# gradient reaches the module's input.

# %%
store = {}
hooks = [model.features.register_forward_hook(lambda m, args, out: store.update(A=out)),
         model.features.register_full_backward_hook(
             lambda m, grad_input, grad_output: store.update(dA=grad_output[0]))]
x = images.detach().requires_grad_()      # the parameters are frozen: record from the input
scores = model(x)
predicted = scores.argmax(1)
scores[tc.arange(10), predicted].sum().backward()
for h in hooks:
    h.remove()
activations, gradients = store["A"], store["dA"]            # (10, 16, 14, 14) each
weights = gradients.mean(dim=(2, 3), keepdim=True)         # (10, 16, 1, 1)
cam = F.relu((weights * activations).sum(dim=1, keepdim=True))
cam = F.interpolate(cam, size=(28, 28), mode="bilinear", align_corners=False)
cam = cam.detach().numpy()[:, 0]                           # (10, 28, 28)
cam = cam / (cam.max(axis=(1, 2), keepdims=True) + 1e-12)  # each map to [0, 1]

fig, axes = plt.subplots(2, 10, figsize=(14, 3.4))
for i in range(10):
    axes[0, i].imshow(show(images[i, 0].numpy()), cmap="gray")
    axes[0, i].set_title(f"{classes[i]}\n-> {classes[int(predicted[i].item())]}", fontsize=7)
    axes[1, i].imshow(show(images[i, 0].numpy()), cmap="gray")
    axes[1, i].imshow(cam[i], cmap="jet", alpha=0.5)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("Grad-CAM for the predicted class (true -> predicted)")
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "05_gradcam.png"), dpi=100)
assert np.isfinite(cam).all() and cam.max() > 0

# %% [markdown]
# The maps are coarse (the feature maps are 14x14) but point at the discriminative parts,
# and where the model is wrong they show what misled it.
