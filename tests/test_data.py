"""Dataset / DataLoader: order, reproducibility under a seed, collate, fast path, prefetch."""
import numpy as np
import pytest

import tinyconv as tc
from tinyconv import transforms as T
from tinyconv.utils.data import (DataLoader, Dataset, RandomSampler, SequentialSampler, Subset,
                                 TensorDataset, default_collate, random_split)


class ListDataset(Dataset):
    """A dataset without the fast path: samples are (array, int, float, str, dict)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return (np.full((2,), i, np.float32), i, float(i) / 2, f"s{i}",
                {"a": tc.tensor([float(i)])})


def _collect(loader):
    return [tuple(t.numpy().copy() for t in b) for b in loader]


def test_tensor_dataset_items_and_mismatch():
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    y = np.arange(5)
    ds = TensorDataset(tc.tensor(x), y)
    assert len(ds) == 5
    a, b = ds[3]
    assert isinstance(a, tc.Tensor) and a.tolist() == [6.0, 7.0] and b.item() == 3
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(x, np.arange(4))


@pytest.mark.parametrize("prefetch", [False, True])
@pytest.mark.parametrize("n,bs,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False),
                                            (2, 5, False), (2, 5, True)])
def test_sequential_order_and_len(n, bs, drop_last, prefetch):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.int64)
    dl = DataLoader(TensorDataset(x, y), batch_size=bs, drop_last=drop_last, prefetch=prefetch)
    batches = _collect(dl)
    assert len(batches) == len(dl) == (n // bs if drop_last else -(-n // bs))
    labels = np.concatenate([b[1] for b in batches]) if batches else np.zeros(0, np.int64)
    expected = np.arange((n // bs) * bs if drop_last else n)
    np.testing.assert_array_equal(labels, expected)
    for bx, by in batches:
        np.testing.assert_array_equal(bx, x[by])
        assert bx.dtype == np.float32 and by.dtype == np.int64


@pytest.mark.parametrize("prefetch", [False, True])
def test_shuffle_is_permutation_and_reproducible(prefetch):
    n = 50
    ds = TensorDataset(np.arange(n, dtype=np.float32)[:, None], np.arange(n))
    tc.manual_seed(0)
    dl = DataLoader(ds, batch_size=8, shuffle=True, prefetch=prefetch)
    e1 = np.concatenate([b[1] for b in _collect(dl)])
    e2 = np.concatenate([b[1] for b in _collect(dl)])
    assert sorted(e1.tolist()) == list(range(n)) and sorted(e2.tolist()) == list(range(n))
    assert not np.array_equal(e1, e2)                           # new order every pass
    assert not np.array_equal(e1, np.arange(n))
    tc.manual_seed(0)
    dl2 = DataLoader(ds, batch_size=8, shuffle=True, prefetch=not prefetch)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in _collect(dl2)]), e1)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in _collect(dl2)]), e2)


def test_seed_and_set_epoch_and_generator():
    ds = TensorDataset(np.arange(30), np.arange(30))
    a = DataLoader(ds, batch_size=30, shuffle=True, seed=7)
    first, second = _collect(a)[0][1], _collect(a)[0][1]
    assert not np.array_equal(first, second)
    b = DataLoader(ds, batch_size=30, shuffle=True, seed=7)
    b.set_epoch(1)
    np.testing.assert_array_equal(_collect(b)[0][1], second)     # resume at pass 1
    tc.manual_seed(123)                                          # seed= ignores global state
    c = DataLoader(ds, batch_size=30, shuffle=True, seed=7)
    np.testing.assert_array_equal(_collect(c)[0][1], first)
    g1 = DataLoader(ds, batch_size=30, shuffle=True, generator=tc.Generator(3))
    g2 = DataLoader(ds, batch_size=30, shuffle=True, generator=tc.Generator(3))
    np.testing.assert_array_equal(_collect(g1)[0][1], _collect(g2)[0][1])


class AugDataset(TensorDataset):
    """A TensorDataset whose images go through a (random) transform, batched in _get_batch."""

    def __init__(self, x, y, transform):
        super().__init__(x, y)
        self.transform = transform

    def __getitem__(self, i):
        x, y = super().__getitem__(i)
        return self.transform(x.numpy()), y

    def _get_batch(self, idx):
        x, y = super()._get_batch(idx)
        return T.apply_batch(self.transform, x), y


def test_random_augmentation_reproducible_with_and_without_prefetch():
    x = np.random.default_rng(0).standard_normal((40, 1, 6, 6)).astype(np.float32)
    ds = AugDataset(x, np.arange(40), T.Compose([T.RandomCrop(6, padding=2),
                                                 T.RandomHorizontalFlip()]))
    runs = []
    for prefetch in (True, False):
        tc.manual_seed(5)
        dl = DataLoader(ds, batch_size=16, shuffle=True, prefetch=prefetch)
        # draws from the package generator in between batches must not disturb the loader
        out = []
        for bx, by in dl:
            tc.randn(3)
            out.append((bx.numpy().copy(), by.numpy().copy()))
        runs.append(out)
    for (ax, ay), (bx, by) in zip(*runs):
        np.testing.assert_array_equal(ay, by)
        np.testing.assert_array_equal(ax, bx)
    assert not np.array_equal(runs[0][0][0], x[runs[0][0][1]])   # augmentation did something


def test_generic_dataset_default_collate():
    dl = DataLoader(ListDataset(5), batch_size=2)
    batches = list(dl)
    assert len(batches) == len(dl) == 3
    arr, ints, floats, strs, d = batches[0]
    assert arr.shape == (2, 2) and arr.dtype == tc.float32
    assert ints.tolist() == [0, 1] and ints.dtype == tc.int64
    assert floats.tolist() == [0.0, 0.5] and floats.dtype == tc.float64
    assert strs == ("s0", "s1")  # as torch: strings inside a sample stay a tuple
    assert d["a"].shape == (2, 1) and d["a"].tolist() == [[0.0], [1.0]]
    assert batches[2][1].tolist() == [4]


def test_default_collate_structures():
    out = default_collate([{"x": np.ones(3, np.float32), "y": 1}, {"x": np.zeros(3, np.float32),
                                                                   "y": 2}])
    assert out["x"].shape == (2, 3) and out["y"].tolist() == [1, 2]
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])


def test_custom_collate_and_batch_size_none():
    dl = DataLoader(TensorDataset(np.arange(4)), batch_size=2, collate_fn=lambda s: len(s))
    assert list(dl) == [2, 2]
    single = list(DataLoader(TensorDataset(np.arange(3)), batch_size=None))
    assert [s[0].item() for s in single] == [0, 1, 2]


def test_sampler_and_subset():
    ds = TensorDataset(np.arange(10) * 10)
    dl = DataLoader(ds, batch_size=4, sampler=[9, 0, 5, 5, 1])
    assert [b[0].tolist() for b in dl] == [[90, 0, 50, 50], [10]]
    sub = Subset(ds, [3, 1, 4])
    assert len(sub) == 3 and sub[2][0].item() == 40
    assert [b[0].tolist() for b in DataLoader(sub, batch_size=2)] == [[30, 10], [40]]
    assert list(SequentialSampler(sub)) == [0, 1, 2]
    assert sorted(RandomSampler(sub, generator=tc.Generator(0))) == [0, 1, 2]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, sampler=[0], shuffle=True)


def test_bad_arguments():
    ds = TensorDataset(np.arange(3))
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(ds, batch_size=bad)


def test_random_split_lengths_fractions_and_generator():
    ds = TensorDataset(np.arange(10))
    a, b = random_split(ds, [7, 3], generator=tc.Generator(0))
    idx = sorted(a.indices.tolist() + b.indices.tolist())
    assert len(a) == 7 and len(b) == 3 and idx == list(range(10))
    c, d = random_split(ds, [7, 3], generator=tc.Generator(0))
    assert a.indices.tolist() == c.indices.tolist()
    parts = random_split(ds, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(TensorDataset(np.arange(11)), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]
    parts = random_split(TensorDataset(np.arange(10)), [0.1] * 10)   # float sum 0.9999999999999999
    assert [len(p) for p in parts] == [1] * 10
    with pytest.raises(ValueError, match="sum of input lengths"):
        random_split(ds, [5, 6])


class Boom(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 6:
            raise KeyError("boom at 6")
        return np.float32(i)


def test_errors_in_prefetch_thread_reach_the_consumer():
    dl = DataLoader(Boom(), batch_size=2, prefetch=True)
    got = []
    with pytest.raises(KeyError, match="boom"):
        for b in dl:
            got.append(b.tolist())
    assert got == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]


def test_breaking_out_early_then_iterating_again():
    ds = TensorDataset(np.arange(100))
    dl = DataLoader(ds, batch_size=10, prefetch=True)
    for i, _ in enumerate(dl):
        if i == 1:
            break
    assert [b[0].tolist()[0] for b in dl] == list(range(0, 100, 10))


# ---------------------------------------------------------------------------------- samplers
import torch  # noqa: E402
import torch.utils.data as tud  # noqa: E402

from tinyconv.utils.data import (BatchSampler, ChainDataset, IterableDataset,  # noqa: E402
                                 SubsetRandomSampler, WeightedRandomSampler, default_convert,
                                 get_worker_info, sampler)


def test_torch_module_paths_exist():
    from tinyconv.utils.data import dataloader, dataset
    assert sampler.SubsetRandomSampler is SubsetRandomSampler
    assert dataset.IterableDataset is IterableDataset and dataloader.DataLoader is DataLoader
    assert get_worker_info() is None


def test_dataloader_module_names_match_torch():
    """``from torch.utils.data.dataloader import default_collate`` is a common import."""
    from torch.utils.data import dataloader as tdl

    from tinyconv.utils.data import dataloader
    for name in tdl.__all__:
        assert getattr(dataloader, name) is getattr(tc.utils.data, name), name
    batch = [{"x": np.ones(2, np.float32), "y": 1}, {"x": np.zeros(2, np.float32), "y": 0}]
    c, t = dataloader.default_collate(batch), tdl.default_collate(batch)
    assert np.array_equal(c["x"].numpy(), t["x"].numpy()) and c["y"].tolist() == t["y"].tolist()


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n,bs", [(10, 3), (9, 3), (2, 5), (1, 1)])
def test_batch_sampler_matches_torch(n, bs, drop_last):
    t = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop_last)
    c = BatchSampler(SequentialSampler(range(n)), bs, drop_last)
    assert list(c) == list(t) and len(c) == len(t)
    # any iterable of indices, as torch
    assert list(BatchSampler([4, 2, 7], 2, False)) == list(tud.BatchSampler([4, 2, 7], 2, False))


@pytest.mark.parametrize("replacement,num_samples", [(False, None), (False, 25), (False, 3),
                                                     (True, None), (True, 40)])
def test_random_sampler_counts_and_reproducibility(replacement, num_samples):
    ds = range(10)
    s = RandomSampler(ds, replacement=replacement, num_samples=num_samples,
                      generator=tc.Generator(3))
    t = tud.RandomSampler(ds, replacement=replacement, num_samples=num_samples)
    a = list(s)
    assert len(a) == len(s) == len(t) == len(list(t))
    assert all(isinstance(i, int) and 0 <= i < 10 for i in a)
    if not replacement:
        # whole permutations, then a cut one: every index appears n // 10 or n // 10 + 1 times
        counts = np.bincount(a, minlength=10)
        assert counts.max() - counts.min() <= 1
        assert sorted(a[:10]) == list(range(10)) or len(a) < 10
    b = list(RandomSampler(ds, replacement=replacement, num_samples=num_samples,
                           generator=tc.Generator(3)))
    assert a == b


def test_subset_random_sampler():
    idx = [7, 3, 11, 5]
    s = SubsetRandomSampler(idx, generator=tc.Generator(0))
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == sorted(idx) and len(s) == 4
    assert first == list(SubsetRandomSampler(idx, generator=tc.Generator(0)))
    ds = TensorDataset(np.arange(20) * 10)
    got = [b[0].tolist() for b in DataLoader(ds, batch_size=3, sampler=s)]
    assert sorted(sum(got, [])) == [30, 50, 70, 110]


def test_weighted_random_sampler():
    w = [0.0, 1.0, 3.0, 0.0, 6.0]
    s = WeightedRandomSampler(w, 20000, generator=tc.Generator(1))
    counts = np.bincount(list(s), minlength=5)
    assert counts[0] == counts[3] == 0 and counts.sum() == 20000
    np.testing.assert_allclose(counts / 20000, [0, 0.1, 0.3, 0, 0.6], atol=0.015)
    picks = list(WeightedRandomSampler(tc.tensor(w), 3, replacement=False,
                                       generator=tc.Generator(2)))
    assert sorted(picks) == [1, 2, 4]
    # without replacement, the zero weights come once the others are used up (torch's)
    assert sorted(WeightedRandomSampler(w, 4, replacement=False))[-3:] == [1, 2, 4]
    for sampler_cls in (tud.WeightedRandomSampler, WeightedRandomSampler):
        with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist"):
            list(sampler_cls(w, 6, replacement=False))
        with pytest.raises(RuntimeError, match="invalid multinomial distribution"):
            list(sampler_cls([1.0, -1.0], 2))


@pytest.mark.parametrize("make,exc,match", [
    (lambda m: m.RandomSampler(range(3), replacement=1), TypeError, "replacement should be"),
    (lambda m: m.RandomSampler(range(3), num_samples=0), ValueError, "num_samples should be"),
    (lambda m: m.RandomSampler([], num_samples=None), ValueError, "num_samples=0"),
    (lambda m: m.WeightedRandomSampler([1.0], 0), ValueError, "num_samples should be"),
    (lambda m: m.WeightedRandomSampler([1.0], True), ValueError, "num_samples should be"),
    (lambda m: m.WeightedRandomSampler([1.0], 2, replacement=1), ValueError,
     "replacement should be a boolean"),
    (lambda m: m.WeightedRandomSampler([[1.0, 2.0]], 2), ValueError, "weights should be a 1d"),
    (lambda m: m.BatchSampler(range(3), 0, False), ValueError, "batch_size should be"),
    (lambda m: m.BatchSampler(range(3), 2, 1), ValueError, "drop_last should be a boolean"),
])
def test_sampler_errors_match_torch(make, exc, match):
    with pytest.raises(exc, match=match):
        make(tud)
    with pytest.raises(exc, match=match):
        make(sampler)


# ---------------------------------------------------------------------------------- collate
Point = __import__("collections").namedtuple("Point", "x y")

SAMPLES = [
    [(np.arange(3, dtype=np.float32) + i, i, i * 0.5, bool(i % 2), f"s{i}") for i in range(4)],
    [{"a": np.full((2, 2), i, np.int32), "b": [i, i + 1]} for i in range(3)],
    [Point(np.float64(i), np.int64(i)) for i in range(3)],
    [[np.ones(2, np.float32) * i, {"k": i}] for i in range(2)],
]


def _same_structure(c, t):
    if isinstance(t, torch.Tensor):
        assert isinstance(c, tc.Tensor), type(c)
        assert c.dtype == t.numpy().dtype and c.shape == tuple(t.shape)
        np.testing.assert_array_equal(c.numpy(), t.numpy())
    elif isinstance(t, dict):
        assert list(c) == list(t)
        for k in t:
            _same_structure(c[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(c) is type(t) and len(c) == len(t)
        for a, b in zip(c, t):
            _same_structure(a, b)
    else:
        assert c == t


@pytest.mark.parametrize("i", range(len(SAMPLES)))
def test_default_collate_and_convert_match_torch(i):
    batch = SAMPLES[i]
    _same_structure(default_collate(batch), tud.default_collate(batch))
    _same_structure(default_convert(batch[0]), tud.default_convert(batch[0]))


def test_default_collate_errors_match_torch():
    for bad, exc in (([object(), object()], TypeError), ([[1, 2], [1]], RuntimeError),
                     ([np.array(["a"]), np.array(["b"])], TypeError)):
        with pytest.raises(exc):
            tud.default_collate(bad)
        with pytest.raises(exc):
            default_collate(bad)


# ------------------------------------------------------------------------ iterable datasets
class Range(IterableDataset):
    """range(lo, hi), split among workers as torch's documentation does."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def __len__(self):
        return self.hi - self.lo

    def __iter__(self):
        info = get_worker_info()
        step, first = (1, self.lo) if info is None else (info.num_workers, self.lo + info.id)
        return iter([np.float32(i) for i in range(first, self.hi, step)])


