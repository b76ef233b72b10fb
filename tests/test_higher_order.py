"""Higher-order gradients end to end, side by side with torch on the same program (float64):
``create_graph=True`` through models, a third derivative, a MAML inner step, gradient
penalties (an MLP and a ConvNet critic), Hessian-vector products (an MLP and LeNet-5), second
and third derivatives through the layers in train and eval mode, and ``autograd.functional``
(vjp, jvp, hvp, vhp, jacobian, hessian) with torch's signatures, result structure and errors.
Each program is written once against a namespace ``lib`` (torch or tinyconv), as a user's
script would be."""
import importlib.util
import os

import numpy as np
import pytest
import torch

import tinyconv as tc

# the torch twins of tinyconv.models (same state_dict keys), as tests/test_models.py loads them
_spec = importlib.util.spec_from_file_location(
    "train_fashion_torch",
    os.path.join(os.path.dirname(__file__), "..", "benchmarks", "train_fashion_torch.py"))
zoo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zoo)

LIBS = (torch, tc)
RTOL = 1e-8


def close(a, b, rtol=RTOL):
    """Relative agreement of two tensors (tinyconv, torch) or of nested tuples of them."""
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b), (type(a), type(b))
        for x, y in zip(a, b):
            close(x, y, rtol)
        return
    x = np.asarray(a.detach().numpy())
    y = np.asarray(b.detach().numpy())
    assert x.shape == y.shape, (x.shape, y.shape)
    scale = max(1.0, float(np.abs(y).max()) if y.size else 1.0)
    np.testing.assert_allclose(x, y, rtol=0, atol=rtol * scale)


def twins(build, seed=0):
    """The same float64 model in tinyconv and torch (torch's initial weights copied)."""
    torch.manual_seed(seed)
    tm = build(torch).double()
    cm = build(tc).double()
    load_from_torch(cm, tm)
    return cm, tm


