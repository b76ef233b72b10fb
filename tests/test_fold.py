"""unfold / fold (and nn.Unfold / nn.Fold) against torch: values and gradients, float64 and
float32, over random geometries; the adjoint identity; gradcheck; errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F

from .utils import assert_close, pair

DTYPES = [np.float64, np.float32]


def _configs(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        k = tuple(int(v) for v in rng.integers(1, 4, size=2))
        d = tuple(int(v) for v in rng.integers(1, 3, size=2))
        p = tuple(int(v) for v in rng.integers(0, 3, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        hw = tuple(int(v) for v in rng.integers(1, 10, size=2))
        blocks = [(hw[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in (0, 1)]
        if min(blocks) < 1:
            continue
        batched = bool(rng.integers(0, 4))
        shape = ((int(rng.integers(1, 4)),) if batched else ()) + (int(rng.integers(1, 4)),) + hw
        spell = (lambda v: v[0] if v[0] == v[1] else v)
        out.append(dict(shape=shape, kernel_size=spell(k), dilation=spell(d), padding=spell(p),
                        stride=spell(s)))
    return out


GRID = _configs(40, seed=3)


def _id(cfg):
    return "-".join(f"{k}={v}" for k, v in cfg.items()).replace(" ", "")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", GRID, ids=_id)
def test_unfold_matches_torch(cfg, dtype):
    rng = np.random.default_rng(len(_id(cfg)))
    kw = {k: v for k, v in cfg.items() if k != "shape"}
    x = rng.standard_normal(cfg["shape"]).astype(dtype)
    a, b = pair(x)
    ya, yb = F.unfold(a, **kw), TF.unfold(b, **kw)
    assert_close(ya, yb, dtype=dtype, what="unfold")
    gy = rng.standard_normal(yb.shape).astype(dtype)
    ya.backward(tc.tensor(gy))
    yb.backward(torch.tensor(gy))
    assert_close(a.grad, b.grad, dtype=dtype, what="unfold grad")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", GRID, ids=_id)
def test_fold_matches_torch(cfg, dtype):
    rng = np.random.default_rng(len(_id(cfg)) + 1)
    kw = {k: v for k, v in cfg.items() if k != "shape"}
    cols_shape = TF.unfold(torch.zeros(cfg["shape"]), **kw).shape
    c = rng.standard_normal(tuple(cols_shape)).astype(dtype)
    a, b = pair(c)
    hw = cfg["shape"][-2:]
    ya, yb = F.fold(a, hw, **kw), TF.fold(b, hw, **kw)
    assert_close(ya, yb, dtype=dtype, what="fold")
    gy = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    ya.backward(tc.tensor(gy))
    yb.backward(torch.tensor(gy))
    assert_close(a.grad, b.grad, dtype=dtype, what="fold grad")


@pytest.mark.parametrize("cfg", GRID[:10], ids=_id)
def test_fold_is_adjoint_of_unfold(cfg):
    rng = np.random.default_rng(5)
    kw = {k: v for k, v in cfg.items() if k != "shape"}
    x = rng.standard_normal(cfg["shape"])
    u = F.unfold(tc.tensor(x), **kw).numpy()
    y = rng.standard_normal(u.shape)
    fy = F.fold(tc.tensor(y), cfg["shape"][-2:], **kw).numpy()
    lhs, rhs = float(np.sum(u * y)), float(np.sum(x * fy))
    assert abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs))


def test_gradcheck_unfold_fold():
    rng = np.random.default_rng(0)
    x = tc.tensor(rng.standard_normal((2, 2, 5, 4)), requires_grad=True)
    assert tc.gradcheck(lambda t: F.unfold(t, (2, 3), dilation=(2, 1), padding=1, stride=(2, 1)),
                        (x,))
    c = tc.tensor(rng.standard_normal((1, 8, 8)), requires_grad=True)
    assert tc.gradcheck(lambda t: F.fold(t, (4, 5), 2, stride=(2, 1)), (c,))


def test_unfold_then_matmul_is_conv2d():
    # the classic use: a convolution as unfold + matmul + view, compared with torch's conv2d
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 8, 7))
    w = rng.standard_normal((4, 3, 3, 2))
    cols = F.unfold(tc.tensor(x), (3, 2), padding=1, stride=(2, 1))      # (N, C*KH*KW, L)
    y = (tc.tensor(w.reshape(4, -1)) @ cols).reshape(2, 4, 4, 8)
    ref = TF.conv2d(torch.tensor(x), torch.tensor(w), padding=1, stride=(2, 1))
    assert_close(y, ref, dtype=np.float64)


def test_modules_match_functional():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    u = tc.nn.Unfold(kernel_size=(2, 3), stride=2)
    tu = torch.nn.Unfold(kernel_size=(2, 3), stride=2)
    ya = u(tc.tensor(x))
    assert_close(ya, tu(torch.tensor(x)), dtype=np.float32)
    f = tc.nn.Fold(output_size=(6, 6), kernel_size=(2, 3), stride=2)
    tf = torch.nn.Fold(output_size=(6, 6), kernel_size=(2, 3), stride=2)
    assert_close(f(ya), tf(tu(torch.tensor(x))), dtype=np.float32)
    assert repr(u) == repr(tu) and repr(f) == repr(tf)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: F.unfold(tc.zeros(1, 2, 3, 3), 4), RuntimeError, r"unfold.*sliding blocks"),
    (lambda: F.unfold(tc.zeros(1, 2, 3, 3), 0), RuntimeError, "kernel size"),
    (lambda: F.unfold(tc.zeros(1, 2, 3, 3), 2, stride=0), RuntimeError, "stride"),
    (lambda: F.unfold(tc.zeros(1, 2, 3, 3), 2, padding=-1), RuntimeError, "padding"),
    (lambda: F.unfold(tc.zeros(1, 2, 3, 3), 2, dilation=0), RuntimeError, "dilation"),
    (lambda: F.unfold(tc.zeros(2, 3), 2), RuntimeError, r"unfold.*\(2, 3\)"),
    (lambda: F.unfold(tc.zeros(1, 2, 3, 3, dtype=tc.int64), 2), TypeError, "int64"),
    (lambda: F.unfold(np.zeros((1, 2, 3, 3)), 2), TypeError, "Tensor"),
    (lambda: F.unfold(tc.zeros(1, 2, 3, 3), (1, 2, 3)), TypeError, "kernel_size"),
    (lambda: F.fold(tc.zeros(1, 5, 4), (3, 3), 2), RuntimeError, "divisible"),
    (lambda: F.fold(tc.zeros(1, 8, 5), (3, 3), 2), RuntimeError, r"2 \* 2 = 4.*size\(2\)=5"),
    (lambda: F.fold(tc.zeros(1, 2, 3, 4), (3, 3), 2), RuntimeError, r"\(1, 2, 3, 4\)"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("call", [
    lambda m: m.unfold(m.zeros(1, 2, 3, 3), 4),
    lambda m: m.fold(m.zeros(1, 5, 4), (3, 3), 2),
    lambda m: m.fold(m.zeros(1, 8, 5), (3, 3), 2),
])
def test_errors_where_torch_raises(call):
    # the same calls fail in torch with the same exception type
    with pytest.raises(RuntimeError):
        call(_TorchNS)
    with pytest.raises(RuntimeError):
        call(_TcNS)


class _TorchNS:
    zeros = staticmethod(torch.zeros)
    unfold = staticmethod(TF.unfold)
    fold = staticmethod(TF.fold)


class _TcNS:
    zeros = staticmethod(tc.zeros)
    unfold = staticmethod(F.unfold)
    fold = staticmethod(F.fold)
