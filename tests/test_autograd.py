"""The engine: graph walk, accumulation, retain_graph, freeing, grad mode, gradcheck, errors."""
import gc
import subprocess
import sys
import weakref

import numpy as np
import pytest
import torch

import tinyconv as tc
from tinyconv.autograd import Function


def test_deep_chain_10000_ops():
    x = tc.tensor(np.ones(3), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 1.0001 ** 10_000), rtol=1e-9)


def test_accumulates_across_backward_calls_like_torch():
    a = np.arange(4.0)
    x, t = tc.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for _ in range(2):
        (x * x).sum().backward()
        (t * t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_second_backward_raises_unless_retained():
    x = tc.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_second_backward_through_ops_without_saved_buffers_works_like_torch():
    x = tc.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1.0).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_saved_buffers_freed_after_backward():
    class Keep(Function):
        @staticmethod
        def forward(ctx, x):
            buf = x * 2.0
            ctx.save_for_backward(buf)
            Keep.last = weakref.ref(buf)
            return buf

        @staticmethod
        def backward(ctx, gy):
            (buf,) = ctx.saved_tensors
            return gy * 2.0

    x = tc.tensor(np.ones(5), requires_grad=True)
    y = Keep.apply(x)
    z = (y * y).sum()
    del y
    gc.collect()
    assert Keep.last() is not None  # held by the graph
    z.backward()
    gc.collect()
    assert Keep.last() is None, "saved buffer still alive after backward"


def test_graph_released_when_output_dropped():
    x = tc.tensor(np.ones(5), requires_grad=True)
    y = (x.exp() * 3.0).sum()
    node = weakref.ref(y.grad_fn)
    y.backward()
    del y
    gc.collect()
    assert node() is None


def test_backward_with_gradient_for_non_scalar():
    a = np.arange(6.0).reshape(2, 3)
    g = np.linspace(-1, 1, 6).reshape(2, 3)
    x, t = tc.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (x * x).backward(tc.tensor(g))
    (t * t).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_errors_name_shapes():
    x = tc.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"implicitly created only for scalar.*\(2, 3\)"):
        (x * 2.0).backward()
    with pytest.raises(RuntimeError, match=r"grad_output\[0\] has a shape of \(3, 2\).*\(2, 3\)"):
        (x * 2.0).backward(tc.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(4,\)"):
        x + tc.randn(4)
    with pytest.raises(RuntimeError, match=r"matmul.*\(2, 3\).*\(2, 3\)"):
        x @ x
    with pytest.raises(RuntimeError, match="floating point"):
        tc.tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        tc.randn(3).sum().backward()
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        x.reshape(4, 2)
    with pytest.raises(IndexError, match="out of bounds"):
        x[tc.tensor([0, 5])]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1.0)


def test_grad_only_on_leaves_and_retain_grad():
    x = tc.randn(3, requires_grad=True)
    y = x * 2.0
    z = y * y
    y.retain_grad()
    z.sum().backward()
    assert x.is_leaf and not y.is_leaf
    np.testing.assert_allclose(y.grad.numpy(), 2 * y._data)
    w = x * 3.0
    (w * 1.0).sum().backward()
    assert w.grad is None


def test_no_grad_and_enable_grad():
    x = tc.randn(3, requires_grad=True)
    with tc.no_grad():
        y = x * 2.0
        assert not tc.is_grad_enabled()
        with tc.enable_grad():
            z = x * 2.0
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad
    assert tc.is_grad_enabled()

    @tc.no_grad()
    def f(t):
        return t * 2.0

    assert not f(x).requires_grad
    with tc.set_grad_enabled(False):
        assert not (x + 1.0).requires_grad


def test_detach_and_requires_grad_():
    x = tc.randn(3, requires_grad=True)
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.is_leaf
    assert np.shares_memory(d._data, (d * 1.0)._data) is False
    d.requires_grad_()
    (d * d).sum().backward()
    assert d.grad is not None and x.grad is None
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2.0).requires_grad_(False)