def load_from_torch(cm, tm):
    """Copy a torch model's state (parameters and buffers) into its tinyconv twin."""
    cm.load_state_dict({k: tc.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def mlp(lib, sizes=(5, 6, 2), act="tanh"):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(lib.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append({"tanh": lib.nn.Tanh, "relu": lib.nn.ReLU, "gelu": lib.nn.GELU,
                           "sigmoid": lib.nn.Sigmoid}[act]())
    return lib.nn.Sequential(*layers)


def soft_nll(lib, logits, target_onehot):
    """Cross-entropy written with log_softmax (a loss every lib differentiates twice)."""
    return -(lib.nn.functional.log_softmax(logits, dim=1) * target_onehot).sum(1).mean()


def data(n=8, d=5, k=2, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = np.eye(k)[rng.integers(0, k, n)]
    return x, y


def on(lib, *arrays):
    return [lib.tensor(a) for a in arrays]


# ------------------------------------------------------------------ derivatives of models
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "gelu", "relu"])
def test_third_derivative_of_an_mlp_matches_torch(act):
    cm, tm = twins(lambda lib: mlp(lib, (3, 4, 1), act))
    res = []
    for lib, m in zip(LIBS, (tm, cm)):
        x = lib.tensor(np.linspace(-1.5, 1.2, 6).reshape(2, 3), requires_grad=True)
        y = m(x).sum()
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad((g1 * g1).sum(), x, create_graph=True)
        (g3,) = lib.autograd.grad((g2 ** 2).sum(), x, create_graph=True)
        (w3,) = lib.autograd.grad(g3.sum(), m[0].weight)
        res.append((g1, g2, g3, w3))
    close(res[1], res[0])


def test_maml_inner_step_matches_torch():
    cm, tm = twins(lambda lib: mlp(lib, (5, 8, 2), "tanh"))
    xs, ys = data(6, seed=2)
    xq, yq = data(6, seed=3)
    grads = []
    for lib, m in zip(LIBS, (tm, cm)):
        F = lib.nn.functional
        params = dict(m.named_parameters())
        loss = soft_nll(lib, m(lib.tensor(xs)), lib.tensor(ys))
        g = lib.autograd.grad(loss, list(params.values()), create_graph=True)
        fast = {k: p - 0.4 * gi for (k, p), gi in zip(params.items(), g)}
        h = F.tanh(F.linear(lib.tensor(xq), fast["0.weight"], fast["0.bias"]))
        out = F.linear(h, fast["2.weight"], fast["2.bias"])
        meta = soft_nll(lib, out, lib.tensor(yq))
        meta.backward()
        grads.append([meta] + [p.grad for p in params.values()])
    close(grads[1], grads[0])


def _wgan_gp_steps(models, real, fake, eps):
    """Two Adam steps of each critic (torch's, then tinyconv's) with the gradient penalty on
    interpolates; per library, per step: [loss, penalty, every parameter after the step]."""
    trace = []
    for lib, m in zip(LIBS, models):
        opt = lib.optim.Adam(m.parameters(), lr=1e-2, betas=(0.5, 0.9))
        steps = []
        for _ in range(2):
            r, f, e = on(lib, real, fake, eps)
            xhat = (e * r + (1 - e) * f).requires_grad_(True)
            (g,) = lib.autograd.grad(m(xhat).sum(), xhat, create_graph=True)
            gp = (((g * g).flatten(1).sum(1).sqrt() - 1) ** 2).mean()
            loss = m(f).mean() - m(r).mean() + 10 * gp
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps.append([loss, gp] + [p.detach().clone() for p in m.parameters()])
        trace.append(steps)
    return trace


def test_wgan_gp_step_matches_torch():
    """Two critic steps with a gradient penalty on interpolates (the second step shows the
    penalty trained the weights, which a first-order-only engine would miss)."""
    cm, tm = twins(lambda lib: mlp(lib, (5, 16, 16, 1), "relu"), seed=3)
    real, _ = data(8, seed=4)
    fake, _ = data(8, seed=5)
    eps = np.random.default_rng(6).uniform(size=(8, 1))
    trace = _wgan_gp_steps((tm, cm), real, fake, eps)
    close(trace[1], trace[0])


def test_r1_penalty_matches_torch():
    cm, tm = twins(lambda lib: mlp(lib, (5, 12, 1), "gelu"), seed=7)
    real, _ = data(8, seed=8)
    grads = []
    for lib, m in zip(LIBS, (tm, cm)):
        x = lib.tensor(real, requires_grad=True)
        score = m(x)
        (g,) = lib.autograd.grad(score.sum(), x, create_graph=True)
        r1 = 5.0 * (g * g).sum(1).mean()
        loss = (-score).exp().add(1).log().mean() + r1  # softplus(-D(x)) + penalty
        loss.backward()
        grads.append([loss] + [p.grad for p in m.parameters()])
    close(grads[1], grads[0])


def test_hessian_of_a_fifty_parameter_loss_matches_torch():
    """functional.hessian over a flat 50-parameter vector (Linear 5->6, Linear 6->2)."""
    x, y = data(7, seed=9)
    theta = np.random.default_rng(10).standard_normal(50) * 0.5
    res = []
    for lib in LIBS:
        F = lib.nn.functional
        xt, yt = on(lib, x, y)

        def loss(t, F=F, xt=xt, yt=yt, lib=lib):
            w1, b1 = t[:30].reshape(6, 5), t[30:36]
            w2, b2 = t[36:48].reshape(2, 6), t[48:50]
            return soft_nll(lib, F.linear(F.tanh(F.linear(xt, w1, b1)), w2, b2), yt)

        res.append(lib.autograd.functional.hessian(loss, lib.tensor(theta)))
    assert tuple(res[1].shape) == (50, 50)
    close(res[1], res[0])


def test_hvp_through_a_model_matches_torch():
    cm, tm = twins(lambda lib: mlp(lib, (5, 6, 2), "sigmoid"), seed=11)
    x, y = data(5, seed=12)
    v = [np.random.default_rng(13 + i).standard_normal(tuple(p.shape))
         for i, p in enumerate(tm.parameters())]
    res = []
    for lib, m in zip(LIBS, (tm, cm)):
        params = list(m.parameters())
        loss = soft_nll(lib, m(lib.tensor(x)), lib.tensor(y))
        g = lib.autograd.grad(loss, params, create_graph=True)
        dot = sum((gi * lib.tensor(vi)).sum() for gi, vi in zip(g, v))
        res.append(lib.autograd.grad(dot, params))
    close(res[1], res[0])


# ------------------------------------------------------------------ convolutional models
def conv_critic(lib):
    """A WGAN-GP critic: strided convolutions, LeakyReLU, layer norm (the paper's choice: batch
    norm would couple the samples whose gradients the penalty treats one by one), linear."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.LayerNorm((16, 2, 2)), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(64, 1))


def test_wgan_gp_step_of_a_conv_critic_matches_torch():
    """Two Adam steps of a ConvNet critic with the penalty on interpolates: the losses, the
    penalties and every parameter compared after each step."""
    cm, tm = twins(conv_critic, seed=21)
    rng = np.random.default_rng(22)
    real = rng.standard_normal((6, 3, 8, 8))
    fake = 0.5 * rng.standard_normal((6, 3, 8, 8)) + 0.3
    eps = rng.uniform(size=(6, 1, 1, 1))
    trace = _wgan_gp_steps((tm, cm), real, fake, eps)
    assert float(trace[0][0][1].detach()) > 1e-3  # the penalty takes part
    close(trace[1], trace[0])


def test_hvp_of_lenet5_loss_matches_torch():
    """A Hessian-vector product of LeNet-5's cross-entropy with respect to all ten parameters
    (two convolutions, ReLU, max pooling, three linear layers); tinyconv.models.LeNet5 against
    its torch twin holding the same weights."""
    torch.manual_seed(23)
    tm = zoo.TorchLeNet5(1, 10, 28).double()
    cm = tc.models.LeNet5(1, 10, input_size=28).double()
    load_from_torch(cm, tm)
    rng = np.random.default_rng(24)
    x = rng.standard_normal((4, 1, 28, 28))
    y = rng.integers(0, 10, 4)
    vs = [rng.standard_normal(tuple(p.shape)) for p in tm.parameters()]
    res = []
    for lib, m in zip(LIBS, (tm, cm)):
        params = list(m.parameters())
        loss = lib.nn.functional.cross_entropy(m(lib.tensor(x)), lib.tensor(y))
        g = lib.autograd.grad(loss, params, create_graph=True)
        dot = sum((gi * lib.tensor(v)).sum() for gi, v in zip(g, vs))
        res.append([loss, *g, *lib.autograd.grad(dot, params)])
    assert len(res[1]) == 1 + 2 * 10
    close(res[1], res[0])


# ------------------------------------------------------------------ layers, train and eval
LAYERS = {
    "batch_norm": lambda nn: nn.BatchNorm2d(4),
    "group_norm": lambda nn: nn.GroupNorm(2, 4),
    "layer_norm": lambda nn: nn.LayerNorm((4, 6, 6)),
    "dropout": lambda nn: nn.Dropout(0.3),
    "max_pool": lambda nn: nn.MaxPool2d(2),
    "relu": lambda nn: nn.ReLU(),
    "leaky_relu": lambda nn: nn.LeakyReLU(0.1),
    "gelu": lambda nn: nn.GELU(),
    "gelu_tanh": lambda nn: nn.GELU(approximate="tanh"),
    "tanh": lambda nn: nn.Tanh(),
    "sigmoid": lambda nn: nn.Sigmoid(),
}
X = np.random.default_rng(30).standard_normal((4, 3, 6, 6))


class MaskMul(torch.nn.Module):
    """torch's stand-in for a training tinyconv Dropout: the mask tinyconv drew (the two
    libraries' random streams differ), applied as torch's dropout applies its own."""

    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def forward(self, x):
        return x * self.mask


def _sandwich(name, mode):
    """conv -> layer -> 1x1 conv twins in ``mode``, the layer's affine parameters and running
    statistics moved away from their initial values."""
    cm, tm = twins(lambda lib: lib.nn.Sequential(
        lib.nn.Conv2d(3, 4, 3, padding=1), LAYERS[name](lib.nn), lib.nn.Conv2d(4, 2, 1)), seed=31)
    rng = np.random.default_rng(32)
    with torch.no_grad():
        for k, v in tm[1].state_dict().items():
            if k in ("weight", "running_var"):
                v.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, tuple(v.shape))))
            elif k in ("bias", "running_mean"):
                v.copy_(torch.from_numpy(0.5 * rng.standard_normal(tuple(v.shape))))
    load_from_torch(cm, tm)
    cm.train(mode == "train")
    tm.train(mode == "train")
    return cm, tm


def _directions(tensors, seed=34):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(t.shape)) for t in tensors]


def _through(lib, m, third, x=X):
    """f = sum(c * tanh(m(x))), its gradients g with respect to x and the parameters, the
    gradients h of |g_x|^2 + <g_params, v> (a gradient penalty and a Hessian-vector product),
    and the buffers: ``(those, the gradients of <h, v> if third, <h, v>)``."""
    xt = lib.tensor(x, requires_grad=True)
    wrt = [xt] + list(m.parameters())
    out = m(xt)
    c = np.random.default_rng(33).standard_normal(tuple(out.shape))
    f = (out.tanh() * lib.tensor(c)).sum()
    g = lib.autograd.grad(f, wrt, create_graph=True)
    vs = [lib.tensor(v) for v in _directions(wrt)]
    penalty = (g[0] * g[0]).sum() + sum((gi * v).sum() for gi, v in zip(g[1:], vs[1:]))
    h = lib.autograd.grad(penalty, wrt, create_graph=third)
    hv = sum((hi * v).sum() for hi, v in zip(h, vs))
    third = list(lib.autograd.grad(hv, wrt)) if third else []
    return [f, *g, *h] + [b.detach().clone() for b in m.buffers()], third, hv


def _torch_hv_at(tm, d, e):
    """torch's <h, v> of ``_through`` with x and the parameters moved by e * d."""
    params = list(tm.parameters())
    saved = [p.detach().clone() for p in params]
    with torch.no_grad():
        for p, dp in zip(params, d[1:]):
            p.add_(torch.from_numpy(e * dp))
    try:
        return float(_through(torch, tm, False, X + e * d[0])[2].detach())
    finally:
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)


# torch's third derivative here is not the derivative of its second (its double backward of
# these norms treats some statistics as constants): checked against differences instead
TORCH_THIRD_DIFFERS = {("batch_norm", "train"), ("layer_norm", "train"), ("layer_norm", "eval")}


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_second_and_third_derivatives_through_a_layer_match_torch(name, mode):
    """Through each layer module in train and eval mode: the gradients, a gradient penalty's
    and Hessian-vector product's gradients and the running statistics against torch; the
    third derivatives against torch's, or, where torch's are not the derivatives of its second
    (TORCH_THIRD_DIFFERS), along a random direction against central differences of torch's
    second derivatives."""
    cm, tm = _sandwich(name, mode)
    if name == "dropout" and mode == "train":
        seen = []
        cm[1].register_forward_hook(lambda mod, inp, out: seen.append((inp[0], out)))
        got, got3, _ = _through(tc, cm, True)
        [(inp, out)] = seen
        inp, out = inp.detach().numpy(), out.detach().numpy()
        mask = (out != 0) * (1.0 / (1.0 - 0.3))
        assert 0.1 < (out == 0).mean() < 0.5 and np.all(inp != 0)
        np.testing.assert_array_equal(out, inp * mask)
        tm[1] = MaskMul(torch.from_numpy(mask))
    else:
        got, got3, _ = _through(tc, cm, True)
    torch_third = (name, mode) not in TORCH_THIRD_DIFFERS
    want, want3, _ = _through(torch, tm, torch_third)
    close(got, want)
    if torch_third:
        close(got3, want3)
        return
    d = _directions(got3, seed=36)
    e = 1e-5
    fd = (_torch_hv_at(tm, d, e) - _torch_hv_at(tm, d, -e)) / (2 * e)
    along = sum(float((t.numpy() * di).sum()) for t, di in zip(got3, d))
    assert abs(along - fd) <= 1e-6 * max(1.0, abs(fd)), (along, fd)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "max_pool", "dropout"])
