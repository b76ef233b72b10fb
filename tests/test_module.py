"""nn.Module machinery and layer modules vs torch: registration, traversal, state_dict keys,
load_state_dict validation, hooks, repr, and every layer's forward/backward/buffers built
with the same constructor calls on both sides."""
import copy

import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.utils import assert_close

# ------------------------------------------------------------------------------- helpers


def copy_torch_to_tc(tm, cm):
    cm.load_state_dict({k: tc.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})


def randomize_torch(tm, seed=0):
    """Random values in every floating parameter and buffer (so ones/zeros cannot hide bugs)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in list(tm.named_parameters()) + list(tm.named_buffers()):
            if not p.is_floating_point():
                continue
            if name.endswith("running_var"):
                p.copy_(torch.rand(p.shape, generator=g, dtype=p.dtype) + 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype))


def build_pair(ctor, dtype=np.float64, seed=0):
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    tm = ctor(torch.nn).to(tdt)
    cm = ctor(tc.nn).to(dtype)
    randomize_torch(tm, seed)
    copy_torch_to_tc(tm, cm)
    return tm, cm


def check_state_dicts_equal(tm, cm, what=""):
    tsd, csd = tm.state_dict(), cm.state_dict()
    assert list(csd) == list(tsd), what
    for k in tsd:
        assert tuple(csd[k].shape) == tuple(tsd[k].shape), k
        if csd[k].dtype.kind == "f":
            assert_close(csd[k], tsd[k].detach(), what=f"{what} {k}")
        else:
            assert csd[k].dtype == np.int64 and tsd[k].dtype == torch.int64
            assert np.array_equal(csd[k]._data, tsd[k].numpy()), k


def run_forward_backward(tm, cm, shape, dtype=np.float64, seed=1, target=None):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    cx = tc.tensor(x, requires_grad=True)
    args_t, args_c = (tx,), (cx,)
    if target is not None:
        args_t += (torch.tensor(target),)
        args_c += (tc.tensor(target),)
    ty = tm(*args_t)
    cy = cm(*args_c)
    if isinstance(ty, tuple):
        ty, cy = ty[0], cy[0]
    assert_close(cy, ty.detach(), dtype=dtype, what="output")
    gy = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    ty.backward(torch.tensor(gy))
    cy.backward(tc.tensor(gy))
    assert_close(cx.grad, tx.grad, dtype=dtype, what="input grad")
    for (tn, tp), (cn, cp) in zip(tm.named_parameters(), cm.named_parameters()):
        assert tn == cn
        assert_close(cp.grad, tp.grad, dtype=dtype, what=f"grad {tn}")
    check_state_dicts_equal(tm, cm, "after forward")


# ------------------------------------------------------------------------------ layers
LAYERS = [
    ("nn.Linear(5, 3)", (4, 5)),
    ("nn.Linear(5, 3, bias=False)", (2, 3, 5)),
    ("nn.Conv2d(3, 4, 3)", (2, 3, 7, 6)),
    ("nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2))", (2, 3, 8, 7)),
    ("nn.Conv2d(4, 6, 3, groups=2, bias=False)", (2, 4, 6, 6)),
    ("nn.Conv2d(3, 4, 3, padding='same')", (2, 3, 5, 6)),
    ("nn.Conv2d(3, 4, (3, 4), padding='same', dilation=(1, 2))", (1, 3, 6, 9)),
    ("nn.Conv2d(3, 4, 3, padding='valid')", (1, 3, 5, 5)),
    ("nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode='reflect')", (2, 3, 6, 6)),
    ("nn.Conv2d(3, 4, 3, padding=1, padding_mode='replicate', stride=2)", (2, 3, 7, 6)),
    ("nn.Conv2d(3, 4, 3, padding=(2, 1), padding_mode='circular')", (2, 3, 5, 6)),
    ("nn.Conv2d(3, 4, (3, 2), padding='same', padding_mode='reflect')", (2, 3, 5, 6)),
    ("nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1)", (2, 4, 4, 5)),
    ("nn.ConvTranspose2d(4, 6, (3, 2), groups=2, dilation=(1, 2), bias=False)", (2, 4, 3, 4)),
    ("nn.MaxPool2d(2)", (2, 3, 6, 7)),
    ("nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", (2, 3, 7, 8)),
    ("nn.MaxPool2d((2, 3), dilation=2)", (1, 2, 9, 9)),
    ("nn.AvgPool2d(2)", (2, 3, 6, 7)),
    ("nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)", (2, 3, 7, 8)),
    ("nn.AvgPool2d(2, divisor_override=3)", (1, 2, 4, 4)),
    ("nn.AdaptiveAvgPool2d((3, 2))", (2, 3, 7, 5)),
    ("nn.AdaptiveAvgPool2d(1)", (2, 3, 4, 5)),
    ("nn.BatchNorm1d(5)", (6, 5)),
    ("nn.BatchNorm1d(5, momentum=None)", (6, 5, 4)),
    ("nn.BatchNorm2d(3)", (4, 3, 5, 5)),
    ("nn.BatchNorm2d(3, momentum=0.3, eps=1e-3, bias=False)", (4, 3, 5, 5)),
    ("nn.BatchNorm2d(3, affine=False)", (4, 3, 2, 3)),
    ("nn.BatchNorm2d(3, track_running_stats=False)", (4, 3, 2, 3)),
    ("nn.GroupNorm(2, 4)", (3, 4, 5, 5)),
    ("nn.GroupNorm(4, 4, affine=False)", (3, 4, 5)),
    ("nn.LayerNorm(5)", (3, 4, 5)),
    ("nn.LayerNorm((3, 4), eps=1e-3, bias=False)", (2, 3, 4)),
    ("nn.LayerNorm(4, elementwise_affine=False)", (2, 3, 4)),
    ("nn.InstanceNorm2d(3)", (2, 3, 5, 4)),
    ("nn.InstanceNorm2d(3, affine=True, track_running_stats=True)", (2, 3, 5, 4)),
    ("nn.InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=0.4)", (3, 5, 4)),
    ("nn.ReLU()", (3, 4)),
    ("nn.LeakyReLU(0.2)", (3, 4)),
    ("nn.GELU()", (3, 4)),
    ("nn.GELU(approximate='tanh')", (3, 4)),
    ("nn.Sigmoid()", (3, 4)),
    ("nn.Tanh()", (3, 4)),
    ("nn.Softmax(dim=1)", (3, 4, 2)),
    ("nn.LogSoftmax(dim=-1)", (3, 4)),
    ("nn.Flatten()", (2, 3, 4, 5)),
    ("nn.Flatten(0, 2)", (2, 3, 4, 5)),
    ("nn.Dropout(0.0)", (3, 4)),
    ("nn.Identity(54, unused='x')", (3, 4)),
]


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("src,shape", LAYERS, ids=[s for s, _ in LAYERS])
def test_layer_matches_torch(src, shape, mode):
    ctor = eval("lambda nn: " + src)  # noqa: S307 - the test's own literal table
    tm, cm = build_pair(ctor)
    assert repr(cm) == repr(tm)
    check_state_dicts_equal(tm, cm, "initial")
    getattr(tm, mode)()
    getattr(cm, mode)()
    for seed in (1, 2):  # twice: running statistics must keep agreeing
        tm.zero_grad()
        cm.zero_grad()
        run_forward_backward(tm, cm, shape, seed=seed)


@pytest.mark.parametrize("src,shape", [LAYERS[i] for i in (0, 3, 13, 16, 24, 28, 31, 33, 37)])
def test_layer_float32(src, shape):
    ctor = eval("lambda nn: " + src)  # noqa: S307
    tm, cm = build_pair(ctor, dtype=np.float32)
    for p in cm.parameters():
        assert p.dtype == np.float32
    run_forward_backward(tm, cm, shape, dtype=np.float32)


def test_layers_created_with_dtype_argument():
    for cm in (tc.nn.Linear(3, 2, dtype=tc.float64), tc.nn.Conv2d(2, 3, 3, dtype=tc.float64),
               tc.nn.BatchNorm2d(3, dtype=tc.float64), tc.nn.LayerNorm(3, dtype=tc.float64)):
        assert all(p.dtype == np.float64 for p in cm.parameters())
    bn = tc.nn.BatchNorm2d(3)
    assert bn.running_mean.dtype == np.float32 and bn.num_batches_tracked.dtype == np.int64


def test_conv_transpose_output_size_matches_torch():
    tm, cm = build_pair(lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1))
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    ty = tm(torch.tensor(x), output_size=[8, 8])
    cy = cm(tc.tensor(x), output_size=[8, 8])
    assert_close(cy, ty.detach())
    with pytest.raises(ValueError):
        tm(torch.tensor(x), output_size=[10, 10])
    with pytest.raises(ValueError, match="valid sizes range"):
        cm(tc.tensor(x), output_size=[10, 10])


LOSSES = [
    ("nn.CrossEntropyLoss()", (5, 4), [0, 3, 1, 2, 3]),
    ("nn.CrossEntropyLoss(reduction='sum', label_smoothing=0.1)", (5, 4), [0, 3, 1, 2, 3]),
    ("nn.CrossEntropyLoss(weight=WEIGHT, ignore_index=1)", (5, 4), [0, 3, 1, 2, 3]),
    ("nn.CrossEntropyLoss(reduction='none')", (2, 4, 3), [[0, 1, 2], [3, 3, 0]]),
    ("nn.NLLLoss()", (5, 4), [0, 3, 1, 2, 3]),
    ("nn.NLLLoss(weight=WEIGHT, reduction='sum')", (5, 4), [0, 3, 1, 2, 3]),
    ("nn.MSELoss()", (3, 4), None),
    ("nn.MSELoss(reduction='sum')", (3, 4), None),
]


@pytest.mark.parametrize("src,shape,target", LOSSES, ids=[s for s, _, _ in LOSSES])
def test_losses_match_torch(src, shape, target):
    w = np.array([0.5, 1.0, 2.0, 1.5])
    tm = eval("lambda nn, WEIGHT: " + src)(torch.nn, torch.tensor(w))  # noqa: S307
    cm = eval("lambda nn, WEIGHT: " + src)(tc.nn, tc.tensor(w))  # noqa: S307
    assert repr(cm) == repr(tm)
    assert list(cm.state_dict()) == list(tm.state_dict())
    if target is None:
        target = np.random.default_rng(5).standard_normal(shape)
    else:
        target = np.array(target, dtype=np.int64)
    run_forward_backward(tm, cm, shape, target=target)


def test_loss_legacy_arguments_warn_like_torch():
    with pytest.warns(UserWarning, match="size_average and reduce"):
        t = torch.nn.MSELoss(size_average=False)
    with pytest.warns(UserWarning, match="size_average and reduce"):
        c = tc.nn.MSELoss(size_average=False)
    assert c.reduction == t.reduction == "sum"


def test_batchnorm_num_batches_tracked_and_cumulative_momentum():
    tm, cm = build_pair(lambda nn: nn.BatchNorm1d(3, momentum=None))
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.standard_normal((8, 3))
        tm(torch.tensor(x))
        cm(tc.tensor(x))
    assert int(cm.num_batches_tracked.item()) == 5
    check_state_dicts_equal(tm, cm)
    cm.eval()
    cm(tc.tensor(rng.standard_normal((8, 3))))
    assert int(cm.num_batches_tracked.item()) == 5


def test_batchnorm_input_checks():
    with pytest.raises(ValueError, match="expected 4D input"):
        tc.nn.BatchNorm2d(3)(tc.zeros(2, 3))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        tc.nn.BatchNorm1d(3)(tc.zeros(2, 3, 4, 5))


def test_constructor_errors_as_torch():
    cases = ["nn.Conv2d(3, 4, 3, groups=2)", "nn.Conv2d(4, 3, 3, groups=2)",
             "nn.Conv2d(3, 4, 3, groups=0)", "nn.Conv2d(3, 4, 3, padding='full')",
             "nn.Conv2d(3, 4, 3, padding='same', stride=2)",
             "nn.Conv2d(3, 4, 3, padding_mode='mirror')",
             "nn.ConvTranspose2d(3, 4, 3, padding_mode='reflect')",
             "nn.GroupNorm(3, 4)", "nn.Dropout(1.5)"]
    for src in cases:
        ctor = eval("lambda nn: " + src)  # noqa: S307
        with pytest.raises(ValueError):
            ctor(torch.nn)
        with pytest.raises(ValueError):
            ctor(tc.nn)


def test_bad_reduction_raises_at_call_as_torch():
    for nn, t in ((torch.nn, torch.zeros(2)), (tc.nn, tc.zeros(2))):
        loss = nn.MSELoss(reduction="avg")
        with pytest.raises(ValueError):
            loss(t, t)


def test_dropout_train_and_eval():
    tc.manual_seed(0)
    d = tc.nn.Dropout(0.5)
    x = tc.ones(2000)
    y = d(x)
    kept = y._data != 0
    assert 0.4 < kept.mean() < 0.6
    assert np.allclose(y._data[kept], 2.0)
    d.eval()
    assert np.array_equal(d(x)._data, x._data)
    assert repr(d) == repr(torch.nn.Dropout(0.5))


# ---------------------------------------------------------------------------- full model
def lenet(nn):
    return nn.Sequential(
        nn.Conv2d(3, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.GroupNorm(4, 16), nn.LeakyReLU(0.1), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 32), nn.LayerNorm(32), nn.GELU(),
        nn.Dropout(0.0), nn.Linear(32, 10), nn.LogSoftmax(dim=1))


class Net:
    """A custom module with nested containers, buffers and a shared submodule, defined
    identically for torch and tinyconv."""

    @staticmethod
    def make(nn, P, zeros):
        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3, padding=1)
                self.bn = nn.BatchNorm2d(c)
                self.register_buffer("scale", zeros(c) + 2.0)
                self.register_buffer("scratch", zeros(2), persistent=False)

            def forward(self, x):
                return x + self.bn(self.conv(x)).relu()

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Conv2d(2, 4, 3, padding=1)
                self.blocks = nn.ModuleList([Block(4), Block(4)])
                self.heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "aux": nn.Linear(4, 1)})
                self.shared = self.heads["cls"]
                self.temperature = P(zeros(1) + 1.5)
                self.register_parameter("unused", None)

            def forward(self, x):
                x = self.stem(x)
                for b in self.blocks:
                    x = b(x)
                x = x.mean((2, 3)) if hasattr(x, "grad_fn") else x
                return self.heads["cls"](x) * self.temperature + self.heads["aux"](x)

        return Model()


def net_pair():
    tm = Net.make(torch.nn, torch.nn.Parameter, lambda n: torch.zeros(n, dtype=torch.float64))
    cm = Net.make(tc.nn, tc.nn.Parameter, lambda n: tc.zeros(n, dtype=tc.float64))
    tm.double()
    cm.double()
    randomize_torch(tm)
    copy_torch_to_tc(tm, cm)
    return tm, cm


def test_lenet_keys_outputs_gradients_and_interop_both_ways():
    tm, cm = build_pair(lenet)
    assert repr(cm) == repr(tm)
    check_state_dicts_equal(tm, cm)
    run_forward_backward(tm, cm, (3, 3, 16, 16))
    tm.eval()
    cm.eval()
    run_forward_backward(tm, cm, (2, 3, 16, 16), seed=3)
    # tinyconv -> torch: a fresh torch model takes tinyconv's weights
    tm2 = lenet(torch.nn).double().eval()
    tm2.load_state_dict({k: torch.tensor(v.numpy()) for k, v in cm.state_dict().items()})
    x = np.random.default_rng(9).standard_normal((2, 3, 16, 16))
    assert_close(cm(tc.tensor(x)), tm2(torch.tensor(x)).detach())


def test_custom_module_traversal_matches_torch():
    tm, cm = net_pair()
    assert [n for n, _ in cm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in cm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert [n for n, _ in cm.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in cm.named_modules(prefix="net")] == \
        [n for n, _ in tm.named_modules(prefix="net")]
    assert [n for n, _ in cm.named_modules(remove_duplicate=False)] == \
        [n for n, _ in tm.named_modules(remove_duplicate=False)]
    assert [n for n, _ in cm.named_children()] == [n for n, _ in tm.named_children()]
    assert [n for n, _ in cm.named_parameters(recurse=False)] == \
        [n for n, _ in tm.named_parameters(recurse=False)]
    assert [n for n, _ in cm.named_parameters(prefix="p", remove_duplicate=False)] == \
        [n for n, _ in tm.named_parameters(prefix="p", remove_duplicate=False)]
    assert len(list(cm.parameters())) == len(list(tm.parameters()))
    assert len(list(cm.modules())) == len(list(tm.modules()))
    assert len(list(cm.children())) == len(list(tm.children()))
    assert len(list(cm.buffers())) == len(list(tm.buffers()))
    check_state_dicts_equal(tm, cm)  # includes shared.* keys and excludes 'scratch'
    assert "blocks.0.scratch" not in cm.state_dict()
    assert repr(cm) == repr(tm)
    run_forward_backward(tm, cm, (2, 2, 5, 5))
    assert cm.get_submodule("blocks.1.bn") is cm.blocks[1].bn
    assert cm.get_parameter("heads.aux.bias") is cm.heads["aux"].bias
    assert cm.get_buffer("blocks.0.scale") is cm.blocks[0].scale


def test_state_dict_values_are_detached_and_share_memory():
    _, cm = net_pair()
    sd = cm.state_dict()
    w = sd["stem.weight"]
    assert not w.requires_grad and w.grad_fn is None and not isinstance(w, tc.nn.Parameter)
    assert np.shares_memory(w._data, cm.stem.weight._data)
    kv = cm.state_dict(keep_vars=True)
    assert kv["stem.weight"] is cm.stem.weight


def test_load_state_dict_reports_every_problem_and_changes_nothing():
    tm, cm = net_pair()
    sd = {k: v._data.copy() for k, v in cm.state_dict().items()}
    bad = dict(sd)
    del bad["stem.bias"]
    del bad["heads.aux.weight"]
    bad["extra.weight"] = np.zeros(3)
    bad["blocks.0.conv.weight"] = np.zeros((4, 4, 2, 2))
    bad["temperature"] = np.zeros(2)
    before = copy.deepcopy(cm.state_dict())
    with pytest.raises(RuntimeError) as err:
        cm.load_state_dict({k: tc.tensor(v) for k, v in bad.items()})
    msg = str(err.value)
    for needle in ('Missing key(s) in state_dict: "stem.bias", "heads.aux.weight"',
                   'Unexpected key(s) in state_dict: "extra.weight"',
                   "size mismatch for blocks.0.conv.weight", "(4, 4, 2, 2)", "(4, 4, 3, 3)",
                   "size mismatch for temperature"):
        assert needle in msg, msg
    tsd = {k: torch.tensor(v) for k, v in bad.items()}
    with pytest.raises(RuntimeError, match="size mismatch"):
        tm.load_state_dict(tsd)
    for k, v in cm.state_dict().items():
        assert np.array_equal(v._data, before[k]._data), k
    # strict=False: missing/unexpected are returned (as torch's), shape mismatch still raises
    with pytest.raises(RuntimeError, match="size mismatch"):
        cm.load_state_dict({k: tc.tensor(v) for k, v in bad.items()}, strict=False)
    ok = dict(bad)
    ok["blocks.0.conv.weight"] = sd["blocks.0.conv.weight"] + 1
    ok["temperature"] = sd["temperature"]
    res_c = cm.load_state_dict({k: tc.tensor(v) for k, v in ok.items()}, strict=False)
    res_t = tm.load_state_dict({k: torch.tensor(v) for k, v in ok.items()}, strict=False)
    assert res_c.missing_keys == res_t.missing_keys
    assert res_c.unexpected_keys == res_t.unexpected_keys
    assert np.array_equal(cm.blocks[0].conv.weight._data, sd["blocks.0.conv.weight"] + 1)
    res = cm.load_state_dict(cm.state_dict())
    assert repr(res) == repr(tm.load_state_dict(tm.state_dict())) == \
        "<All keys matched successfully>"
    assert res.missing_keys == [] and res.unexpected_keys == []


def test_load_state_dict_tolerates_missing_num_batches_tracked_as_torch():
    tm, cm = build_pair(lambda nn: nn.BatchNorm2d(3))
    sd = {k: v for k, v in cm.state_dict().items() if k != "num_batches_tracked"}
    res = cm.load_state_dict(sd)
    assert res.missing_keys == []
    tres = tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.items()})
    assert tres.missing_keys == []


def test_load_state_dict_assign_and_dtype_cast():
    cm = tc.nn.Linear(3, 2)
    sd = {"weight": tc.ones(2, 3, dtype=tc.float64), "bias": tc.zeros(2, dtype=tc.float64)}
    cm.load_state_dict(sd)
    assert cm.weight.dtype == np.float32 and cm.weight._data.sum() == 6
    cm.load_state_dict(sd, assign=True)
    assert isinstance(cm.weight, tc.nn.Parameter) and cm.weight.dtype == np.float64
    assert cm.weight.requires_grad
    with pytest.raises(TypeError, match="dict-like"):
        cm.load_state_dict([1, 2])


# --------------------------------------------------------------------- registration rules
def test_registration_errors_as_torch():
    class Early(torch.nn.Module):
        def __init__(self):
            self.w = torch.nn.Parameter(torch.zeros(1))
            super().__init__()

    class EarlyC(tc.nn.Module):
        def __init__(self):
            self.w = tc.nn.Parameter(tc.zeros(1))
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    with pytest.raises(AttributeError, match="before Module.__init__"):
        EarlyC()

    class EarlyMod(tc.nn.Module):
        def __init__(self):
            self.m = tc.nn.ReLU()

    with pytest.raises(AttributeError, match="cannot assign module before"):
        EarlyMod()
    with pytest.raises(AttributeError, match="before Module.__init__"):
        tc.nn.Module.register_buffer(object.__new__(tc.nn.Module), "b", tc.zeros(1))

    for nn, zeros in ((torch.nn, torch.zeros), (tc.nn, tc.zeros)):
        m = nn.Linear(2, 2)
        with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
            _ = m.nope
        with pytest.raises(TypeError):
            m.weight = zeros(2, 2)  # a plain tensor where a Parameter lives
        with pytest.raises(KeyError):
            m.register_buffer("a.b", zeros(1))
        with pytest.raises(KeyError):
            m.register_buffer("", zeros(1))
        with pytest.raises(KeyError):
            m.register_buffer("weight", zeros(1))
        with pytest.raises(TypeError):
            m.register_buffer("b", [1, 2])
        with pytest.raises(TypeError):
            m.register_parameter("p", zeros(1))
        with pytest.raises(TypeError):
            m.register_buffer(3, zeros(1))
        m.weight = None
        assert "weight" not in m.state_dict()
        with pytest.raises(ValueError):
            m.train("yes")


def test_attribute_reassignment_moves_between_kinds():
    m = tc.nn.Module()
    m.x = tc.nn.Linear(1, 1)
    assert "x" in m._modules
    m.x = tc.nn.Parameter(tc.zeros(1))
    assert "x" in m._parameters and "x" not in m._modules
    m.register_buffer("b", tc.zeros(1))
    m.b = tc.ones(1)
    assert m._buffers["b"]._data[0] == 1
    with pytest.raises(TypeError):
        m.b = 3
    del m.x
    assert not hasattr(m, "x")
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        m(1)


def test_modes_zero_grad_requires_grad_apply():
    tm, cm = net_pair()
    cm.eval()
    assert all(not m.training for m in cm.modules())
    cm.train()
    assert all(m.training for m in cm.modules())
    run_forward_backward(tm, cm, (2, 2, 4, 4))
    cm.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad._data.any() for p in cm.parameters())
    cm.zero_grad()
    assert all(p.grad is None for p in cm.parameters())
    cm.requires_grad_(False)
    assert not any(p.requires_grad for p in cm.parameters())
    cm.requires_grad_()
    seen_t, seen_c = [], []
    tm.apply(lambda m: seen_t.append(type(m).__name__))
    assert cm.apply(lambda m: seen_c.append(type(m).__name__)) is cm
    assert seen_c == seen_t


def test_init_via_apply_uses_nn_init():
    m = tc.nn.Sequential(tc.nn.Linear(3, 4), tc.nn.ReLU(), tc.nn.Linear(4, 2))

    def init_fn(mod):
        if isinstance(mod, tc.nn.Linear):
            tc.nn.init.zeros_(mod.weight)
            tc.nn.init.constant_(mod.bias, 0.5)

    m.apply(init_fn)
    assert not m[0].weight._data.any() and np.all(m[2].bias._data == 0.5)
    assert m[0].weight.requires_grad and m[0].weight.grad_fn is None


# -------------------------------------------------------------------------------- hooks
def test_forward_hooks_match_torch():
    logs = {"t": [], "c": []}

    def setup(nn, tag):
        m = nn.Linear(3, 2)
        log = logs[tag]
        h1 = m.register_forward_pre_hook(lambda mod, args: log.append("pre1") or (args[0] * 2,))
        h2 = m.register_forward_pre_hook(lambda mod, args: log.append("pre0"), prepend=True)
        h3 = m.register_forward_hook(lambda mod, args, out: log.append("post") or out + 1)
        h4 = m.register_forward_hook(
            lambda mod, args, kwargs, out: log.append(("kw", sorted(kwargs))), with_kwargs=True)
        h5 = m.register_forward_pre_hook(
            lambda mod, args, kwargs: log.append("prekw") or (args, kwargs), with_kwargs=True)
        return m, (h1, h2, h3, h4, h5)

    tm, th = setup(torch.nn, "t")
    cm, ch = setup(tc.nn, "c")
    tm.double()
    cm.double()
    copy_torch_to_tc(tm, cm)
    x = np.random.default_rng(0).standard_normal((4, 3))
    assert_close(cm(tc.tensor(x)), tm(torch.tensor(x)).detach())
    assert logs["c"] == logs["t"]
    for h in th + ch:
        h.remove()
    logs["t"].clear()
    logs["c"].clear()
    assert_close(cm(tc.tensor(x)), tm(torch.tensor(x)).detach())
    assert logs["c"] == logs["t"] == []
    with cm.register_forward_hook(lambda *a: logs["c"].append("ctx")):
        cm(tc.tensor(x))
    cm(tc.tensor(x))
    assert logs["c"] == ["ctx"]


# ------------------------------------------------------------------------ containers/repr
def test_containers_match_torch():
    for nn in (torch.nn, tc.nn):
        s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        assert len(s) == 3 and isinstance(s[-1], nn.Linear)
        assert isinstance(s[1:], nn.Sequential) and len(s[1:]) == 2
        s.append(nn.Sigmoid())
        del s[1]
        assert [type(m).__name__ for m in s] == ["Linear", "Linear", "Sigmoid"]
        assert list(s.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
        ml = nn.ModuleList([nn.ReLU()])
        ml.append(nn.Tanh())
        ml.extend([nn.ReLU(), nn.ReLU()])
        ml.insert(1, nn.Sigmoid())
        assert [type(m).__name__ for m in ml] == ["ReLU", "Sigmoid", "Tanh", "ReLU", "ReLU"]
        with pytest.raises(IndexError):
            ml[7]
        md = nn.ModuleDict({"a": nn.ReLU()})
        md.update([("b", nn.Tanh())])
        md["c"] = nn.Linear(1, 1)
        assert list(md.keys()) == ["a", "b", "c"] and "b" in md and len(md) == 3
        assert list(md.state_dict()) == ["c.weight", "c.bias"]
    torch_od = torch.nn.Sequential(__import__("collections").OrderedDict(
        [("conv", torch.nn.Conv2d(1, 2, 3)), ("act", torch.nn.ReLU())]))
    tc_od = tc.nn.Sequential(__import__("collections").OrderedDict(
        [("conv", tc.nn.Conv2d(1, 2, 3)), ("act", tc.nn.ReLU())]))
    assert repr(tc_od) == repr(torch_od)
    assert list(tc_od.state_dict()) == list(torch_od.state_dict())
    t_ml = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)] + [torch.nn.ReLU()])
    c_ml = tc.nn.ModuleList([tc.nn.Linear(2, 2) for _ in range(3)] + [tc.nn.ReLU()])
    assert repr(c_ml) == repr(t_ml)
    assert repr(tc.nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_reprs_match_torch():
    srcs = [s for s, _ in LAYERS] + [
        "nn.ReLU(inplace=True)", "nn.LeakyReLU(0.1, inplace=True)", "nn.Softmax()",
        "nn.Dropout(0.2, inplace=True)", "nn.BatchNorm1d(3, momentum=None, affine=False)",
        "nn.GroupNorm(2, 4, bias=False)", "nn.InstanceNorm2d(3, affine=True, bias=False)",
        "nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1)"]
    for src in srcs:
        ctor = eval("lambda nn: " + src)  # noqa: S307
        assert repr(ctor(tc.nn)) == repr(ctor(torch.nn)), src
    assert repr(tc.nn.Parameter(tc.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))


def test_parameter_basics():
    p = tc.nn.Parameter(tc.zeros(2, 3))
    assert p.requires_grad and p.is_leaf and isinstance(p, tc.Tensor)
    q = tc.nn.Parameter(tc.zeros(2), requires_grad=False)
    assert not q.requires_grad
    assert tc.nn.Parameter().shape == (0,)
    base = tc.ones(3)
    shared = tc.nn.Parameter(base)
    assert np.shares_memory(shared._data, base._data)
    with pytest.raises(TypeError):
        tc.nn.Parameter([1.0, 2.0])
    with pytest.raises(RuntimeError):
        tc.nn.Parameter(tc.tensor([1, 2]))  # integer tensors cannot require grad
    d = copy.deepcopy(tc.nn.Linear(2, 2))
    assert isinstance(d.weight, tc.nn.Parameter) and d.weight.requires_grad


def test_module_dtype_moves():
    m = tc.nn.Sequential(tc.nn.Linear(2, 3), tc.nn.BatchNorm1d(3))
    m.double()
    assert all(t.dtype == np.float64 for t in m.parameters())
    assert m[1].running_mean.dtype == np.float64
    assert m[1].num_batches_tracked.dtype == np.int64
    m.float()
    assert all(t.dtype == np.float32 for t in m.parameters())
    out = m(tc.randn(4, 2))
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in m.parameters())
