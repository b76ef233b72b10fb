"""Creation and random functions of the issue (randint's two forms, *_like, normal,
bernoulli, multinomial, logspace, finfo/iinfo, is_tensor, numel, inference_mode, bfloat16,
Generator objects): shapes, dtypes, distributions and seeding as torch's (the random streams
are NumPy's, so values are compared only where they are not random)."""
import numpy as np
import pytest
import torch

import tinyconv as tc


def test_randint_forms_and_errors_match_torch():
    for args, kw in [((5, (2, 3)), {}), ((2, 5, (4,)), {}), ((3,), {"size": (2,)}),
                     ((-2, 2, (3, 1)), {"dtype": tc.int32})]:
        tkw = {k: (torch.int32 if v is tc.int32 else v) for k, v in kw.items()}
        t, c = torch.randint(*args, **tkw), tc.randint(*args, **kw)
        assert tuple(c.shape) == tuple(t.shape) and c.dtype.name == str(t.dtype)[6:]
    x = tc.randint(3, 7, (10000,))
    assert x.min().item() == 3 and x.max().item() == 6
    with pytest.raises(RuntimeError, match="from"):
        tc.randint(5, 5, (2,))
    with pytest.raises(RuntimeError):
        torch.randint(5, 5, (2,))


def test_like_factories_keep_shape_and_dtype():
    x = tc.zeros(3, 4, dtype=tc.float64)
    for fn in (tc.rand_like, tc.randn_like):
        y = fn(x)
        assert y.shape == (3, 4) and y.dtype == np.float64
    assert tc.rand_like(x, dtype=tc.float32).dtype == np.float32
    y = tc.randint_like(x, 10)
    assert y.dtype == np.float64 and y.numpy().min() >= 0 and y.numpy().max() < 10
    assert np.all(y.numpy() == np.round(y.numpy()))
    y = tc.randint_like(tc.zeros(5, dtype=tc.int64), 2, 4)
    assert y.dtype == np.int64 and set(y.tolist()) <= {2, 3}
    assert tc.full_like(x, 7).tolist() == torch.full_like(torch.zeros(3, 4), 7).tolist()
    assert tc.empty_like(x).shape == (3, 4) and tc.empty(2, 3).shape == (2, 3)


def test_linspace_logspace_eye_match_torch():
    for a, b, n in [(0, 1, 5), (-2.0, 3.0, 7), (1, 1, 1), (0, 10, 0)]:
        np.testing.assert_allclose(tc.linspace(a, b, n).numpy(), torch.linspace(a, b, n).numpy(),
                                   rtol=1e-6)
        np.testing.assert_allclose(tc.logspace(a, b, n).numpy(),
                                   torch.logspace(a, b, n).numpy(), rtol=1e-5)
    np.testing.assert_allclose(tc.logspace(0, 3, 4, base=2).numpy(),
                               torch.logspace(0, 3, 4, base=2).numpy())
    assert tc.eye(3, 4).tolist() == torch.eye(3, 4).tolist()


def test_normal_forms_distribution_and_seeding():
    m, s = tc.full((20000,), 2.0), tc.full((20000,), 0.5)
    for y in (tc.normal(m, s), tc.normal(2.0, s), tc.normal(m, 0.5),
              tc.normal(2.0, 0.5, (20000,))):
        assert y.shape == (20000,) and y.dtype == np.float32
        assert abs(y.numpy().mean() - 2.0) < 0.02 and abs(y.numpy().std() - 0.5) < 0.02
    assert tc.normal(tc.zeros(2, 1, dtype=tc.float64), tc.ones(3)).shape == (2, 3)
    g1, g2 = tc.Generator().manual_seed(5), tc.Generator().manual_seed(5)
    assert np.array_equal(tc.normal(m, s, generator=g1).numpy(),
                          tc.normal(m, s, generator=g2).numpy())
    with pytest.raises(RuntimeError, match="std"):
        tc.normal(m, -s)


def test_bernoulli_and_multinomial():
    p = tc.full((4, 5000), 0.3, dtype=tc.float64)
    b = tc.bernoulli(p)
    assert b.dtype == np.float64 and set(np.unique(b.numpy())) <= {0.0, 1.0}
    assert abs(b.numpy().mean() - 0.3) < 0.02
    assert abs(p.bernoulli().numpy().mean() - 0.3) < 0.02
    assert abs(tc.bernoulli(p, 0.8).numpy().mean() - 0.8) < 0.02
    q = tc.zeros(1000)
    q.bernoulli_(0.25)
    assert abs(q.numpy().mean() - 0.25) < 0.05
    w = tc.tensor([[0.0, 1.0, 3.0], [1.0, 1.0, 0.0]])
    s = tc.multinomial(w, 4000, replacement=True)
    assert s.shape == (2, 4000) and s.dtype == np.int64
    counts = np.bincount(s.numpy()[0], minlength=3) / 4000
    np.testing.assert_allclose(counts, [0.0, 0.25, 0.75], atol=0.03)
    s = w.multinomial(2)
    assert sorted(s.tolist()[0]) == [1, 2] and sorted(s.tolist()[1]) == [0, 1]
    with pytest.raises(RuntimeError, match="without replacement"):
        tc.multinomial(w, 3)
    assert tc.multinomial(tc.tensor([0.2, 0.8]), 3, True).shape == (3,)


