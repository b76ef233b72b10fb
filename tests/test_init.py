"""tc.nn.init and default layer initialisation vs torch: same distributions (two-sample
Kolmogorov-Smirnov against torch's own draws), in place, dtype kept, no graph, seeding."""
import math

import numpy as np
import pytest
import torch

import tinyconv as tc
from tinyconv.nn import init


def ks_distance(a, b):
    """Two-sample Kolmogorov-Smirnov statistic max|F_a - F_b|."""
    a = np.sort(np.asarray(a, dtype=np.float64).ravel())
    b = np.sort(np.asarray(b, dtype=np.float64).ravel())
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / a.size
    fb = np.searchsorted(b, grid, side="right") / b.size
    return float(np.max(np.abs(fa - fb)))


def ks_limit(n, m):
    # critical value at alpha = 1e-6: c * sqrt((n + m) / (n m)), c = sqrt(-ln(alpha / 2) / 2)
    return math.sqrt(-math.log(0.5e-6) / 2) * math.sqrt((n + m) / (n * m))


def assert_same_distribution(c, t, what=""):
    c = c._data if isinstance(c, tc.Tensor) else c
    t = t.detach().numpy() if isinstance(t, torch.Tensor) else t
    d = ks_distance(c, t)
    assert d < ks_limit(c.size, t.size), f"{what}: KS distance {d:.4f}"
    # and the same scale (a coarse check that would catch a wrong bound/std by a few %)
    assert np.std(c) == pytest.approx(np.std(t), rel=0.03), what


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("conv_transpose2d", None), ("sigmoid", None),
    ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
    ("leaky_relu", 3), ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


def test_calculate_gain_errors():
    for args in (("softsign",), ("leaky_relu", "x"), ("leaky_relu", True)):
        with pytest.raises(ValueError):
            torch.nn.init.calculate_gain(*args)
        with pytest.raises(ValueError):
            init.calculate_gain(*args)


SHAPE = (300, 40, 3, 3)  # fan_in 360, fan_out 2700, 108k values

INITS = [
    ("uniform_", {"a": -0.3, "b": 0.7}),
    ("normal_", {"mean": 0.5, "std": 2.0}),
    ("xavier_uniform_", {}),
    ("xavier_uniform_", {"gain": 2.5}),
    ("xavier_normal_", {"gain": 0.5}),
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", {}),
    ("kaiming_normal_", {"a": 0.1, "mode": "fan_out", "nonlinearity": "leaky_relu"}),
    ("trunc_normal_", {}),
    ("trunc_normal_", {"mean": 1.0, "std": 0.5, "a": 0.0, "b": 1.2}),
    ("trunc_normal_", {"a": 1.9, "b": 4.0}),  # far tail (inverse-CDF path)
]


@pytest.mark.parametrize("name,kwargs", INITS, ids=[f"{n}-{k}" for n, k in INITS])
def test_distribution_matches_torch(name, kwargs):
    tc.manual_seed(0)
    torch.manual_seed(0)
    c = tc.nn.Parameter(tc.zeros(*SHAPE))
    t = torch.zeros(*SHAPE)
    data_before = c._data
    out = getattr(init, name)(c, **kwargs)
    getattr(torch.nn.init, name)(t, **kwargs)
    assert out is c and c._data is data_before  # in place
    assert c.dtype == np.float32 and c.requires_grad and c.grad_fn is None
    assert_same_distribution(c, t, name)
    assert c._data.min() >= t.min().item() - 0.05 * abs(t.min().item()) - 1e-6
    assert c._data.max() <= t.max().item() + 0.05 * abs(t.max().item()) + 1e-6


