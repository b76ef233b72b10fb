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
# # 6. Porting a PyTorch model
#
# tinyconv's modules have torch's constructor arguments, attribute names and `state_dict`
# keys, so a model definition usually ports by changing its imports, and weights move both
# ways through NumPy. This tutorial ports a small network, moves weights torch → tinyconv →
# torch, and uses `tc.debug.compare_with_torch` to find a porting mistake the way you
# would in practice: by asking which module is the first to disagree.
#
# It needs PyTorch (CPU) next to tinyconv (`pip install torch`, or the `test` extra) and
# runs in a few seconds.

# %%
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
import torch

import tinyconv as tc

FIGURES = os.environ.get("TINYCONV_FIGURES", "figures")
os.makedirs(FIGURES, exist_ok=True)
torch.manual_seed(0)
tc.manual_seed(0)

# %% [markdown]
# ## One definition, two frameworks
#
# The model is written once, as a function of the `nn` namespace it is built from. Called
# with `torch.nn` it is a PyTorch model; with `tinyconv.nn`, a tinyconv one. Nothing else
# changes: that is the point of following torch's API exactly.

# %%
def define_net(nn):
    class Net(nn.Module):
        def __init__(self, num_classes=10, momentum=0.1, negative_slope=0.01):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8, momentum=momentum),
                nn.LeakyReLU(negative_slope), nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16, momentum=momentum),
                nn.LeakyReLU(negative_slope), nn.AdaptiveAvgPool2d((4, 4)))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.0),
                                            nn.Linear(16 * 4 * 4, num_classes))

        def forward(self, x):
            return self.classifier(self.features(x))
    return Net


TorchNet = define_net(torch.nn)
TinyNet = define_net(tc.nn)
torch_model = TorchNet().double()
model = TinyNet().double()
print("same state_dict keys:", list(torch_model.state_dict()) == list(model.state_dict()))

# %% [markdown]
# ## Weights from torch to tinyconv
#
# A state dict maps the same keys to arrays of the same shapes on both sides, so the copy is
# one dictionary comprehension through NumPy (`detach()` first: a parameter that requires
# grad has no `.numpy()` in either framework).

# %%
state = {k: tc.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
model.load_state_dict(state)

rng = np.random.default_rng(0)
x = rng.standard_normal((8, 1, 28, 28))
y = rng.integers(0, 10, size=8)
torch_model.eval()
model.eval()
with torch.no_grad(), tc.no_grad():
    out_torch = torch_model(torch.from_numpy(x)).numpy()
    out_tc = model(tc.tensor(x)).numpy()
print("eval-mode logits, max abs difference:", np.abs(out_torch - out_tc).max())
assert np.allclose(out_torch, out_tc, atol=1e-12)

# %% [markdown]
# ## `compare_with_torch`: every module, forward and backward
#
# Equal logits on one batch in eval mode are a weak check: batch norm in training mode,
# the running statistics it updates, and the gradients can still differ.
# `tc.debug.compare_with_torch` copies the torch weights in, runs both models on a batch
# with hooks on every module (matched by name), backpropagates the loss on both sides, and
# compares every activation, running statistic and gradient.

# %%
torch_model.train()
model.train()
report = tc.debug.compare_with_torch(model, torch_model, x, y)
print(report)
assert report.ok

# %% [markdown]
# ## Finding a porting mistake
#
# Now a port with two classic mistakes, of the kind made when translating a model from
# another codebase rather than from torch: batch norm's `momentum=0.9` (CS231n's
# convention, where the momentum weights the *old* running value; torch's and tinyconv's
# weight the new one), and a LeakyReLU slope of 0.1 instead of 0.01.

# %%
buggy = TinyNet(momentum=0.9, negative_slope=0.1).double()
bad_report = tc.debug.compare_with_torch(buggy, torch_model, x, y)
print(bad_report)
assert not bad_report.ok and bad_report.first.module == "features.1"
assert any(d.module == "features.2" for d in bad_report.divergences)

# %% [markdown]
# The report names the first quantity that disagrees, in execution order: the running
# mean that `features.1` (the first batch norm) updates with the wrong momentum. Its hint
# says which hyper-parameter differs from torch's module and explains the convention. The
# next line is the output of `features.2`, the LeakyReLU with the wrong slope; everything
# after it differs because its input does.
#
# Under the hood this is forward hooks, which both frameworks have with the same
# signature. Here is the same idea by hand: record every module's output on both sides,
# and plot how far apart they are, for the correct port and for the buggy one.

# %%
def module_outputs(net, x_in):
    outputs, handles = {}, []
    for name, module in net.named_modules():
        if name and not list(module.children()):             # leaf modules only
            def hook(mod, inputs, output, name=name):
                outputs[name] = output.detach().numpy().copy()
            handles.append(module.register_forward_hook(hook))
    net(x_in)
    for h in handles:
        h.remove()
    return outputs


torch_model.eval()
reference = module_outputs(torch_model, torch.from_numpy(x))
# the comparisons above ran torch_model in training mode, which updated its running
# statistics: copy its current state
state = {k: tc.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
differences = {}
for label, net in [("correct port", model), ("buggy port", buggy)]:
    net.load_state_dict(state)
    net.eval()
    with tc.no_grad():
        outputs = module_outputs(net, tc.tensor(x))
    differences[label] = [float(np.abs(outputs[k] - reference[k]).max()) for k in reference]

names = list(reference)
fig, ax = plt.subplots(figsize=(9, 3.5))
positions = np.arange(len(names))
for shift, (label, values) in zip((-0.2, 0.2), differences.items()):
    ax.bar(positions + shift, np.maximum(values, 1e-17), width=0.4, label=label)
ax.set_xticks(positions)
ax.set_xticklabels(names, rotation=45, ha="right", fontsize=8)
ax.set_yscale("log")
ax.set_ylabel("max |tinyconv - torch|")
ax.set_title("each module's output against torch's (float64, eval mode)")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "06_divergence.png"), dpi=100)

# %% [markdown]
# The correct port agrees to rounding (1e-15 in float64) at every module. The buggy one
# departs at the first LeakyReLU and stays off from there on; in eval mode its momentum
# mistake is invisible (momentum only changes how the running averages are updated during
# training), which is why `compare_with_torch` runs the models in training mode too.
#
# ## Weights from tinyconv back to torch
#
# Train the tinyconv model for a few steps, then load its state dict into a fresh torch
# model: the two now compute the same function. `tc.save` writes the state dict to a file
# (NumPy arrays and JSON, no pickle); `tc.load` reads it back.

# %%
model.train()
opt = tc.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for _ in range(5):
    loss = tc.nn.functional.cross_entropy(model(tc.tensor(x)), tc.tensor(y))
    opt.zero_grad()
    loss.backward()
    opt.step()

checkpoint = os.path.join(tempfile.mkdtemp(), "ported.tc")
tc.save(model.state_dict(), checkpoint)
loaded = tc.load(checkpoint)
back = TorchNet().double()
back.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in loaded.items()})
back.eval()
model.eval()
with torch.no_grad(), tc.no_grad():
    diff = np.abs(back(torch.from_numpy(x)).numpy() - model(tc.tensor(x)).numpy()).max()
print("after training in tinyconv, torch with the copied weights differs by", diff)
assert diff < 1e-12