def test_generator_objects_reproduce_streams_everywhere():
    g = tc.Generator().manual_seed(11)
    assert g.initial_seed() == 11
    a = [tc.randn(3, generator=g), tc.rand(2, generator=g), tc.randint(0, 9, (4,), generator=g),
         tc.randperm(6, generator=g)]
    g.manual_seed(11)
    b = [tc.randn(3, generator=g), tc.rand(2, generator=g), tc.randint(0, 9, (4,), generator=g),
         tc.randperm(6, generator=g)]
    assert all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(a, b))
    ds = tc.utils.data.TensorDataset(tc.arange(10))
    s1 = tc.utils.data.random_split(ds, [5, 5], generator=tc.Generator().manual_seed(1))
    s2 = tc.utils.data.random_split(ds, [5, 5], generator=tc.Generator().manual_seed(1))
    assert list(s1[0].indices) == list(s2[0].indices)
    order = [[int(v) for v in batch[0]] for batch in tc.utils.data.DataLoader(
        ds, batch_size=10, shuffle=True, generator=tc.Generator().manual_seed(3))]
    again = [[int(v) for v in batch[0]] for batch in tc.utils.data.DataLoader(
        ds, batch_size=10, shuffle=True, generator=tc.Generator().manual_seed(3))]
    assert order == again
    state = tc.get_rng_state()
    x = tc.randn(4)
    tc.set_rng_state(state)
    assert np.array_equal(tc.randn(4).numpy(), x.numpy())


def test_finfo_iinfo_match_torch():
    for dt, tdt in ((tc.float32, torch.float32), (tc.float64, torch.float64),
                    (tc.float16, torch.float16), (tc.bfloat16, torch.bfloat16)):
        a, b = tc.finfo(dt), torch.finfo(tdt)
        for name in ("bits", "eps", "max", "min", "tiny", "resolution", "smallest_normal"):
            assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-6), (dt, name)
    assert tc.finfo().eps == torch.finfo().eps
    for dt, tdt in ((tc.int8, torch.int8), (tc.int32, torch.int32), (tc.int64, torch.int64),
                    (tc.uint8, torch.uint8)):
        a, b = tc.iinfo(dt), torch.iinfo(tdt)
        assert (a.bits, a.min, a.max) == (b.bits, b.min, b.max)
    with pytest.raises(TypeError):
        tc.finfo(tc.int32)
    with pytest.raises(TypeError):
        tc.iinfo(tc.float32)


def test_is_tensor_numel_is_floating_point():
    x = tc.zeros(2, 3)
    assert tc.is_tensor(x) and tc.is_tensor(tc.nn.Parameter(x)) and not tc.is_tensor([1])
    assert tc.numel(x) == 6 == torch.numel(torch.zeros(2, 3))
    assert tc.is_floating_point(x) and not tc.is_floating_point(tc.tensor([1]))


def test_inference_mode_as_context_and_decorators():
    x = tc.ones(2, requires_grad=True)
    with tc.inference_mode():
        assert not tc.is_grad_enabled() and tc.is_inference_mode_enabled()
        assert not (x * 2).requires_grad
    assert tc.is_grad_enabled() and not tc.is_inference_mode_enabled()
    with tc.inference_mode(False):
        assert (x * 2).requires_grad

    @tc.inference_mode()
    def called():
        return (x * 2).requires_grad

    @tc.inference_mode
    def bare():
        return (x * 2).requires_grad

    assert not called() and not bare() and tc.is_grad_enabled()


def test_bfloat16_rounds_like_torch_and_keeps_the_gradient():
    v = np.array([3.14159, 1.0 + 2 ** -8, 1.0 + 3 * 2 ** -9, -65504.5, 1e-30, 0.0, np.inf,
                  -np.inf], dtype=np.float32)
    want = torch.tensor(v).to(torch.bfloat16).float().numpy()
    np.testing.assert_array_equal(tc.tensor(v).to(tc.bfloat16).numpy(), want)
    np.testing.assert_array_equal(tc.tensor(v, dtype=tc.bfloat16).numpy(), want)
    np.testing.assert_array_equal(tc.tensor(v).bfloat16().numpy(), want)
    assert np.isnan(tc.tensor([np.nan]).bfloat16().item())
    x = tc.tensor([1.3, -2.7], dtype=tc.float64, requires_grad=True)
    y = x.to(tc.bfloat16)
    assert y.dtype == np.float32  # stored as float32 (docs/differences.md#bfloat16)
    (y * 3.0).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [3.0, 3.0]
    h = tc.tensor(v).half()
    np.testing.assert_array_equal(h.numpy(), torch.tensor(v).half().numpy())


def test_initial_seed_is_the_last_manual_seed_as_torch():
    try:
        for seed in (7, 0, 2**40):
            for M in (torch, tc):
                M.manual_seed(seed)
            assert tc.initial_seed() == torch.initial_seed() == seed
        assert isinstance(tc.initial_seed(), int)
        assert tc.Generator().manual_seed(5).initial_seed() == 5
    finally:
        tc.manual_seed(0)
        torch.manual_seed(0)
