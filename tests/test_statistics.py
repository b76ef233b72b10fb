"""Statistics beyond the op registry (tinyconv.testing.opinfo.statistics runs quantile,
nanquantile, nanmedian, cov and corrcoef against torch): cov's warning for a divisor <= 0."""
import warnings

import numpy as np
import pytest
import torch

import tinyconv as tc


def _cov_with_warnings(M, data, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = M.cov(M.tensor(data), **kw)
    return out.numpy(), [(w.category, str(w.message).split(" (Triggered")[0]) for w in caught]


@pytest.mark.parametrize("data,kw", [(np.ones((2, 1)), {}), (np.ones((3, 0)), {}),
                                     (np.arange(6.0).reshape(2, 3), {"correction": 3}),
                                     (np.arange(6.0).reshape(2, 3),
                                      {"fweights": np.array([1, 0, 0])})])
def test_cov_warns_as_torch_when_the_divisor_is_not_positive(data, kw):
    want = _cov_with_warnings(torch, data, **{k: torch.tensor(v) for k, v in kw.items()
                                              if k != "correction"},
                              **{k: v for k, v in kw.items() if k == "correction"})
    got = _cov_with_warnings(tc, data, **{k: tc.tensor(v) for k, v in kw.items()
                                          if k != "correction"},
                             **{k: v for k, v in kw.items() if k == "correction"})
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] == want[1] and len(got[1]) == 1