def test_piecewise_linear_layers_have_a_zero_second_derivative(name):
    """The gradient of sum(c * layer(x)) does not change with x (a mask, a routing): its own
    gradient is zero where it is connected, in torch as in tinyconv."""
    for lib in LIBS:
        layer = LAYERS[name](lib.nn).train()
        x = lib.tensor(X, requires_grad=True)
        y = layer(x)
        c = lib.tensor(np.random.default_rng(35).standard_normal(tuple(y.shape)))
        (g,) = lib.autograd.grad((y * c).sum(), x, create_graph=True)
        assert np.abs(g.detach().numpy()).max() > 0.1
        if g.requires_grad:
            (h,) = lib.autograd.grad((g * g).sum(), x, allow_unused=True)
            assert h is None or not np.any(h.numpy()), (lib.__name__, name)


# ------------------------------------------------------------------ autograd.functional
A0 = np.random.default_rng(20).standard_normal((3, 4))
B0 = np.random.default_rng(21).standard_normal(4)


def f2(a, b):
    return (a @ b).tanh() * a.sum()


def scalar2(a, b):
    return ((a @ b).sigmoid() * a.exp().sum()).sum()


CASES = {
    "vjp": lambda lib: lib.autograd.functional.vjp(
        f2, (lib.tensor(A0), lib.tensor(B0)), lib.tensor(B0[:3])),
    "vjp-single": lambda lib: lib.autograd.functional.vjp(
        lambda a: a.exp().sum(), lib.tensor(A0)),
    "jvp": lambda lib: lib.autograd.functional.jvp(
        f2, (lib.tensor(A0), lib.tensor(B0)), (lib.tensor(A0 * 0.5), lib.tensor(B0))),
    "jvp-tuple-out": lambda lib: lib.autograd.functional.jvp(
        lambda a: (a.exp(), a.sum()), lib.tensor(A0), lib.tensor(A0)),
    "jacobian": lambda lib: lib.autograd.functional.jacobian(
        f2, (lib.tensor(A0), lib.tensor(B0))),
    "jacobian-single": lambda lib: lib.autograd.functional.jacobian(
        lambda a: a.tanh() * 3, lib.tensor(B0)),
    "jacobian-tuples": lambda lib: lib.autograd.functional.jacobian(
        lambda a, b: (a * b, (a @ b).exp()), (lib.tensor(A0), lib.tensor(B0))),
    "jacobian-tuple-out": lambda lib: lib.autograd.functional.jacobian(
        lambda a: (a.exp(), a.sum()), lib.tensor(A0)),
    "hessian": lambda lib: lib.autograd.functional.hessian(
        scalar2, (lib.tensor(A0), lib.tensor(B0))),
    "hessian-single": lambda lib: lib.autograd.functional.hessian(
        lambda b: (b.exp() * b).sum(), lib.tensor(B0)),
    "hvp": lambda lib: lib.autograd.functional.hvp(
        scalar2, (lib.tensor(A0), lib.tensor(B0)), (lib.tensor(A0), lib.tensor(B0))),
    "vhp": lambda lib: lib.autograd.functional.vhp(
        scalar2, (lib.tensor(A0), lib.tensor(B0)), (lib.tensor(-A0), lib.tensor(B0))),
    "vhp-unused": lambda lib: lib.autograd.functional.vhp(
        lambda a, b: (a * a).sum(), (lib.tensor(A0), lib.tensor(B0)),
        (lib.tensor(A0), lib.tensor(B0))),
    "jacobian-independent": lambda lib: lib.autograd.functional.jacobian(
        lambda a, b: a * 2, (lib.tensor(B0), lib.tensor(B0))),
}