class TorchRange(tud.IterableDataset):
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def __iter__(self):
        info = tud.get_worker_info()
        step, first = (1, self.lo) if info is None else (info.num_workers, self.lo + info.id)
        return iter([np.float32(i) for i in range(first, self.hi, step)])


@pytest.mark.parametrize("bs,drop_last", [(3, False), (3, True), (None, False)])
def test_iterable_and_chain_dataset_match_torch(bs, drop_last):
    def values(loader):
        return [b.tolist() for b in loader]

    c = ChainDataset([Range(0, 5), Range(10, 14)])
    t = tud.ChainDataset([TorchRange(0, 5), TorchRange(10, 14)])
    assert values(DataLoader(c, batch_size=bs, drop_last=drop_last)) == \
        values(tud.DataLoader(t, batch_size=bs, drop_last=drop_last))
    assert len(c) == 9 and list(Range(0, 2) + Range(5, 6)) == [0.0, 1.0, 5.0]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(c, shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(c, sampler=[0])
    with pytest.raises(TypeError, match="does not support IterableDataset"):
        tc.utils.data.ConcatDataset([c])


@pytest.mark.parametrize("kwargs,match", [
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
    ({"num_workers": 1, "prefetch_factor": -1}, "prefetch_factor option should be non-negative"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"batch_size": None, "drop_last": True}, "mutually exclusive with drop_last"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"multiprocessing_context": "spawn"}, "can only be used with multi-process loading"),
    ({"num_workers": 1, "multiprocessing_context": "nope"}, "valid start method"),
])
def test_loader_argument_errors_match_torch(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tud.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(ValueError, match=match):
        DataLoader(TensorDataset(np.arange(4)), **kwargs)


def test_loader_attributes_and_pin_memory_warning_as_torch():
    ds = TensorDataset(np.arange(6))
    dl = DataLoader(ds, batch_size=4, shuffle=True, pin_memory=True)
    assert isinstance(dl.sampler, RandomSampler) and len(dl.sampler) == 6
    assert isinstance(DataLoader(ds).sampler, SequentialSampler)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true"):
        iter(tud.DataLoader(list(range(6)), pin_memory=True))
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true"):
        assert sorted(sum((b[0].tolist() for b in dl), [])) == list(range(6))


def test_batch_size_none_passes_each_sample_to_collate_fn_as_torch():
    ds = TensorDataset(np.arange(3))
    assert list(DataLoader(ds, batch_size=None, collate_fn=lambda s: s[0].item() * 2)) == \
        [0, 2, 4]
    out = list(DataLoader(ListDataset(2), batch_size=None))
    assert isinstance(out[0][0], tc.Tensor) and out[0][1] == 0 and out[1][3] == "s1"


def test_generator_makes_shuffles_reproducible():
    ds = TensorDataset(np.arange(30))

    def order(g):
        return [b[0].tolist() for b in DataLoader(ds, batch_size=7, shuffle=True, generator=g)]

    assert order(tc.Generator(4)) == order(tc.Generator(4)) != order(tc.Generator(5))
