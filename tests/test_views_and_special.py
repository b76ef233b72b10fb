"""What the op registry does not see: which new shape functions return views (sharing storage
and version counter with their base, as torch's) and which return copies; in-place writes
through those views with autograd; and the special-function kernels on dense grids against
torch (erf, erfc, erfinv to float64 rounding, the tails included)."""
import numpy as np
import pytest

import tinyconv as tc

torch = pytest.importorskip("torch")

VIEWS = {
    "narrow": lambda t: t.narrow(1, 1, 2),
    "select": lambda t: t.select(0, 1),
    "chunk": lambda t: t.chunk(2, 1)[1],
    "split": lambda t: t.split([1, 3], 1)[1],
    "tensor_split": lambda t: t.tensor_split(2, 1)[0],
    "unbind": lambda t: t.unbind(1)[2],
    "movedim": lambda t: t.movedim(0, 1),
    "swapaxes": lambda t: t.swapaxes(0, 1),
    "unflatten": lambda t: t.unflatten(1, (2, 2)),
    "diagonal": lambda t: t.diagonal(),
    "broadcast_to": lambda t: t[:1].broadcast_to((5, 3, 4)),
    "meshgrid": lambda t: tc.meshgrid(t[0, 0], t[1, 1])[0],
    "unfold": lambda t: t.unfold(1, 2, 2),
    "unfold (overlapping, read-only)": lambda t: t.unfold(1, 3, 1),
}
COPIES = {
    "flip": lambda t: t.flip(0), "roll": lambda t: t.roll(1, 0), "rot90": lambda t: t.rot90(),
    "diag": lambda t: t.diag(), "tril": lambda t: t.tril(), "gather": lambda t: t.gather(
        1, tc.zeros(3, 2, dtype=tc.int64)), "index_select": lambda t: t.index_select(
        1, tc.tensor([0, 1])), "take": lambda t: t.take(tc.tensor([0, 5])),
    "repeat_interleave": lambda t: t.repeat_interleave(2, 0),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_share_storage_and_version(name):
    base = tc.arange(12.0).reshape(3, 4)
    v = VIEWS[name](base)
    assert v._vc is base._vc
    assert np.shares_memory(v.numpy(), base.numpy())
    if v.numpy().flags.writeable:
        before = base._version
        v.add_(1.0) if name != "meshgrid" else None
        if name != "meshgrid":
            assert base._version == before + 1
            assert float(base.sum()) == 66.0 + v.numel()


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copies_do_not_share_storage(name):
    base = tc.arange(12.0).reshape(3, 4)
    c = COPIES[name](base)
    assert c._vc is not base._vc
    assert not np.shares_memory(c.numpy(), base.numpy())


def test_in_place_through_views_has_torchs_gradients():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5))
    grads = []
    for M in (tc, torch):
        x = M.tensor(a, requires_grad=True)
        y = x * 2.0
        y.diagonal().mul_(3.0)           # a writable view
        y.narrow(1, 1, 2).add_(x[:, :2])  # another, fed from x itself
        y.select(0, 3).zero_()
        (y * y).sum().backward()
        grads.append(x.grad.detach().numpy() if M is torch else x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12)


def test_scatter_and_index_ops_in_place_keep_identity_and_bump_version():
    x = tc.zeros(3, 4)
    v0 = x._version
    out = x.scatter_add_(1, tc.tensor([[0, 0], [1, 3], [2, 2]]), tc.ones(3, 2))
    assert out is x and x._version == v0 + 1
    x.index_fill_(0, tc.tensor([1]), 7.0).masked_fill_(x > 6, -1.0)
    assert x.tolist() == [[2.0, 0.0, 0.0, 0.0], [-1.0] * 4, [0.0, 0.0, 2.0, 0.0]]


GRID = np.concatenate([np.linspace(-6.0, 6.0, 120001), np.logspace(-300, 1.4, 2000),
                       -np.logspace(-300, 1.4, 2000), [0.0, -0.0, 27.0, -27.0]])
INV_GRID = np.concatenate([np.linspace(-1.0, 1.0, 200001), 1.0 - np.logspace(-16, -1, 3000),
                           -1.0 + np.logspace(-16, -1, 3000), np.logspace(-300, -1, 1000),
                           [1.0 - 2.0 ** -53, -1.0 + 2.0 ** -53]])


@pytest.mark.parametrize("name,grid", [("erf", GRID), ("erfc", GRID), ("erfinv", INV_GRID)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_special_functions_match_torch_on_dense_grids(name, grid, dtype):
    x = grid.astype(dtype)
    ours = getattr(tc, name)(tc.tensor(x)).numpy()
    ref = getattr(torch, name)(torch.tensor(x)).numpy()
    assert ours.dtype == ref.dtype
    finite = np.isfinite(ref)
    assert np.array_equal(np.isfinite(ours), finite)
    assert np.array_equal(ours[~finite], ref[~finite], equal_nan=True)
    rel = np.abs(ours[finite] - ref[finite]) / np.maximum(np.abs(ref[finite]),
                                                           np.finfo(dtype).tiny)
    # float64 within a few ulps; float32 within an ulp or two of torch's own float32 kernels
    assert rel.max() <= (4e-15 if dtype == "float64" else 3e-7), (name, rel.max())


def test_erfinv_edges():
    y = tc.tensor([-1.0, 1.0, 1.5, -2.0, float("nan")], dtype=tc.float64)
    assert tc.erfinv(y).tolist()[:2] == [float("-inf"), float("inf")]
    assert np.isnan(tc.erfinv(y).numpy()[2:]).all()