@pytest.mark.parametrize("name,kwargs", INITS[:10], ids=[f"{n}-{k}" for n, k in INITS[:10]])
def test_float64_kept_and_generator(name, kwargs):
    a = tc.zeros(20, 30, dtype=tc.float64)
    b = tc.zeros(20, 30, dtype=tc.float64)
    getattr(init, name)(a, generator=tc.Generator(7), **kwargs)
    getattr(init, name)(b, generator=tc.Generator(7), **kwargs)
    assert a.dtype == np.float64 and np.array_equal(a._data, b._data)
    tc.manual_seed(3)
    getattr(init, name)(a, **kwargs)
    tc.manual_seed(3)
    getattr(init, name)(b, **kwargs)
    assert np.array_equal(a._data, b._data)


def test_trunc_normal_bounds_and_constants():
    t = tc.zeros(10000)
    init.trunc_normal_(t, mean=0.0, std=3.0, a=-1.0, b=0.5)
    assert t._data.min() >= -1.0 and t._data.max() <= 0.5
    init.constant_(t, 0.25)
    assert np.all(t._data == 0.25)
    init.ones_(t)
    assert np.all(t._data == 1)
    init.zeros_(t)
    assert not t._data.any()
    e = tc.zeros(3, 4, dtype=tc.float64)
    init.eye_(e)
    assert np.array_equal(e._data, np.eye(3, 4))


@pytest.mark.parametrize("shape,gain", [((6, 4), 1.0), ((4, 6), 2.0), ((5, 2, 3), 0.5)])
def test_orthogonal(shape, gain):
    t = tc.zeros(*shape, dtype=tc.float64)
    init.orthogonal_(t, gain=gain)
    q = t._data.reshape(shape[0], -1)
    rows, cols = q.shape
    gram = q.T @ q if rows >= cols else q @ q.T
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-12)
    with pytest.raises(ValueError):
        init.orthogonal_(tc.zeros(3))


def test_fan_errors_and_empty_tensor_warning():
    for fn in (init.kaiming_uniform_, init.xavier_normal_):
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            fn(tc.zeros(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(tc.zeros(3, 3), mode="fan_avg")
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(tc.zeros(0, 3))
    with pytest.warns(UserWarning, match="zero-element"):
        torch.nn.init.kaiming_uniform_(torch.zeros(0, 3))


@pytest.mark.parametrize("src", [
    "nn.Linear(256, 2000)",
    "nn.Conv2d(64, 200, 3)",
    "nn.Conv2d(32, 240, (3, 2), groups=4)",
    "nn.ConvTranspose2d(200, 64, 3)",
])
def test_default_layer_init_matches_torch(src):
    tc.manual_seed(1)
    torch.manual_seed(1)
    cm = eval("lambda nn: " + src)(tc.nn)  # noqa: S307
    tm = eval("lambda nn: " + src)(torch.nn)  # noqa: S307
    assert_same_distribution(cm.weight, tm.weight, "weight")
    # U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both weight (a=sqrt(5)) and bias
    fan_in = int(np.prod(tm.weight.shape[1:]))
    bound = 1.0 / math.sqrt(fan_in)
    for p in (cm.weight, cm.bias):
        assert np.abs(p._data).max() <= bound + 1e-7
    assert np.abs(cm.weight._data).max() > 0.99 * bound
    assert abs(np.abs(tm.bias.detach().numpy()).max() - np.abs(cm.bias._data).max()) < 0.2 * bound


def test_default_init_follows_manual_seed():
    tc.manual_seed(5)
    a = tc.nn.Conv2d(3, 4, 3)
    tc.manual_seed(5)
    b = tc.nn.Conv2d(3, 4, 3)
    assert np.array_equal(a.weight._data, b.weight._data)
    assert np.array_equal(a.bias._data, b.bias._data)
    c = tc.nn.Conv2d(3, 4, 3)
    assert not np.array_equal(a.weight._data, c.weight._data)


def test_norm_layers_init_like_torch():
    for src in ("nn.BatchNorm2d(5)", "nn.GroupNorm(1, 5)", "nn.LayerNorm(5)",
                "nn.InstanceNorm2d(5, affine=True, track_running_stats=True)"):
        cm = eval("lambda nn: " + src)(tc.nn)  # noqa: S307
        tm = eval("lambda nn: " + src)(torch.nn)  # noqa: S307
        for k, v in tm.state_dict().items():
            assert np.array_equal(cm.state_dict()[k]._data, v.numpy()), (src, k)


@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((6, 3, 3, 5), 1), ((4, 2, 3, 3), 2),
                                          ((3, 5, 2, 2), 3), ((2, 2, 3, 3, 3), 1),
                                          ((6, 1, 4, 4), 3)])