def structure(r):
    if isinstance(r, tuple):
        return tuple(structure(x) for x in r)
    return tuple(r.shape)


@pytest.mark.parametrize("case", sorted(CASES))
def test_functional_matches_torch(case):
    want = CASES[case](torch)
    got = CASES[case](tc)
    assert structure(got) == structure(want)
    close(got, want)


def test_functional_results_are_detached_unless_create_graph():
    for lib in LIBS:
        x = lib.tensor(B0, requires_grad=True)
        out, g = lib.autograd.functional.vjp(lambda a: (a * a).sum(), x)
        assert not out.requires_grad and not g.requires_grad
        out, g = lib.autograd.functional.vjp(lambda a: (a * a).sum(), x, create_graph=True)
        assert g.requires_grad
        (gg,) = lib.autograd.grad(g.sum(), x)
        np.testing.assert_array_equal(gg.detach().numpy(), np.full(4, 2.0))


def test_functional_create_graph_reaches_the_callers_inputs():
    res = []
    for lib in LIBS:
        x = lib.tensor(B0, requires_grad=True)
        h = lib.autograd.functional.hessian(lambda a: (a.exp() * a).sum(), x,
                                            create_graph=True)
        (h * lib.tensor(np.eye(4))).sum().backward()  # the trace
        res.append(x.grad)
    close(res[1], res[0])


