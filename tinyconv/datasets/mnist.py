"""MNIST and Fashion-MNIST in the IDX format (optionally gzipped), and a fake-data writer."""
import gzip
import os
import zlib

import numpy as np

from .._docstrings import shared_docs
from ._base import _ImageArrayDataset
from ._files import (DEBIAN_FASHION_MNIST, _bases, _default_base, _describe_missing,
                     _download_any, md5sum)

# --------------------------------------------------------------------------- MNIST family

def _read_idx(path):
    """An IDX file (optionally .gz) as an ndarray (uint8 payloads only, as MNIST uses)."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:   # gzip's CRC and length checks
        raise RuntimeError(f"{path}: truncated or corrupted ({type(e).__name__}: {e}); delete "
                           f"it and download it again (download=True)") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise RuntimeError(f"{path}: not an IDX file (bad magic {raw[:4]!r})")
    if raw[2] != 0x08:
        raise RuntimeError(f"{path}: IDX type code 0x{raw[2]:02x} is not uint8 (0x08)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    n = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != n:
        raise RuntimeError(f"{path}: IDX header says shape {dims} ({n} bytes) but the file holds "
                           f"{len(raw) - header} bytes of data (truncated or corrupted?)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()


# The constructor arguments and attributes MNIST and FashionMNIST share (their docstrings'
# ``{interface}``).
_DOCS = {"interface": """Args:
    root (str, optional): base directory (see the module docstring for the search order).
    train (bool): training split (else test).
    transform (callable, optional): applied to the uint8 ``(28, 28)`` image (batched in the
        DataLoader when it supports it), e.g. ``transforms.ToTensor()``.
    target_transform (callable, optional): applied to the int label.
    download (bool): fetch the files if they are not found.
Attributes:
    data (ndarray uint8 (N, 28, 28)), targets (ndarray int64 (N,)), classes (list of str)."""}


@shared_docs(_DOCS)
class MNIST(_ImageArrayDataset):
    """MNIST handwritten digits, 28x28 grey, 60,000 train / 10,000 test images.

    {interface}
    """

    folder = "MNIST"
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    # (file, md5 of the published .gz, size in bytes)
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542),
    ]
    extra_dirs = ()
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        self._set_split(train, transform, target_transform)
        prefix = "train" if self.train else "t10k"
        stems = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
        found = self._find(root, stems)
        if found is None and download:
            self._download(root)
            found = self._find(root, stems)
        if found is None:
            searched = self._candidate_dirs(root)
            dest = os.path.join(root or _default_base(), self.folder, "raw")
            raise RuntimeError(_describe_missing(type(self).__name__, dest, self.resources,
                                                 self.mirrors, searched))
        self.root, (img_path, lbl_path) = found
        try:
            self.data = _read_idx(img_path)
            self.targets = _read_idx(lbl_path).astype(np.int64)
        except RuntimeError:
            if not download:
                raise
            # a damaged download: fetch again what no longer matches its published md5
            self._download(root)
            self.root, (img_path, lbl_path) = self._find(root, stems)
            self.data = _read_idx(img_path)
            self.targets = _read_idx(lbl_path).astype(np.int64)
        if self.data.ndim != 3 or self.targets.ndim != 1 or \
                self.data.shape[0] != self.targets.shape[0]:
            raise RuntimeError(f"{type(self).__name__}: {img_path} has shape {self.data.shape} "
                               f"but {lbl_path} has shape {self.targets.shape}")

    def _candidate_dirs(self, root):
        out = []
        for base in _bases(root, self.extra_dirs):
            for d in (os.path.join(base, self.folder, "raw"), os.path.join(base, self.folder),
                      base):
                if d not in out:
                    out.append(d)
        return out

    def _find(self, root, stems):
        for d in self._candidate_dirs(root):
            paths = []
            for stem in stems:
                for name in (stem, stem + ".gz"):
                    if os.path.isfile(os.path.join(d, name)):
                        paths.append(os.path.join(d, name))
                        break
            if len(paths) == len(stems):
                return d, paths
        return None

    def _download(self, root):
        dest = os.path.join(root or _default_base(), self.folder, "raw")
        for fname, md5, size in self.resources:
            target = os.path.join(dest, fname)
            if os.path.isfile(target) and md5sum(target) == md5:
                continue
            _download_any(self.mirrors, fname, dest, md5, size)


@shared_docs(_DOCS)
class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grey clothing images, 60,000 train / 10,000 test.

    Same interface as ``MNIST``. Besides ``root``, ``$TINYCONV_DATA`` and ``~/.cache/tinyconv``
    it finds the Debian package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``),
    so ``FashionMNIST()`` works offline once that package is installed. (The Debian files are
    re-compressed, so their md5 differs from the published one; checksums are verified on
    download only, the IDX headers and sizes always.)

    {interface}
    """

    folder = "FashionMNIST"
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26421880),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29515),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", 4422102),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5148),
    ]
    extra_dirs = (DEBIAN_FASHION_MNIST,)
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


# --------------------------------------------------------------------------- fake data writers

def _write_idx(path, arr):
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    payload = header + arr.tobytes()
    if path.endswith(".gz"):
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        with open(path, "wb") as f:
            f.write(payload)


def write_fake_mnist(directory, n_train=64, n_test=32, gz=True, seed=0, num_classes=10):
    """Write a small random MNIST-format dataset (the four IDX files) into ``directory``.

    Args:
        directory (str): where the files go (e.g. ``root/FashionMNIST/raw``).
        n_train (int): number of training images.
        n_test (int): number of test images.
        gz (bool): gzip the files (``.gz`` names) like the published ones.
        seed (int): NumPy seed of the content.
        num_classes (int): labels are drawn from ``0 .. num_classes - 1``.
    Returns:
        dict: ``{'train': (images, labels), 'test': (images, labels)}`` as written.
    """
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {}
    for split, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, num_classes, size=(n,), dtype=np.uint8)
        ext = ".gz" if gz else ""
        _write_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte{ext}"), images)
        _write_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte{ext}"), labels)
        out[split] = (images, labels.astype(np.int64))
    return out


