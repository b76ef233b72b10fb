"""unfold / fold beyond the registry's comparisons with torch (tests/test_ops.py: random
geometries, gradchecks, errors): the adjoint identity, conv2d as unfold + matmul, and the
nn.Unfold / nn.Fold modules."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tinyconv import testing

from .utils import assert_close

GRID = [s for s in testing.op("unfold").samples() if s.label.startswith("random config")]


@pytest.mark.parametrize("sample", GRID[:10], ids=lambda s: s.id)
def test_fold_is_adjoint_of_unfold(sample):
    rng = np.random.default_rng(5)
    kw = sample.kwargs
    x = sample.arrays(np.float64)[0]
    u = F.unfold(tc.tensor(x), **kw).numpy()
    y = rng.standard_normal(u.shape)
    fy = F.fold(tc.tensor(y), x.shape[-2:], **kw).numpy()
    lhs, rhs = float(np.sum(u * y)), float(np.sum(x * fy))
    assert abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs))


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