def test_backward_on_a_leaf():
    x = tc.tensor(3.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_broadcast_grad_reduced_to_input_shape():
    x = tc.randn(1, 3, requires_grad=True)
    b = tc.randn(3, requires_grad=True)
    y = (x + tc.randn(4, 1, 3)) * b
    y.sum().backward()
    assert x.grad.shape == (1, 3) and b.grad.shape == (3,)


def test_gradcheck_passes_and_names_worst_element():
    x = tc.randn(3, 2, dtype=tc.float64, requires_grad=True)
    w = tc.randn(2, 4, dtype=tc.float64, requires_grad=True)
    assert tc.gradcheck(lambda a, b: (a @ b).exp() / (1.0 + a.sum()), (x, w))

    class BadSquare(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, gy):
            (a,) = ctx.saved_tensors
            g = gy * 2.0 * a
            g.reshape(-1)[1] += 1.0  # wrong in exactly one element
            return g

    with pytest.raises(RuntimeError, match=r"input 0 element \(0, 1\).*numerical.*analytical"):
        tc.gradcheck(BadSquare.apply, (x,))
    with pytest.raises(TypeError, match="float64"):
        tc.gradcheck(lambda a: a * 2.0, (tc.randn(3, requires_grad=True),))


def test_manual_seed_reproducible():
    tc.manual_seed(123)
    a = tc.randn(5).numpy().copy()
    tc.manual_seed(123)
    b = tc.randn(5).numpy().copy()
    assert np.array_equal(a, b)
    assert tc.randn(2).dtype == tc.float32
    with pytest.raises(ValueError):
        tc.manual_seed(-1)


def test_import_does_not_import_torch():
    code = "import sys, tinyconv; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tensor_basics():
    x = tc.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.dtype == tc.float32 and x.shape == (2, 2) and x.size(1) == 2 and x.numel() == 4
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert x.sum().item() == 10.0
    assert x.double().dtype == tc.float64 and x.long().dtype == tc.int64
    assert "tensor(" in repr(x)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    y = tc.from_numpy(np.zeros(3))
    y._data[0] = 1.0
    assert y.dtype == tc.float64
    a = np.ones(2)
    z = tc.tensor(a)
    a[0] = 5
    assert z[0].item() == 1.0  # tc.tensor copies
    with pytest.raises(RuntimeError, match="requires grad"):
        tc.randn(2, requires_grad=True).numpy()


def test_detect_anomaly_names_the_op_forward_and_backward():
    x = tc.tensor([1.0, 0.0, 2.0], requires_grad=True)
    with tc.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="Log forward produced inf"):
            (x - 1.0).abs().log()
        y = (x.sqrt() * 0.0).sum()  # forward finite; d sqrt at 0 is inf -> 0*inf = nan
        with pytest.raises(RuntimeError,
                           match=r"SqrtBackward0 \(gradient of input 0\) produced nan"):
            y.backward()
    # outside the context nothing is checked
    (x - 1.0).abs().log()


def test_detect_anomaly_names_calling_modules():
    from tinyconv.autograd import scope as module_scope

    x = tc.tensor([-1.0], requires_grad=True)
    with tc.autograd.detect_anomaly(), module_scope("Net"), module_scope("Sequential"):
        with pytest.raises(RuntimeError, match="op called from Net > Sequential"):
            x.sqrt()


def test_detect_anomaly_inside_modules():
    import tinyconv.nn as nn

    class Log(nn.Module):
        def forward(self, x):
            return x.log()

    net = nn.Sequential(nn.Linear(2, 2), Log())
    with tc.no_grad():
        net[0].weight.fill_(-1.0)
        net[0].bias.fill_(0.0)
    with tc.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"Log forward produced nan.*Sequential > Log"):
            net(tc.ones(1, 2))


