"""tinyconv.compat.cs231n: the assignment's layer API.

Gradient checks use the bridge's own numeric-gradient helpers, as the assignment does; forward
values are compared with torch; the conventions that differ from torch are checked to map onto
torch's numbers as documented (batchnorm momentum 0.9 on the old value and a biased running
variance, dropout p = keep probability, the update rules vs torch.optim); the Solver overfits a
small batch.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from tinyconv.compat import cs231n as L

RNG = np.random.default_rng(231)


def _check(fwd, bwd, args, names, tol=1e-7):
    """Compare each analytical gradient of fwd/bwd with eval_numerical_gradient_array."""
    out, cache = fwd(*args)
    dout = RNG.standard_normal(out.shape)
    grads = bwd(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for i, (name, g) in enumerate(zip(names, grads)):
        def f(v, i=i):
            a = list(args)
            a[i] = v
            return fwd(*a)[0]
        num = L.eval_numerical_gradient_array(f, args[i], dout)
        assert g.shape == args[i].shape and g.dtype == args[i].dtype, name
        assert L.rel_error(num, g) < tol, f"{name}: rel error {L.rel_error(num, g):.2e}"


def test_affine_and_relu():
    x, w, b = RNG.standard_normal((4, 2, 3)), RNG.standard_normal((6, 5)), RNG.standard_normal(5)
    out, _ = L.affine_forward(x, w, b)
    np.testing.assert_allclose(out, x.reshape(4, 6) @ w + b, rtol=1e-12)
    _check(L.affine_forward, L.affine_backward, (x, w, b), "x w b")
    xr = RNG.standard_normal((3, 7))
    xr[np.abs(xr) < 1e-2] = 0.5
    _check(lambda x: L.relu_forward(x), L.relu_backward, (xr,), "x")
    _check(L.affine_relu_forward, L.affine_relu_backward, (x, w, b), "x w b", tol=1e-6)


@pytest.mark.parametrize("stride, pad", [(1, 1), (2, 1), (2, 0)])
def test_conv_naive_and_fast(stride, pad):
    x, w, b = (RNG.standard_normal((2, 2, 5, 4)), RNG.standard_normal((3, 2, 3, 3)),
               RNG.standard_normal(3))
    cp = {"stride": stride, "pad": pad}
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = TF.conv2d(tx, tw, tb, stride, pad)
    dout = RNG.standard_normal(tuple(ref.shape))
    ref.backward(torch.tensor(dout))
    for fwd, bwd in ((L.conv_forward_naive, L.conv_backward_naive),
                     (L.conv_forward_fast, L.conv_backward_fast)):
        out, cache = fwd(x, w, b, cp)
        np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
        for g, t in zip(bwd(dout, cache), (tx, tw, tb)):
            np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv_numeric_gradient_check():
    x, w, b = (RNG.standard_normal((1, 2, 4, 4)), RNG.standard_normal((2, 2, 3, 3)),
               RNG.standard_normal(2))
    cp = {"stride": 2, "pad": 1}
    _check(lambda x, w, b: L.conv_forward_fast(x, w, b, cp), L.conv_backward_fast,
           (x, w, b), "x w b")


def test_max_pool_and_sandwiches():
    x = RNG.permutation(2 * 2 * 4 * 4).reshape(2, 2, 4, 4) / 10.0 - 3.0  # distinct, no ties
    pp = {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, _ = L.max_pool_forward_fast(x, pp)
    np.testing.assert_array_equal(out, TF.max_pool2d(torch.tensor(x), 2).numpy())
    _check(lambda x: L.max_pool_forward_naive(x, pp), L.max_pool_backward_naive, (x,), "x")
    w, b = RNG.standard_normal((2, 2, 3, 3)), RNG.standard_normal(2)
    cp = {"stride": 1, "pad": 1}
    _check(lambda x, w, b: L.conv_relu_forward(x, w, b, cp), L.conv_relu_backward,
           (x, w, b), "x w b", tol=1e-6)
    _check(lambda x, w, b: L.conv_relu_pool_forward(x, w, b, cp, pp), L.conv_relu_pool_backward,
           (x, w, b), "x w b", tol=1e-6)


def test_batchnorm_gradients_and_modes():
    x = 3.0 * RNG.standard_normal((8, 5)) + 2.0
    g, b = RNG.standard_normal(5), RNG.standard_normal(5)
    _check(lambda x, g, b: L.batchnorm_forward(x, g, b, {"mode": "train"}),
           L.batchnorm_backward, (x, g, b), "x gamma beta")
    out, _ = L.batchnorm_forward(x, np.ones(5), np.zeros(5), {"mode": "train"})
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(0), 1.0, rtol=1e-5)
    xs = RNG.standard_normal((3, 4, 3, 2))
    gs, bs = RNG.standard_normal(4), RNG.standard_normal(4)
    _check(lambda x, g, b: L.spatial_batchnorm_forward(x, g, b, {"mode": "train"}),
           L.spatial_batchnorm_backward, (xs, gs, bs), "x gamma beta")
    _check(lambda x, g, b: L.spatial_batchnorm_forward(
        x, g, b, {"mode": "test", "running_mean": np.ones(4), "running_var": np.full(4, 2.0)}),
        L.spatial_batchnorm_backward, (xs, gs, bs), "x gamma beta")
    _check(lambda x, g, b: L.layernorm_forward(x, g, b, {}), L.layernorm_backward, (x, g, b),
           "x gamma beta")


@pytest.mark.parametrize("spatial", [False, True])
def test_batchnorm_running_stats_map_to_torch(spatial):
    # CS231n: running = 0.9 * old + 0.1 * batch, biased variance.  torch BatchNorm with
    # momentum = 1 - 0.9 gives the same running mean, and the same running variance once
    # its unbiased batch variance is corrected by (m - 1) / m.
    C = 4
    shape = (6, C, 3, 2) if spatial else (10, C)
    m = int(np.prod(shape) // C)
    bn_param = {"mode": "train", "momentum": 0.9}
    fwd = L.spatial_batchnorm_forward if spatial else L.batchnorm_forward
    tmean, tvar = torch.zeros(C, dtype=torch.float64), torch.zeros(C, dtype=torch.float64)
    tvar_biased = torch.zeros(C, dtype=torch.float64)
    g, b = RNG.standard_normal(C), RNG.standard_normal(C)
    for _ in range(4):
        x = 2.0 * RNG.standard_normal(shape) + 1.5
        out, _ = fwd(x, g, b, bn_param)
        tx = torch.tensor(x)
        ref = TF.batch_norm(tx, tmean, tvar, torch.tensor(g), torch.tensor(b), training=True,
                            momentum=1 - 0.9, eps=1e-5)
        np.testing.assert_allclose(out, ref.numpy(), rtol=1e-10, atol=1e-12)
        # the biased-variance correction: track torch's update with var * (m-1)/m
        dims = (0, 2, 3) if spatial else (0,)
        tvar_biased = 0.9 * tvar_biased + 0.1 * tx.var(dim=dims, unbiased=False)
    np.testing.assert_allclose(bn_param["running_mean"], tmean.numpy(), rtol=1e-12)
    assert not np.allclose(bn_param["running_var"], tvar.numpy())  # torch's is unbiased
    np.testing.assert_allclose(bn_param["running_var"], tvar_biased.numpy(), rtol=1e-12)
    # per step, torch's unbiased batch variance * (m - 1) / m is CS231n's biased one
    x = RNG.standard_normal(shape)
    p2 = {"mode": "train", "running_mean": np.zeros(C), "running_var": np.zeros(C)}
    fwd(x, g, b, p2)
    t0m, t0v = torch.zeros(C, dtype=torch.float64), torch.zeros(C, dtype=torch.float64)
    TF.batch_norm(torch.tensor(x), t0m, t0v, training=True, momentum=0.1)
    np.testing.assert_allclose(p2["running_var"], t0v.numpy() * (m - 1) / m, rtol=1e-12)
    # test mode normalises with the running statistics, like torch's eval
    out, _ = fwd(x, g, b, dict(bn_param, mode="test"))
    ref = TF.batch_norm(torch.tensor(x), torch.tensor(bn_param["running_mean"]),
                        torch.tensor(bn_param["running_var"]), torch.tensor(g), torch.tensor(b),
                        training=False, eps=1e-5)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-10, atol=1e-12)


def test_groupnorm():
    x = RNG.standard_normal((2, 6, 3, 4))
    g, b = RNG.standard_normal((1, 6, 1, 1)), RNG.standard_normal((1, 6, 1, 1))
    out, _ = L.spatial_groupnorm_forward(x, g, b, 3, {"eps": 1e-5})
    ref = TF.group_norm(torch.tensor(x), 3, torch.tensor(g.ravel()), torch.tensor(b.ravel()))
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-10, atol=1e-12)
    _check(lambda x, g, b: L.spatial_groupnorm_forward(x, g, b, 2, {}),
           L.spatial_groupnorm_backward, (x, g, b), "x gamma beta", tol=1e-6)


def test_dropout_keep_probability_maps_to_torch():
    x = RNG.standard_normal((200, 50)) + 10.0
    keep = 0.3
    out, cache = L.dropout_forward(x, {"p": keep, "mode": "train", "seed": 123})
    mask = out != 0
    # p is the KEEP probability: about 30% survive, scaled by 1/p
    assert abs(mask.mean() - keep) < 0.02
    # torch's dropout with drop probability 1 - p, given the same mask, is the same function
    p_drop = 1.0 - keep
    torch_same_mask = torch.tensor(x) * torch.tensor(mask) / (1.0 - p_drop)
    np.testing.assert_allclose(out, torch_same_mask.numpy(), rtol=1e-12)
    torch.manual_seed(0)
    tout = TF.dropout(torch.tensor(x), p=p_drop)
    tmask = (tout != 0).numpy()
    assert abs(tmask.mean() - keep) < 0.02           # torch keeps the same fraction
    np.testing.assert_allclose(tout.numpy()[tmask], x[tmask] / keep, rtol=1e-12)
    # the seed makes the mask reproducible, and backward routes dout through it
    again, _ = L.dropout_forward(x, {"p": keep, "mode": "train", "seed": 123})
    np.testing.assert_array_equal(out, again)
    dout = RNG.standard_normal(x.shape)
    np.testing.assert_allclose(L.dropout_backward(dout, cache), dout * mask / keep, rtol=1e-12)
    test_out, _ = L.dropout_forward(x, {"p": keep, "mode": "test"})
    np.testing.assert_array_equal(test_out, x)
    xs = RNG.standard_normal((3, 4))
    _check(lambda x: L.dropout_forward(x, {"p": 0.6, "mode": "train", "seed": 1}),
           L.dropout_backward, (xs,), "x")


def test_losses_match_torch_and_numeric_gradients():
    x, y = RNG.standard_normal((6, 5)), RNG.integers(0, 5, 6)
    loss, dx = L.softmax_loss(x, y)
    tx = torch.tensor(x, requires_grad=True)
    tl = TF.cross_entropy(tx, torch.tensor(y))
    tl.backward()
    assert abs(loss - tl.item()) < 1e-12
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    num = L.eval_numerical_gradient(lambda v: L.softmax_loss(v, y)[0], x.copy(), verbose=False)
    assert L.rel_error(num, dx) < 1e-7
    loss, dx = L.svm_loss(x, y)
    tm = TF.multi_margin_loss(torch.tensor(x), torch.tensor(y), reduction="sum") / 6 * 5
    assert abs(loss - tm.item()) < 1e-12       # torch divides by C as well as N
    num = L.eval_numerical_gradient(lambda v: L.svm_loss(v, y)[0], x.copy(), verbose=False)
    assert L.rel_error(num, dx) < 1e-7


@pytest.mark.parametrize("rule, make_torch", [
    ("sgd", lambda p: torch.optim.SGD([p], lr=1e-2)),
    ("sgd_momentum", lambda p: torch.optim.SGD([p], lr=1e-2, momentum=0.9)),
    ("rmsprop", lambda p: torch.optim.RMSprop([p], lr=1e-2, alpha=0.99, eps=1e-8)),
    ("adam", lambda p: torch.optim.Adam([p], lr=1e-3, betas=(0.9, 0.999), eps=1e-8)),
])
def test_update_rules_match_torch_optim(rule, make_torch):
    w = RNG.standard_normal((3, 4))
    p = torch.tensor(w.copy(), requires_grad=True)
    opt = make_torch(p)
    fn = getattr(L, rule)
    config = None
    for _ in range(5):
        dw = RNG.standard_normal(w.shape)
        w, config = fn(w, dw, config)
        p.grad = torch.tensor(dw)
        opt.step()
    np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-10, atol=1e-13)


class TwoLayerNet:
    """An assignment-style model written only with the bridge's layers."""

    def __init__(self, D, H, C, seed=0, weight_scale=1e-2, reg=0.0):
        rng = np.random.default_rng(seed)
        self.params = {"W1": weight_scale * rng.standard_normal((D, H)), "b1": np.zeros(H),
                       "W2": weight_scale * rng.standard_normal((H, C)), "b2": np.zeros(C)}
        self.reg = reg

    def loss(self, X, y=None):
        h, c1 = L.affine_relu_forward(X, self.params["W1"], self.params["b1"])
        scores, c2 = L.affine_forward(h, self.params["W2"], self.params["b2"])
        if y is None:
            return scores
        loss, ds = L.softmax_loss(scores, y)
        grads = {}
        dh, grads["W2"], grads["b2"] = L.affine_backward(ds, c2)
        _, grads["W1"], grads["b1"] = L.affine_relu_backward(dh, c1)
        for k in ("W1", "W2"):
            loss += 0.5 * self.reg * np.sum(self.params[k] ** 2)
            grads[k] += self.reg * self.params[k]
        return loss, grads


