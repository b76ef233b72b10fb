"""Transforms vs hand-computed results, single-sample and batched (and batched == per-sample)."""
import numpy as np
import pytest

import tinyconv as tc
from tinyconv import transforms as T


def test_to_tensor_hw_and_hwc():
    img = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    t = T.ToTensor()(img)
    assert isinstance(t, tc.Tensor) and t.shape == (1, 2, 2) and t.dtype == tc.float32
    np.testing.assert_array_equal(t.numpy(), np.array([[[0.0, 1.0], [0.2, 0.4]]], np.float32))
    rgb = np.zeros((2, 3, 3), dtype=np.uint8)
    rgb[0, 1] = [255, 0, 51]                                    # pixel (0, 1): R, G, B
    t = T.ToTensor()(rgb).numpy()
    assert t.shape == (3, 2, 3)
    assert t[0, 0, 1] == np.float32(1.0) and t[1, 0, 1] == 0.0 and t[2, 0, 1] == np.float32(0.2)
    assert t.sum() == np.float32(1.2)


@pytest.mark.parametrize("shape", [(5, 4, 6), (5, 4, 6, 3)])
def test_to_tensor_batched_matches_single(shape):
    x = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    b = T.ToTensor().apply_batch(x)
    assert b.dtype == np.float32 and b.shape == (5, 1 if len(shape) == 3 else 3, 4, 6)
    for i in range(5):
        np.testing.assert_array_equal(b[i], T.ToTensor()(x[i]).numpy())


def test_normalize_values_and_dtype():
    x = np.arange(2 * 2 * 2, dtype=np.float32).reshape(2, 2, 2)
    out = T.Normalize([1.0, 2.0], [2.0, 4.0])(x)
    expected = np.array([[[-0.5, 0.0], [0.5, 1.0]], [[0.5, 0.75], [1.0, 1.25]]], np.float32)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out.dtype == np.float32
    xb = np.stack([x, x + 1])
    ob = T.Normalize([1.0, 2.0], [2.0, 4.0]).apply_batch(xb)
    assert ob.dtype == np.float32
    np.testing.assert_allclose(ob[1], expected + np.array([0.5, 0.25], np.float32)[:, None, None],
                               rtol=1e-6)
    t = T.Normalize([0.5], [0.5])(tc.tensor(np.ones((1, 2, 2), np.float32)))
    assert isinstance(t, tc.Tensor) and np.all(t.numpy() == 1.0)


def test_normalize_errors():
    with pytest.raises(ValueError, match="std"):
        T.Normalize([0.0], [0.0])
    with pytest.raises(ValueError, match="3 channels"):
        T.Normalize([0.0, 0.0], [1.0, 1.0])(np.zeros((3, 2, 2), np.float32))
    with pytest.raises(TypeError, match="uint8"):
        T.Normalize([0.0], [1.0])(np.zeros((1, 2, 2), np.uint8))


def test_random_crop_padding_hand_computed():
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3)
    seen = set()
    for seed in range(60):
        out = T.RandomCrop(3, padding=1, generator=tc.Generator(seed))(x)
        assert out.shape == (1, 3, 3)
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
        # the crop must be one of the 9 windows of the padded image
        wins = [(i, j) for i in range(3) for j in range(3)
                if np.array_equal(padded[:, i:i + 3, j:j + 3], out)]
        assert len(wins) == 1
        seen.add(wins[0])
    assert len(seen) == 9                   # every offset is reachable


def test_random_crop_uint8_hwc():
    x = np.random.default_rng(1).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    out = T.RandomCrop((4, 3), generator=tc.Generator(3))(x)
    assert out.shape == (4, 3, 3) and out.dtype == np.uint8
    found = [(i, j) for i in range(3) for j in range(3) if np.array_equal(x[i:i + 4, j:j + 3], out)]
    assert found


@pytest.mark.parametrize("shape,dtype", [((7, 2, 5, 6), np.float32), ((7, 5, 6), np.uint8),
                                         ((7, 5, 6, 3), np.uint8)])
def test_random_crop_batched_each_sample_is_a_window(shape, dtype):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, shape).astype(dtype)
    crop = T.RandomCrop((4, 3), padding=2, generator=tc.Generator(0))
    out = crop.apply_batch(x)
    float_layout = dtype != np.uint8
    ha, wa = (2, 3) if float_layout else (1, 2)
    widths = [(0, 0)] * x.ndim
    widths[ha], widths[wa] = (2, 2), (2, 2)
    padded = np.pad(x, widths)
    offsets = set()
    for n in range(shape[0]):
        hits = []
        for i in range(padded.shape[ha] - 4 + 1):
            for j in range(padded.shape[wa] - 3 + 1):
                sl = [slice(None)] * (x.ndim - 1)
                sl[ha - 1], sl[wa - 1] = slice(i, i + 4), slice(j, j + 3)
                if np.array_equal(padded[n][tuple(sl)], out[n]):
                    hits.append((i, j))
        assert hits, f"sample {n} is not a window of its padded image"
        offsets.add(hits[0])
    assert len(offsets) > 1                 # offsets drawn per sample, not once per batch
    expected_shape = list(shape)
    expected_shape[ha], expected_shape[wa] = 4, 3
    assert out.shape == tuple(expected_shape) and out.dtype == dtype


def test_flip_single_and_batched():
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x), x[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(x), x)
    xb = np.random.default_rng(0).standard_normal((64, 1, 2, 3)).astype(np.float32)
    out = T.RandomHorizontalFlip(generator=tc.Generator(5)).apply_batch(xb)
    flipped = [bool(np.array_equal(out[n], xb[n, :, :, ::-1])) for n in range(64)]
    kept = [bool(np.array_equal(out[n], xb[n])) for n in range(64)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert 10 < sum(flipped) < 54
    u = np.random.default_rng(0).integers(0, 256, (4, 3, 5, 3), dtype=np.uint8)   # N,H,W,C
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0).apply_batch(u), u[:, :, ::-1, :])


def test_compose_batched_equals_per_sample_deterministic():
    x = np.random.default_rng(3).integers(0, 256, (4, 6, 6, 3), dtype=np.uint8)
    t = T.Compose([T.ToTensor(), T.Normalize([0.5, 0.4, 0.3], [0.2, 0.3, 0.4])])
    b = t.apply_batch(x)
    for i in range(4):
        np.testing.assert_allclose(b[i], t(x[i]).numpy(), rtol=1e-6, atol=1e-6)
    expected = (x[2].transpose(2, 0, 1) / 255.0 - np.array([0.5, 0.4, 0.3])[:, None, None]) \
        / np.array([0.2, 0.3, 0.4])[:, None, None]
    np.testing.assert_allclose(b[2], expected, rtol=1e-5, atol=1e-5)


def test_random_transforms_follow_manual_seed():
    x = np.random.default_rng(0).standard_normal((8, 1, 5, 5)).astype(np.float32)
    t = T.Compose([T.RandomCrop(5, padding=2), T.RandomHorizontalFlip()])
    tc.manual_seed(11)
    a = t.apply_batch(x)
    tc.manual_seed(11)
    b = t.apply_batch(x)
    c = t.apply_batch(x)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_apply_batch_falls_back_to_per_sample_callable():
    x = np.arange(12, dtype=np.float32).reshape(3, 1, 2, 2)
    out = T.apply_batch(lambda s: s * 2.0, x)
    np.testing.assert_array_equal(out, x * 2.0)


def test_crop_too_large():
    with pytest.raises(ValueError, match="larger"):
        T.RandomCrop(5)(np.zeros((1, 3, 3), np.float32))