def test_dirac_matches_torch(shape, groups):
    for dtype, tdt in ((np.float32, torch.float32), (np.float64, torch.float64)):
        c = tc.ones(*shape, dtype=dtype, requires_grad=True)
        t = torch.ones(*shape, dtype=tdt)
        out = init.dirac_(c, groups)
        torch.nn.init.dirac_(t, groups)
        assert out is c and c.dtype == dtype and c.grad_fn is None
        np.testing.assert_array_equal(c._data, t.numpy())
    x = np.random.default_rng(0).standard_normal((1, shape[1] * groups) + shape[2:])
    if len(shape) == 4 and groups == 1 and shape[0] >= shape[1]:
        # an identity convolution: the first in_channels outputs repeat the input
        w = tc.zeros(*shape, dtype=tc.float64)
        init.dirac_(w)
        pad = tuple(k // 2 for k in shape[2:])
        y = tc.nn.functional.conv2d(tc.tensor(x), w, padding=pad)
        if all(k % 2 for k in shape[2:]):
            np.testing.assert_allclose(y._data[:, :shape[1]], x, atol=1e-12)


def test_sparse_zeros_per_column_and_scale():
    t = tc.empty(200, 300, dtype=tc.float64)
    init.sparse_(t, sparsity=0.3, std=0.05, generator=tc.Generator(0))
    zeros = (t._data == 0).sum(axis=0)
    assert np.all(zeros == math.ceil(0.3 * 200))
    ref = torch.empty(200, 300, dtype=torch.float64)
    torch.nn.init.sparse_(ref, sparsity=0.3, std=0.05)
    assert_same_distribution(t._data[t._data != 0], ref.numpy()[ref.numpy() != 0], "sparse_")


@pytest.mark.parametrize("fn,args,match", [
    ("dirac_", ((2, 3),), "Only tensors with 3, 4, or 5 dimensions"),
    ("dirac_", ((3, 2, 3, 3), 2), "dim 0 must be divisible by groups"),
    ("sparse_", ((2, 3, 4), 0.5), "Only tensors with 2 dimensions"),
    ("eye_", ((2, 3, 4),), "Only tensors with 2 dimensions"),
    ("orthogonal_", ((3,),), "Only tensors with 2 or more dimensions"),
])
def test_new_init_errors_match_torch(fn, args, match):
    shape, *rest = args
    with pytest.raises(ValueError, match=match):
        getattr(torch.nn.init, fn)(torch.zeros(*shape), *rest)
    with pytest.raises(ValueError, match=match):
        getattr(init, fn)(tc.zeros(*shape), *rest)


@pytest.mark.parametrize("old,args", [("uniform", ()), ("normal", ()), ("constant", (0.5,)),
                                      ("eye", ()), ("xavier_uniform", ()),
                                      ("xavier_normal", ()), ("kaiming_uniform", ()),
                                      ("kaiming_normal", ()), ("orthogonal", ()),
                                      ("sparse", (0.5,)), ("dirac", ())])
def test_deprecated_aliases_warn_as_torch_and_still_work(old, args):
    shape = (4, 4, 3) if old == "dirac" else (4, 6)
    msg = rf"`nn.init.{old}` is now deprecated in favor of `nn.init.{old}_`."
    with pytest.warns(FutureWarning, match=msg):
        getattr(torch.nn.init, old)(torch.zeros(*shape), *args)
    t = tc.zeros(*shape)
    with pytest.warns(FutureWarning, match=msg):
        out = getattr(init, old)(t, *args)
    assert out is t and getattr(init, old).__name__ == old
    if old != "sparse":
        assert np.any(t._data != 0)