@pytest.mark.parametrize("rule, config", [("sgd_momentum", {"learning_rate": 0.1}),
                                          ("adam", {"learning_rate": 1e-2}),
                                          ("rmsprop", {"learning_rate": 1e-2}),
                                          ("sgd", {"learning_rate": 1.0})])
def test_solver_overfits_small_data(rule, config, capsys):
    np.random.seed(0)
    rng = np.random.default_rng(1)
    data = {"X_train": rng.standard_normal((50, 3, 4, 4)), "y_train": rng.integers(0, 5, 50),
            "X_val": rng.standard_normal((20, 3, 4, 4)), "y_val": rng.integers(0, 5, 20)}
    model = TwoLayerNet(48, 64, 5)
    solver = L.Solver(model, data, update_rule=rule, optim_config=config, lr_decay=0.95,
                      batch_size=25, num_epochs=30, print_every=20, verbose=True)
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
    assert len(solver.loss_history) == 60 and solver.loss_history[-1] < 0.1
    assert len(solver.val_acc_history) == 31 and len(solver.train_acc_history) == 31
    assert set(solver.best_params) == set(model.params)
    assert "(Epoch 30 / 30)" in capsys.readouterr().out
    assert 0.0 <= solver.check_accuracy(data["X_val"], data["y_val"]) <= 1.0