def test_leaf_used_twice_gets_one_accumulation_and_one_hook_call():
    x = tc.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    x.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.numpy().copy()))
    (x * x + x * 3.0).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [5.0, 7.0])


def test_two_inputs_sharing_one_array_are_saved_apart_like_torch():
    # x * x.detach(): the op saves both operands; the detached one must come back detached
    # (no second derivative through it) and be version-checked on its own
    for M in (torch, tc):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        (g,) = M.autograd.grad((x * x.detach()).sum(), x, create_graph=True)
        assert not g.requires_grad, M.__name__
        np.testing.assert_allclose(g.detach().numpy(), [1.0, 2.0])
        t = x * 1.0
        y = t * t.detach()
        t.detach().mul_(2.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def _graph(fn):
    """The graph below ``fn`` as nested (node name, [inputs]); torch's leaf nodes unprefixed."""
    if fn is None:
        return None
    return (fn.name().replace("torch::autograd::", ""), [_graph(f) for f, _ in fn.next_functions])


@pytest.mark.parametrize("shape", [(4, 3), (3,), (5, 4, 3), (2, 1, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_records_torchs_graph(shape, bias):
    # addmm(bias, input, weight.t()) as torch records it: the beginner tutorial's
    # loss.grad_fn.next_functions[0][0].next_functions[0][0] is the bias's AccumulateGrad
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in (shape, (2, 3), (2,))]
    out = {}
    for lib in (torch, tc):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        y = lib.nn.functional.linear(x * 1.0, w, b if bias else None)
        y.pow(2).sum().backward()
        out[lib] = _graph(y.grad_fn), [t.grad.numpy() for t in (x, w, b) if t.grad is not None]
    assert out[tc][0] == out[torch][0]
    for g, e in zip(out[tc][1], out[torch][1]):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    assert out[tc][1][1].flags["C_CONTIGUOUS"]   # the weight's gradient


def test_t_records_torchs_node():
    for lib in (torch, tc):
        assert lib.ones(2, 3, requires_grad=True).t().grad_fn.name() == "TBackward0"


def test_grad_computes_only_the_gradients_leading_to_its_inputs():
    """As torch's should_compute_output: grad(y, x) runs the convolution's backward for gx
    alone (no weight gradient), and a later backward through the same retained graph still
    gets every gradient; a custom Function's needs_input_grad stays the forward's."""
    from tinyconv.autograd import FunctionHook, add_function_hook

    asked = []

    class Watch(FunctionHook):
        def forward_post(self, fn, ctx, out, node):
            if fn.__name__ == "ConvBackward":
                asked.append(tuple(ctx.outputs))

    seen = []

    class Scale(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            seen.append(tuple(ctx.needs_input_grad))
            return g * 2.0, g * 3.0

    x = tc.randn(2, 3, 6, 6, dtype=tc.float64, requires_grad=True)
    w = tc.randn(4, 3, 3, 3, dtype=tc.float64, requires_grad=True)
    s = tc.tensor(2.0, dtype=tc.float64, requires_grad=True)
    y = Scale.apply(tc.nn.functional.conv2d(x, w), s)
    handle = add_function_hook(Watch())
    try:
        (gx,) = tc.autograd.grad(y.sum(), x, retain_graph=True)
        y.sum().backward()
    finally:
        handle.remove()
    assert asked == [(True, False, False), (True, True, False)]
    assert seen == [(True, True), (True, True)]
    np.testing.assert_allclose(gx.numpy(), x.grad.numpy())
    assert w.grad is not None and s.grad is not None


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("divisor", ["tensor", "scalar"])
def test_rounded_div_records_torchs_node(mode, divisor):
    names = []
    for lib in (torch, tc):
        a = lib.tensor([1.5, -2.5, 3.0], requires_grad=True)
        b = lib.tensor([2.0, 2.0, -2.0]) if divisor == "tensor" else 2.0
        names.append(lib.div(a, b, rounding_mode=mode).grad_fn.name())
    assert names[1] == names[0]
