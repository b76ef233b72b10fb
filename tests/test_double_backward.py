"""Second and higher derivatives of the norms, pools and losses, against torch in float64.

tests/test_ops.py compares the first samples of every op (``test_second_derivatives_match_torch``)
and gradgradchecks the small ones.  Here, for the ops whose backward is an op of its own
(normalization, pooling, losses): a spread of their other samples, third derivatives (against
central differences), Hessian-vector products through small models built of them, the cases
torch cannot differentiate twice (bias without weight) by gradgradcheck, float32 kept float32,
and a first-order backward that records nothing.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinyconv as tc  # noqa: E402
import tinyconv.nn.functional as F  # noqa: E402
from tinyconv import testing  # noqa: E402

NORMS = ("batch_norm", "group_norm", "instance_norm", "layer_norm")
POOLS = ("max_pool2d", "avg_pool2d", "adaptive_avg_pool2d")
LOSSES = ("cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
          "binary_cross_entropy_with_logits")
OPS = {op.name: op for op in testing.OPS if op.name in NORMS + POOLS + LOSSES}
PER_OP = 14  # samples per op beyond the first three (which tests/test_ops.py compares)


def _torch_fails(sample):
    """torch's double backward of batch/layer/instance norm with a bias and no weight raises
    ("Expected a proper Tensor but got None")."""
    names = {n for n, _, _ in sample.inputs}
    return (sample.op.name in ("batch_norm", "layer_norm", "instance_norm")
            and "bias" in names and "weight" not in names)


def _spread(samples, k):
    """k samples evenly spread over ``samples`` (all when there are fewer)."""
    if len(samples) <= k:
        return samples
    return [samples[int(i * len(samples) / k)] for i in range(k)]


MORE = [s for op in OPS.values()
        for s in _spread([s for s in op.samples()[3:] if s.grad and not _torch_fails(s)],
                         PER_OP)]
BIAS_ONLY = [s for op in OPS.values() for s in op.samples() if _torch_fails(s)
             and s.diff_elements() <= 40][:6]


@pytest.mark.parametrize("sample", MORE, ids=[s.id for s in MORE])
def test_second_derivatives_match_torch(sample):
    rep = testing.check_double_backward(sample)
    bad = rep.failures(sample.tolerance(np.float64, testing.TOL))
    assert not bad, f"{sample.id}: " + "; ".join(bad)


@pytest.mark.parametrize("sample", BIAS_ONLY, ids=[s.id for s in BIAS_ONLY])
def test_bias_without_weight_gradgradcheck(sample):
    assert testing.gradgradcheck(sample)


# ----------------------------------------------------------------------------- third order
def _derivatives(M, FF, sample, arrays, vs, us):
    """(second, third) derivatives of sum(out * g) w.r.t. the differentiable inputs, along
    the directions vs then us, in library M (None where nothing flows)."""
    ins = [M.tensor(a.copy(), requires_grad=bool(d) and a.dtype.kind == "f")
           for (_, _, d), a in zip(sample.inputs, arrays)]
    diff = [t for t in ins if t.requires_grad]
    out = sample.call(M, FF, *ins)
    out = out[0] if isinstance(out, tuple) else out
    g = np.random.default_rng(3).standard_normal(tuple(out.shape))
    first = M.autograd.grad((out * M.tensor(g)).sum(), diff, create_graph=True)
    s2 = sum((d * M.tensor(v)).sum() for d, v in zip(first, vs))
    second = M.autograd.grad(s2, diff, create_graph=True, allow_unused=True)
    s3 = sum((d * M.tensor(u)).sum() for d, u in zip(second, us) if d is not None)
    if not getattr(s3, "requires_grad", False):  # second derivatives constant: third is zero
        return second, [None] * len(diff)
    return second, M.autograd.grad(s3, diff, allow_unused=True)


def _third_order_samples():
    picks = {
        "batch_norm": ["input(4,3,2) weight(3,) bias(3,) running_mean=None",
                       "input(4,3,2) running_mean(3,) running_var(3,) weight(3,) bias(3,) "
                       "training=False"],
        "group_norm": ["input(2,4,3) weight(4,) bias(4,) num_groups=2"],
        "instance_norm": ["input(2,4,3) weight(4,) bias(4,)"],
        "layer_norm": ["input(3,2,3) weight(2,3) bias(2,3)"],
        "cross_entropy": ["input(3,4,2) target(3,2) weight(4,) reduction='mean'",
                          "probability targets gradcheck"],
        "binary_cross_entropy_with_logits": ["input(3,4) target(3,4) weight(3,1) pos_weight(4,) "
                                             "reduction='sum'"],
        "smooth_l1_loss": ["input(3,4) target(3,4) beta=0.5"],
        "mse_loss": ["input(3,4) target(3,4)"],
    }
    out = []
    for name, labels in picks.items():
        for label in labels:
            found = [s for s in OPS[name].samples() if s.label.startswith(label)]
            assert found, f"{name}: no sample {label!r}"
            out.append(found[0])
    return out


THIRD = _third_order_samples()


@pytest.mark.parametrize("sample", THIRD, ids=[s.id for s in THIRD])
def test_third_derivatives_match_differences_of_second_derivatives(sample):
    """Second derivatives against torch's, third against central differences of torch's second
    derivatives: torch's own third derivative of training-mode batch norm treats the saved
    batch statistics as constants, which tinyconv does not."""
    import torch.nn.functional as TF

    arrays = sample.arrays(np.float64)
    rng = np.random.default_rng(11)
    idx = [i for i, ((_, _, d), a) in enumerate(zip(sample.inputs, arrays)) if d]
    vs = [rng.standard_normal(arrays[i].shape) for i in idx]
    us = [rng.standard_normal(arrays[i].shape) for i in idx]
    t2, _ = _derivatives(torch, TF, sample, arrays, vs, us)
    c2, c3 = _derivatives(tc, F, sample, arrays, vs, us)

    def along_us(arrs):  # <second derivatives, us> in torch
        s2, _ = _derivatives(torch, TF, sample, arrs, vs, us)
        return sum(float((d.detach().numpy() * u).sum()) for d, u in zip(s2, us)
                   if d is not None)

    h = 1e-5
    for k, i in enumerate(idx):
        shape = arrays[i].shape
        want2 = np.zeros(shape) if t2[k] is None else t2[k].detach().numpy()
        got2 = np.zeros(shape) if c2[k] is None else c2[k].detach().numpy()
        testing.assert_close(got2, want2, tol=1e-9, what=f"second derivative of input {i}")
        want3 = np.zeros(shape)
        for j in range(want3.size):
            up, down = [a.copy() for a in arrays], [a.copy() for a in arrays]
            up[i].flat[j] += h
            down[i].flat[j] -= h
            want3.flat[j] = (along_us(up) - along_us(down)) / (2 * h)
        got3 = np.zeros(shape) if c3[k] is None else c3[k].detach().numpy()
        testing.assert_close(got3, want3, tol=1e-6, what=f"third derivative of input {i}")


# ----------------------------------------------------------------------------- small models
def _model_norm_pool_ce(M, F_, x, p):
    """batch norm -> square -> max pool -> layer norm -> average pools -> cross entropy."""
    h = F_.batch_norm(x, None, None, p["bn_w"], p["bn_b"], training=True)
    h = h * h
    h = F_.max_pool2d(h, 2, stride=2, padding=1)
    h = F_.layer_norm(h, h.shape[-2:], p["ln_w"], p["ln_b"])
    h = F_.avg_pool2d(h, 2, stride=1, count_include_pad=False)
    logits = F_.adaptive_avg_pool2d(h, 1).reshape(x.shape[0], x.shape[1]) * p["scale"]
    y = M.tensor(np.array([0, 2, 1, 3, 2]))
    w = M.tensor(np.array([1.0, 0.5, 2.0, 1.5]))
    return F_.cross_entropy(logits, y, weight=w, label_smoothing=0.1, ignore_index=1)


def _model_gn_bce(M, F_, x, p):
    """group norm -> exp -> instance norm -> adaptive pool -> BCE with logits + smooth L1."""
    h = F_.group_norm(x, 2, p["bn_w"], p["bn_b"])
    h = (h * 0.5).exp()
    h = F_.instance_norm(h, weight=p["scale"], bias=p["bn_b"])
    logits = F_.adaptive_avg_pool2d(h, (2, 1)).reshape(x.shape[0], -1)  # (N, 2C)
    t = M.tensor(np.linspace(0.1, 0.9, logits.shape[0] * logits.shape[1])
                 .reshape(tuple(logits.shape)))
    pw = M.tensor(np.linspace(0.5, 2.0, logits.shape[1]))
    return (F_.binary_cross_entropy_with_logits(logits, t, pos_weight=pw)
            + F_.smooth_l1_loss(logits, t, beta=0.7) + F_.mse_loss(logits, t * 2.0))


@pytest.mark.parametrize("model", [_model_norm_pool_ce, _model_gn_bce],
                         ids=["norm-pool-cross_entropy", "group_norm-bce"])
def test_hessian_vector_product_of_a_small_model_matches_torch(model):
    import torch.nn.functional as TF

    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 4, 6, 6))
    params = {"bn_w": rng.uniform(0.5, 1.5, 4), "bn_b": rng.standard_normal(4),
              "ln_w": rng.uniform(0.5, 1.5, (4, 4)), "ln_b": rng.standard_normal((4, 4)),
              "scale": rng.uniform(0.5, 2.0, 4)}
    names = sorted(params)
    vs = [rng.standard_normal(params[n].shape) for n in names] + [rng.standard_normal(x.shape)]

    def hvp(M, FF):
        p = {n: M.tensor(params[n].copy(), requires_grad=True) for n in names}
        xt = M.tensor(x.copy(), requires_grad=True)
        wrt = [p[n] for n in names] + [xt]
        loss = model(M, FF, xt, p)
        gs = M.autograd.grad(loss, wrt, create_graph=True, allow_unused=True)
        dot = sum((g * M.tensor(v)).sum() for g, v in zip(gs, vs) if g is not None)
        hv = M.autograd.grad(dot, wrt, allow_unused=True)
        return loss, gs, hv

    t_loss, t_g, t_hv = hvp(torch, TF)
    c_loss, c_g, c_hv = hvp(tc, F)
    testing.assert_close(c_loss.detach().numpy(), t_loss.detach().numpy(), tol=1e-10, what="loss")
    labels = names + ["x"]
    for what, cs, ts in (("gradient", c_g, t_g), ("Hessian-vector product", c_hv, t_hv)):
        for n, c, t in zip(labels, cs, ts):
            want = np.zeros(params[n].shape if n != "x" else x.shape) if t is None \
                else t.detach().numpy()
            got = np.zeros(want.shape) if c is None else c.detach().numpy()
            testing.assert_close(got, want, tol=1e-8, what=f"{what} of {n}")


# ----------------------------------------------------------------------------- dtype, graph
DTYPE_SAMPLES = [OPS[name].samples()[0] for name in NORMS + POOLS + LOSSES]


@pytest.mark.parametrize("sample", DTYPE_SAMPLES, ids=[s.id for s in DTYPE_SAMPLES])
def test_float32_second_derivatives_stay_float32(sample):
    arrays = sample.arrays(np.float32)
    ins = [tc.tensor(a, requires_grad=bool(d) and a.dtype.kind == "f")
           for (_, _, d), a in zip(sample.inputs, arrays)]
    diff = [t for t in ins if t.requires_grad]
    out = sample.call(tc, F, *ins)
    out = out[0] if isinstance(out, tuple) else out
    g = tc.ones(*out.shape, dtype=tc.float32, requires_grad=True)
    first = tc.autograd.grad(out, diff, g, create_graph=True)
    assert all(f.dtype == tc.float32 for f in first)
    total = sum((f * f).sum() for f in first if f.requires_grad)
    second = tc.autograd.grad(total, diff + [g], allow_unused=True)
    assert all(s is None or s.dtype == tc.float32 for s in second)


def test_first_order_backward_records_nothing_and_create_graph_records_the_backward_op():
    x = tc.randn(4, 3, 5, 5, dtype=tc.float64, requires_grad=True)
    w = tc.ones(3, dtype=tc.float64, requires_grad=True)
    y = tc.tensor(np.array([0, 1, 2, 1]))

    def loss():
        h = F.batch_norm(x, None, None, w, None, training=True)
        h = F.max_pool2d(F.layer_norm(h, (5, 5)), 2)
        return F.cross_entropy(F.adaptive_avg_pool2d(h, 1).reshape(4, 3), y)

    loss().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
    (gx,) = tc.autograd.grad(loss(), [x], create_graph=True)
    assert gx.grad_fn.name() == "NativeBatchNormBackwardBackward0"
    np.testing.assert_allclose(gx.detach().numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-15)