def test_numeric_gradient_helper_checks_a_model():
    model = TwoLayerNet(6, 5, 3, seed=2, weight_scale=0.5, reg=0.1)
    X, y = RNG.standard_normal((4, 6)), RNG.integers(0, 3, 4)
    _, grads = model.loss(X, y)
    for name in model.params:
        num = L.eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name],
                                        verbose=False, h=1e-6)
        assert L.rel_error(num, grads[name]) < 1e-6, name


def test_errors():
    with pytest.raises(ValueError, match="unrecognized arguments"):
        L.Solver(TwoLayerNet(2, 2, 2), {"X_train": 0, "y_train": 0, "X_val": 0, "y_val": 0},
                 bogus=1)
    with pytest.raises(ValueError, match="update_rule"):
        L.Solver(TwoLayerNet(2, 2, 2), {"X_train": 0, "y_train": 0, "X_val": 0, "y_val": 0},
                 update_rule="nesterov")
    with pytest.raises(ValueError, match="mode"):
        L.batchnorm_forward(np.zeros((2, 2)), np.ones(2), np.zeros(2), {"mode": "eval"})
    with pytest.raises(ValueError, match="keep probability"):
        L.dropout_forward(np.zeros(3), {"p": 0.0, "mode": "train"})
    with pytest.raises(ValueError, match="dout"):
        out, cache = L.relu_forward(np.ones((2, 2)))
        L.relu_backward(np.ones(3), cache)
