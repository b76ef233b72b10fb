"""max_unpool2d, interpolate, pixel_shuffle / pixel_unshuffle beyond the registry's
comparisons with torch (tests/test_ops.py: option grids, 1-D/3-D, every mode, scale factors,
gradchecks, errors): the modules against torch's, a round trip, bicubic overshoot, and the
torch bug the registry works around."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tinyconv import testing
from tinyconv.testing.opinfo import const

from .utils import assert_close

DTYPES = [np.float64, np.float32]


def _module(op, make, x, dtype):
    """``make(nn)(x)`` in tinyconv and torch (a module built from each library's ``nn``) as an
    ad hoc sample of the registry's ``op``."""
    sample = testing.op(op).sample([("input", const(x), True)], label="module",
                                   fn=lambda M, F, t: make(M.nn)(t))
    testing.assert_against_torch(sample, dtype)


# ------------------------------------------------------------------------------ max_unpool2d
def test_max_unpool2d_roundtrip_and_module():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 9)).astype(np.float32)
    pool = tc.nn.MaxPool2d(2, return_indices=True)
    unpool = tc.nn.MaxUnpool2d(2)
    tpool, tunpool = torch.nn.MaxPool2d(2, return_indices=True), torch.nn.MaxUnpool2d(2)
    y, i = pool(tc.tensor(x))
    ty, ti = tpool(torch.tensor(x))
    u = unpool(y, i, output_size=(7, 9))
    assert_close(u, tunpool(ty, ti, output_size=(7, 9)), dtype=np.float32)
    assert u.shape == (2, 3, 7, 9)
    assert repr(unpool) == repr(tunpool)


# ------------------------------------------------------------------------------ interpolate
def test_torch_bicubic_backward_is_wrong_where_no_size_changes():
    """Why the registry compares only the forward of bicubic, align_corners=False, scale 1.1
    on (5, 7) (every axis keeps its size): torch's CPU backward copies gy although its forward
    resampled, so torch fails its own gradcheck there; ours is gradchecked."""
    kw = dict(scale_factor=1.1, mode="bicubic", align_corners=False)
    b = torch.tensor(np.random.default_rng(10).standard_normal((1, 2, 5, 7)), requires_grad=True)
    assert not torch.autograd.gradcheck(lambda t: TF.interpolate(t, **kw), (b,),
                                        raise_exception=False)
    sample = [s for s in testing.op("interpolate").samples() if not s.grad]
    assert len(sample) == 1 and sample[0].kwargs == kw
    assert testing.gradcheck(sample[0])


def test_interpolate_bicubic_overshoots_like_torch():
    # a step edge: cubic convolution rings past the input's range on both sides
    x = np.zeros((1, 1, 1, 6))
    x[..., 3:] = 1.0
    y = F.interpolate(tc.tensor(x), size=(1, 17), mode="bicubic").numpy()
    yt = TF.interpolate(torch.tensor(x), size=(1, 17), mode="bicubic").numpy()
    assert y.min() < 0.0 and y.max() > 1.0
    np.testing.assert_allclose(y, yt, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_upsample_modules(dtype):
    x = np.random.default_rng(9).standard_normal((2, 3, 5, 4))
    for args in [dict(scale_factor=2), dict(size=(7, 9), mode="bilinear"),
                 dict(scale_factor=1.5, mode="bilinear", align_corners=True)]:
        _module("upsample", lambda nn, args=args: nn.Upsample(**args), x, dtype)
        assert repr(tc.nn.Upsample(**args)) == repr(torch.nn.Upsample(**args))
    _module("upsample", lambda nn: nn.UpsamplingBilinear2d(scale_factor=2), x, dtype)
    _module("upsample", lambda nn: nn.UpsamplingNearest2d(size=(3, 7)), x, dtype)


# ------------------------------------------------------------------------------ pixel shuffle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, r", [((2, 8, 3, 5), 2), ((1, 9, 2, 2), 3), ((4, 3, 3), 1),
                                      ((2, 1, 18, 4, 1), 3), ((5, 4, 1, 1), 2)])
def test_pixel_shuffle_module(shape, r, dtype):
    x = np.random.default_rng(sum(shape)).standard_normal(shape)
    _module("pixel_shuffle", lambda nn: nn.PixelShuffle(r), x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, r", [((2, 2, 6, 4), 2), ((1, 1, 9, 6), 3), ((3, 4, 4), 1)])
def test_pixel_unshuffle_module(shape, r, dtype):
    x = np.random.default_rng(sum(shape)).standard_normal(shape)
    _module("pixel_unshuffle", lambda nn: nn.PixelUnshuffle(r), x, dtype)
