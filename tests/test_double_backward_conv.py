"""Second and higher derivatives of the convolution and resampling ops against torch (float64).

tests/test_ops.py checks the first samples of every op (and a gradgradcheck of the small
ones); here: every registry sample of conv2d, conv_transpose2d, pad, fold, unfold,
interpolate, upsample, pixel_(un)shuffle and max_unpool2d, each convolution algorithm forced,
a third derivative, unpooling with repeated indices, and gradient penalties through small
networks (the computation WGAN-GP and similar losses run), in float64 and float32.
"""
import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.utils import assert_close
from tinyconv import testing
from tinyconv.ops._kernels import conv as KC
from tinyconv.testing.opinfo import const, normal, x

# torch warns that it copies the input for 'same' with an even kernel; that is its business
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

OPS = ("conv2d", "conv_transpose2d", "pad", "fold", "unfold", "interpolate", "upsample",
       "pixel_shuffle", "pixel_unshuffle", "max_unpool2d")
# composite samples (fn) also run other ops (max_pool2d), whose double backward is not ours
SAMPLES = [s for name in OPS for s in testing.op(name).samples() if s.grad and s.fn is None]


def _check(sample):
    rep = testing.check_double_backward(sample)
    bad = rep.failures(sample.tolerance(np.float64, testing.TOL))
    assert not bad, f"{sample.id}: " + "; ".join(bad)
    return rep


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.id for s in SAMPLES])
def test_second_derivatives_match_torch(sample):
    _check(sample)


# --------------------------------------------------------------------- convolution algorithms
def _conv(xs, ws, bias=True, **kw):
    ins = [x(*xs), ("weight", normal(*ws, scale=0.3), True)]
    ins += [("bias", normal(ws[0]), True)] if bias else []
    return testing.op("conv2d").sample(ins, **kw)


ALGORITHM_CASES = [
    ("im2col", _conv((2, 3, 6, 5), (4, 3, 3, 2), stride=(2, 1), padding=1, dilation=(1, 2))),
    ("im2col", _conv((2, 4, 5, 5), (6, 2, 3, 3), bias=False, groups=2, padding="same")),
    ("winograd", _conv((2, 3, 9, 10), (4, 3, 3, 3), padding=1)),
    ("direct", _conv((2, 4, 6, 7), (4, 1, 3, 2), groups=4, stride=2, padding=(1, 0))),
    ("im2col+direct", _conv((2, 2, 6, 5), (2, 2, 2, 3), dilation=(2, 1))),
    ("gemm1x1", _conv((2, 4, 3, 5), (6, 2, 1, 1), groups=2)),
    ("small", _conv((2, 3, 7, 6), (5, 3, 3, 2), padding=(1, 2))),
]


@pytest.mark.parametrize("name,sample", ALGORITHM_CASES,
                         ids=[f"{n}-{s.label}" for n, s in ALGORITHM_CASES])
def test_each_algorithm_differentiates_twice(name, sample):
    """The double backward runs conv2d and the convolution's backward again on the same
    geometry, so every algorithm's forward, input and weight gradients take part."""
    if name == "small" and not KC.SMALL_CONV:
        pytest.skip("no AVX2/FMA kernels on this CPU")
    with tc.backends.conv.flags(algorithm=name):
        xt, wt = (tc.tensor(a) for a in sample.arrays(np.float64)[:2])
        kw = sample.kwargs
        assert tc.nn.functional.conv2d(xt.requires_grad_(), wt, **kw).grad_fn.ctx.algo.name \
            == name
        _check(sample)


# --------------------------------------------------------------------- beyond the registry
def test_third_derivative_of_a_convolution_matches_torch():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3, 6, 5)), 0.3 * rng.standard_normal((4, 3, 3, 2)),
              rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2))]
    kw = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))

    def run(M, F):
        xx, w = (M.tensor(a.copy(), requires_grad=True) for a in arrays[:2])
        v, u = (M.tensor(a.copy()) for a in arrays[2:])
        f = F.conv2d(xx, w, **kw).exp().sum()
        (gx,) = M.autograd.grad(f, [xx], create_graph=True)
        (gw,) = M.autograd.grad((gx * v).sum(), [w], create_graph=True)
        return M.autograd.grad((gw * u).sum(), [xx, w])

    for c, t in zip(run(tc, tc.nn.functional), run(torch, torch.nn.functional)):
        assert_close(c, t.detach().numpy(), dtype=np.float64, tol=1e-10)