@pytest.mark.parametrize("call", [
    lambda lib: lib.autograd.functional.vjp(lambda a: a * 2, lib.tensor(B0)),  # v needed
    lambda lib: lib.autograd.functional.hessian(lambda a: a * 2, lib.tensor(B0)),  # not scalar
    lambda lib: lib.autograd.functional.jvp(lambda a: a * 2, lib.tensor(B0), lib.tensor(A0)),
    lambda lib: lib.autograd.functional.jacobian(lambda a, b: a * 2,
                                                 (lib.tensor(B0), lib.tensor(B0)), strict=True),
    lambda lib: lib.autograd.functional.jacobian(lambda a: a * 2, lib.tensor(B0),
                                                 strategy="forward-mode"),
    lambda lib: lib.autograd.functional.jacobian(lambda a: a * 2, lib.tensor(B0),
                                                 strategy="sideways"),
    lambda lib: lib.autograd.functional.vjp(lambda a: a * 2, [1.0, 2.0]),
], ids=["v-missing", "hessian-not-scalar", "v-shape", "strict-unused", "forward-mode",
        "bad-strategy", "not-a-tensor"])
def test_functional_refuses_what_torch_refuses(call):
    with pytest.raises(Exception) as want:
        call(torch)
    with pytest.raises(type(want.value)):
        call(tc)
