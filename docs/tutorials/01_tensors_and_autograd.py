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
# # 1. Tensors and autograd from scratch
#
# Every deep-learning framework rests on one idea: record the operations of the forward
# pass as a graph, then walk the graph backwards applying the chain rule. This tutorial
# builds that idea from nothing in about forty lines, then shows the same machinery in
# tinyconv, and ends with a picture of a graph tinyconv recorded.
#
# It runs in a few seconds on two cores.

# %%
import math
import os

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Image

import tinyconv as tc
import tinyconv.nn as nn
import tinyconv.nn.functional as F

FIGURES = os.environ.get("TINYCONV_FIGURES", "figures")
os.makedirs(FIGURES, exist_ok=True)

# %% [markdown]
# ## A scalar autograd engine
#
# A `Value` holds a number, the values it was computed from, and a function that, given the
# gradient of the final result with respect to this value, adds the right share to each
# parent's gradient. That function is the *local* chain rule: for `c = a * b`,
# `dL/da += dL/dc * b` and `dL/db += dL/dc * a`.

# %%
class Value:
    def __init__(self, data, parents=(), op=""):
        self.data, self.grad = float(data), 0.0
        self.parents, self.op = parents, op
        self.backward_fn = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def backward_fn():
            self.grad += out.grad
            other.grad += out.grad
        out.backward_fn = backward_fn
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def backward_fn():
            self.grad += out.grad * other.data
            other.grad += out.grad * self.data
        out.backward_fn = backward_fn
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def backward_fn():
            self.grad += out.grad * (1.0 - t * t)
        out.backward_fn = backward_fn
        return out

    def backward(self):
        # order the graph so that every node comes after everything it feeds (iteratively:
        # a deep graph must not hit Python's recursion limit), then apply the chain rule
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents)
        self.grad = 1.0
        for node in reversed(order):
            node.backward_fn()


# %% [markdown]
# A neuron `y = tanh(w1*x1 + w2*x2 + b)`, differentiated by the engine, and checked
# against central finite differences:

# %%
def neuron(w1, w2, b, x1=0.5, x2=-1.5):
    return (w1 * x1 + w2 * x2 + b).tanh()


w1, w2, b = Value(0.3), Value(-0.8), Value(0.1)
y = neuron(w1, w2, b)
y.backward()
print(f"y = {y.data:.6f}; dy/dw1 = {w1.grad:.6f}, dy/dw2 = {w2.grad:.6f}, dy/db = {b.grad:.6f}")

def numeric_grad(i, eps=1e-6):
    args = [0.3, -0.8, 0.1]
    plus = [Value(v + (eps if j == i else 0.0)) for j, v in enumerate(args)]
    minus = [Value(v - (eps if j == i else 0.0)) for j, v in enumerate(args)]
    return (neuron(*plus).data - neuron(*minus).data) / (2 * eps)


numeric = [numeric_grad(i) for i in range(3)]
print("finite differences:", [f"{g:.6f}" for g in numeric])
assert np.allclose([w1.grad, w2.grad, b.grad], numeric, atol=1e-8)

# %% [markdown]
# ## The same idea on tensors
#
# tinyconv does exactly this, with two differences that make it fast: each node is a whole
# array operation (a convolution, a matrix product) whose backward is written once with
# NumPy or a compiled kernel, and the graph is only recorded for tensors that
# `requires_grad`. The API is PyTorch's.

# %%
x = tc.tensor([[0.5, -1.5]])                      # a batch of one input, shape (1, 2)
w = tc.tensor([[0.3], [-0.8]], requires_grad=True)  # (2, 1)
b = tc.tensor([0.1], requires_grad=True)
y = tc.tanh(x @ w + b)
y.sum().backward()
print("y =", y.item(), "| w.grad =", w.grad.numpy().ravel(), "| b.grad =", b.grad.numpy())
assert np.allclose(w.grad.numpy().ravel(), [numeric[0], numeric[1]], atol=1e-6)

# %% [markdown]
# Tensors broadcast like NumPy arrays, and gradients are summed back to each input's shape.
# Gradients *accumulate* in `.grad` until you reset them, which is why training loops call
# `optimizer.zero_grad()`:

