"""Model zoo vs torch twins (state_dict keys/shapes, parameter counts, outputs) and summary()."""
import importlib.util
import os

import numpy as np
import pytest
import torch

import tinyconv as tc
from tinyconv import models
from tinyconv.utils import summary

from .utils import assert_close

_spec = importlib.util.spec_from_file_location(
    "train_fashion_torch",
    os.path.join(os.path.dirname(__file__), "..", "benchmarks", "train_fashion_torch.py"))
twins = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(twins)

CASES = [
    ("lenet5-28", lambda: models.LeNet5(1, 10, input_size=28),
     lambda: twins.TorchLeNet5(1, 10, 28), (1, 28, 28)),
    ("lenet5-32", lambda: models.LeNet5(3, 10), lambda: twins.TorchLeNet5(3, 10, 32), (3, 32, 32)),
    ("minivgg-32", lambda: models.MiniVGG(3, 10), lambda: twins.TorchMiniVGG(3, 10), (3, 32, 32)),
    ("minivgg-28", lambda: models.MiniVGG(1, 7), lambda: twins.TorchMiniVGG(1, 7), (1, 28, 28)),
    ("threelayer", lambda: models.ThreeLayerConvNet(),
     lambda: twins.TorchThreeLayerConvNet(), (3, 32, 32)),
    ("threelayer-small", lambda: models.ThreeLayerConvNet((1, 28, 28), 8, 5, 30, 4),
     lambda: twins.TorchThreeLayerConvNet((1, 28, 28), 8, 5, 30, 4), (1, 28, 28)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,make,make_torch,shape", CASES, ids=IDS)
def test_state_dict_matches_torch_twin(name, make, make_torch, shape):
    m, t = make(), make_torch()
    sd, tsd = m.state_dict(), t.state_dict()
    assert list(sd) == list(tsd)
    for k in sd:
        assert tuple(sd[k].shape) == tuple(tsd[k].shape), k
    count = sum(p.numel() for p in m.parameters())
    assert count == sum(p.numel() for p in t.parameters())


def test_parameter_counts_hand_computed():
    lenet = sum(p.numel() for p in models.LeNet5(1, 10, input_size=28).parameters())
    assert lenet == (6 * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) \
        + (84 * 10 + 10)
    three = sum(p.numel() for p in models.ThreeLayerConvNet().parameters())
    assert three == (32 * 3 * 49 + 32) + (32 * 16 * 16 * 100 + 100) + (100 * 10 + 10)


@pytest.mark.parametrize("train_mode", [False, True])
@pytest.mark.parametrize("name,make,make_torch,shape", CASES, ids=IDS)
def test_forward_and_grads_match_torch(name, make, make_torch, shape, train_mode):
    tc.manual_seed(0)
    m, t = make(), make_torch()
    twins.copy_state(m, t)
    # dropout draws differ between the frameworks; compare with dropout off in train mode
    m.train(train_mode)
    t.train(train_mode)
    for mod in list(m.modules()) + list(t.modules()):
        if type(mod).__name__ == "Dropout":
            mod.p = 0.0
    # the reference is the torch twin in float64 (same float32 weights and input): comparing
    # two float32 runs mixes in torch's own rounding, which here is the larger of the two
    # (minivgg-32's first-layer weight gradient: torch float32 1.8e-4 off the float64 result,
    # tinyconv 3e-7), and a max-pool near-tie can go either way in either float32 run
    t.double()
    x = np.random.default_rng(1).standard_normal((4,) + shape).astype(np.float32)
    y = np.array([0, 1, 2, 3], dtype=np.int64)
    out = m(tc.tensor(x))
    tout = t(torch.tensor(x, dtype=torch.float64))
    assert out.shape == tuple(tout.shape) and out.dtype == tc.float32
    assert_close(out, tout, dtype=np.float32, tol=1e-4, what=f"{name} output")
    tc.nn.functional.cross_entropy(out, tc.tensor(y)).backward()
    torch.nn.functional.cross_entropy(tout, torch.tensor(y)).backward()
    tparams = dict(t.named_parameters())
    for k, p in m.named_parameters():
        assert_close(p.grad, tparams[k].grad, dtype=np.float32, tol=1e-4, what=f"{name} grad {k}")
    if train_mode:                          # running statistics updated the same way
        tbufs = dict(t.named_buffers())
        for k, b in m.named_buffers():
            if b.dtype == tc.float32:
                assert_close(b, tbufs[k].float(), dtype=np.float32, tol=1e-5,
                             what=f"{name} buffer {k}")


def test_lenet_sizes():
    assert models.LeNet5(1, 10, input_size=28).flat_features == 400
    assert models.LeNet5(3, 10, input_size=32).flat_features == 400
    assert models.LeNet5(1, 10, input_size=36).flat_features == 16 * 6 * 6
    with pytest.raises(ValueError):
        models.LeNet5(1, 10, input_size=8)


def _torch_output_shapes(t, shape):
    shapes = []
    hooks = [mod.register_forward_hook(lambda mod, i, o: shapes.append(tuple(o.shape)))
             for mod in t.modules() if not list(mod.children())]
    t.eval()
    with torch.no_grad():
        t(torch.zeros((2,) + shape))
    for h in hooks:
        h.remove()
    return shapes


def test_summary_lenet_hand_computed(capsys):
    m = models.LeNet5(1, 10, input_size=28)
    s = summary(m, (1, 28, 28))
    printed = capsys.readouterr().out
    assert "Total params: 61,706" in printed and "features.0 (Conv2d)" in printed
    assert [r["output_shape"] for r in s.rows] == [
        (1, 6, 28, 28), (1, 6, 28, 28), (1, 6, 14, 14), (1, 16, 10, 10), (1, 16, 10, 10),
        (1, 16, 5, 5), (1, 120), (1, 120), (1, 84), (1, 84), (1, 10)]
    assert [r["params"] for r in s.rows] == [156, 0, 0, 2416, 0, 0, 48120, 0, 10164, 0, 850]
    expected_flops = [
        2 * 6 * 28 * 28 * 25 + 6 * 28 * 28,       # conv1 (+ bias)
        6 * 28 * 28,                              # relu
        6 * 14 * 14 * 4,                          # 2x2 max pool
        2 * 16 * 10 * 10 * 150 + 16 * 10 * 10,    # conv2
        16 * 10 * 10,
        16 * 5 * 5 * 4,
        2 * 400 * 120 + 120, 120,
        2 * 120 * 84 + 84, 84,
        2 * 84 * 10 + 10]
    assert [r["flops"] for r in s.rows] == expected_flops
    assert s.total_flops == sum(expected_flops) and s.total_params == s.trainable_params == 61706
    assert m.training                               # mode restored


@pytest.mark.parametrize("name,make,make_torch,shape", CASES, ids=IDS)
def test_summary_shapes_and_counts_match_torch(name, make, make_torch, shape):
    m, t = make(), make_torch()
    m.train()
    s = summary(m, shape, batch_size=2, verbose=False)
    assert [r["output_shape"] for r in s.rows] == _torch_output_shapes(t, shape)
    assert s.total_params == sum(p.numel() for p in t.parameters())
    assert sum(r["params"] for r in s.rows) == s.total_params
    assert all(mod.training for mod in m.modules())
    assert "Total FLOPs" in str(s)


def test_threelayer_cs231n_weight_scale_init():
    tc.manual_seed(0)
    m = models.ThreeLayerConvNet(weight_scale=1e-2)
    w = m.fc1.weight._data
    assert abs(float(w.std()) - 1e-2) < 1e-3 and abs(float(w.mean())) < 1e-3
    for layer in (m.conv, m.fc1, m.fc2):
        assert not np.any(layer.bias._data)
        assert layer.weight.dtype == tc.float32


@pytest.mark.parametrize("name", ["lenet5", "minivgg"])
def test_float32_training_step_makes_no_float64(name):
    """float32 stays float32 end to end: every op's forward output and backward gradients in a
    training step, every parameter gradient and the optimizer's buffers (seen through an
    engine function hook)."""
    from tinyconv.autograd import FunctionHook, add_function_hook

    seen = []

    def record(op, values):
        for v in values:
            a = getattr(v, "_data", v)
            if isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating):
                seen.append((op, a.dtype))

    class Watch(FunctionHook):
        def forward_post(self, fn, ctx, out, node):
            record(fn.__name__, (out,))

        def backward_post(self, node, grads, gxs):
            record(node.fn.__name__ + ".backward", tuple(gxs) + tuple(grads))

    handle = add_function_hook(Watch())
    tc.manual_seed(0)
    m = models.LeNet5(3, 10) if name == "lenet5" else models.MiniVGG(3, 10)
    opt = tc.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    x = tc.tensor(np.random.default_rng(0).standard_normal((4, 3, 32, 32)).astype(np.float32))
    y = tc.tensor(np.array([0, 1, 2, 3]))
    for _ in range(2):
        opt.zero_grad()
        tc.nn.functional.cross_entropy(m(x), y).backward()
        opt.step()
    handle.remove()
    ops = {n for n, _ in seen}
    assert "Conv2d" in ops and "Conv2d.backward" in ops
    bad = sorted({(n, str(d)) for n, d in seen if d != np.float32})
    assert not bad, bad
    for p in m.parameters():
        assert p.dtype == tc.float32 and p.grad.dtype == tc.float32
    for state in opt.state.values():
        for v in state.values():
            if hasattr(v, "dtype"):
                assert str(v.dtype).endswith("float32"), v.dtype