def test_unpooling_with_repeated_indices_scatter_adds_like_torch():
    """Unpooling is order-dependent where indices repeat, but its gradient is a gather and
    the gradient of that a scatter-add, in torch as here."""
    idx = np.array([[[[0, 0], [5, 5]], [[3, 1], [3, 3]]]], dtype=np.int64)
    sample = testing.op("max_unpool2d").sample(
        [x(1, 2, 2, 2), ("indices", const(idx, kind="index"), False)], kernel_size=2)
    rep = _check(sample)
    assert any(c.what == "second-order grad grad_output 0" for c in rep.comparisons)


def _gradient_penalty(M, F, arrays, net, lam=0.5):
    """loss = sum(net(x)) + lam * |d sum(net(x)) / dx|, differentiated w.r.t. the
    parameters: (loss, parameter gradients)."""
    xx = M.tensor(arrays[0].copy(), requires_grad=True)
    params = [M.tensor(a.copy(), requires_grad=True) for a in arrays[1:]]
    out = net(M, F, xx, *params).sum()
    (gx,) = M.autograd.grad(out, [xx], create_graph=True)
    loss = out + lam * (gx * gx).sum().sqrt()
    return loss, M.autograd.grad(loss, params)


def _conv_net(M, F, xx, w1, b1, w2, b2):
    """conv2d -> exp -> conv2d (relu, tanh and linear are not differentiable twice yet)."""
    h = F.conv2d(xx, w1, b1, stride=2, padding=1)
    return F.conv2d((h * 0.5).exp(), w2, b2, dilation=(1, 2), groups=2)


def _decoder_net(M, F, xx, w1, b1, w2):
    """conv_transpose2d -> pad (reflect) -> x*x -> pixel_shuffle -> bilinear interpolate ->
    unfold -> fold -> conv2d."""
    h = F.conv_transpose2d(xx, w1, b1, stride=2, padding=1, output_padding=1)
    h = F.pad(h, (1, 2, 2, 1), mode="reflect")
    h = F.pixel_shuffle(h * h, 2)  # (N, 1, 2H, 2W)
    h = F.interpolate(h, scale_factor=0.75, mode="bilinear", align_corners=False)
    size = tuple(h.shape[-2:])
    h = F.fold(F.unfold(h, 2, padding=1) * 0.5, size, 2, padding=1)
    return F.conv2d(h, w2, padding=1)


NETS = [
    ("conv", _conv_net, [(2, 3, 7, 6), (4, 3, 3, 3), (4,), (2, 2, 2, 2), (2,)]),
    ("decoder", _decoder_net, [(2, 3, 3, 4), (3, 4, 3, 3), (4,), (2, 1, 3, 3)]),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,net,shapes", NETS, ids=[n for n, _, _ in NETS])
def test_gradient_penalty_matches_torch(name, net, shapes, dtype):
    rng = np.random.default_rng(1)
    arrays = [(rng.standard_normal(s) * (1.0 if i == 0 else 0.3)).astype(dtype)
              for i, s in enumerate(shapes)]
    from tinyconv.autograd import FunctionHook, add_function_hook

    floats = set()

    class Watch(FunctionHook):  # every op result of both passes, for the dtype check
        def forward_post(self, fn, ctx, out, node):
            if out.dtype.kind == "f":
                floats.add((fn.__name__, out.dtype))

    handle = add_function_hook(Watch())
    try:
        c_loss, c_grads = _gradient_penalty(tc, tc.nn.functional, arrays, net)
    finally:
        handle.remove()
    assert {d for _, d in floats} == {np.dtype(dtype)}, sorted(floats, key=str)
    assert ("ConvBackward", np.dtype(dtype)) in floats
    t_loss, t_grads = _gradient_penalty(torch, torch.nn.functional, arrays, net)
    tol = 1e-10 if dtype == np.float64 else 2e-4
    assert_close(c_loss, t_loss.detach().numpy(), dtype=dtype, tol=tol)
    for c, t in zip(c_grads, t_grads):
        assert_close(c, t.detach().numpy(), dtype=dtype, tol=tol)


def test_the_backward_of_a_backward_carries_torchs_node_name():
    xx = tc.randn(1, 2, 5, 5, requires_grad=True)
    w = tc.randn(3, 2, 3, 3, requires_grad=True)
    y = tc.nn.functional.conv2d(xx, w)
    gx, gw = tc.autograd.grad(y.sum(), [xx, w], create_graph=True)
    assert gx.grad_fn.name() == gw.grad_fn.name() == "ConvolutionBackwardBackward0"
    gx, gw = tc.autograd.grad(tc.nn.functional.conv2d(xx, w).sum(), [xx, w])
    assert gx.grad_fn is None and not gx.requires_grad