# %%
a = tc.ones(3, requires_grad=True)
(a * tc.tensor([[1.0], [2.0]])).sum().backward()   # a is broadcast over 2 rows
print("after one backward:", a.grad)
(a * 10.0).sum().backward()
print("after another one: ", a.grad, "(accumulated)")
a.grad = None

# %% [markdown]
# Inside `tc.no_grad()` nothing is recorded (evaluation, parameter updates), `detach()` cuts a
# tensor from its history, and `retain_grad()` keeps the gradient of an intermediate tensor,
# which is normally freed:

# %%
with tc.no_grad():
    z = a * 2
print("recorded under no_grad?", z.requires_grad)

h = a * 3
h.retain_grad()
(h ** 2).sum().backward()
print("dL/dh =", h.grad, " dL/da =", a.grad)

# %% [markdown]
# ## Learning with autograd: a line through noisy points
#
# Gradient descent by hand, with the update under `no_grad` and in place (`sub_`), so the
# parameters stay the same leaf tensors:

# %%
tc.manual_seed(0)
xs = tc.linspace(-1, 1, 50).reshape(50, 1)
ys = 2.5 * xs - 0.7 + 0.2 * tc.randn(50, 1)
slope, offset = tc.zeros(1, requires_grad=True), tc.zeros(1, requires_grad=True)
losses = []
for _ in range(100):
    loss = ((xs * slope + offset - ys) ** 2).mean()
    loss.backward()
    with tc.no_grad():
        slope.sub_(0.1 * slope.grad)
        offset.sub_(0.1 * offset.grad)
    slope.grad, offset.grad = None, None
    losses.append(loss.item())
print(f"slope {slope.item():.3f} (true 2.5), offset {offset.item():.3f} (true -0.7)")

fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
axes[0].scatter(xs.numpy(), ys.numpy(), s=10, label="data")
axes[0].plot(xs.numpy(), (xs * slope + offset).detach().numpy(), "r", label="fit")
axes[0].legend()
axes[0].set_title("least squares by gradient descent")
axes[1].plot(losses)
axes[1].set_yscale("log")
axes[1].set_xlabel("step")
axes[1].set_title("loss")
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "01_line_fit.png"), dpi=100)

# %% [markdown]
# ## A picture of a recorded graph
#
# Every tensor produced by an op on tensors that require grad has a `grad_fn`: the node that
# will compute its backward. Each node's `next` lists, per input, the node that produced it
# or the leaf tensor that will receive the gradient. `tc.utils.draw_graph` walks that graph
# (in the spirit of torchviz): parameters in blue, ops in grey, the loss in green. It gives
# Graphviz DOT text always, and a picture through Graphviz's `dot` when it is installed, or
# through matplotlib otherwise.

# %%
tc.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
images, labels = tc.randn(2, 1, 8, 8), tc.tensor([0, 2])
loss = F.cross_entropy(model(images), labels)
print("loss.grad_fn:", loss.grad_fn, "->", loss.grad_fn.next)

graph = tc.utils.draw_graph(loss, params=dict(model.named_parameters()))
print(graph.source[:300], "...")
graph_png = graph.render(os.path.join(FIGURES, "01_graph.png"))

# %%
Image(filename=graph_png)

# %% [markdown]
# Read it from the top: the input batch needs no gradient and is not drawn; the convolution
# uses `0.weight` and `0.bias`, batch norm its affine parameters, and so on down to the loss.
# `loss.backward()` walks these arrows in reverse.
#
# ## Checking a gradient
#
# Whenever you write a new backward rule, compare it with finite differences.
# `tc.gradcheck` does it in float64 for every input element:

# %%
xg = tc.randn(2, 3, 5, 5, dtype=tc.float64, requires_grad=True)
wg = tc.randn(4, 3, 3, 3, dtype=tc.float64, requires_grad=True)
print("conv2d gradients match finite differences:",
      tc.gradcheck(lambda x, w: F.conv2d(x, w, padding=1), (xg, wg)))
