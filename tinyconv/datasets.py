"""Image datasets in their official file formats: CIFAR-10 (python batches), MNIST and
Fashion-MNIST (IDX, optionally gzipped).

Where the files are looked for, in order: ``root`` (if given), ``$TINYCONV_DATA``,
``~/.cache/tinyconv``, and for Fashion-MNIST the directory of the Debian package
``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``). Inside each base directory the
dataset's own folder (``FashionMNIST/raw``, ``FashionMNIST``, ``MNIST/raw``, ...,
``cifar-10-batches-py``) and the base itself are tried.

``download=True`` fetches the official files into the first base directory (``root``, else
``$TINYCONV_DATA``, else ``~/.cache/tinyconv``): a tqdm progress bar, a ``.part`` file that is
resumed with an HTTP Range request (or restarted when the server ignores it) and renamed only
after its md5 matches the published checksum, and, for CIFAR-10, a tar extraction that refuses
absolute paths, ``..`` components, links pointing outside the target and special files.
Without the files and without ``download=True`` the error names each file, where to put it, its
size and md5.

Images are kept as uint8 arrays: ``(N, 28, 28)`` for the MNIST family, ``(N, 32, 32, 3)`` for
CIFAR-10 (``data``), labels as int64 (``targets``). ``ds[i]`` is ``(image, label)``; the
``DataLoader`` gathers whole batches with one fancy index and applies the transform batched.

``write_fake_cifar10`` and ``write_fake_mnist`` write small random datasets in the official
formats (used by the tests, handy for trying the pipeline offline).
"""
import gzip
import hashlib
import os
import pickle
import posixpath
import tarfile
import urllib.error
import urllib.request

import numpy as np

from . import transforms as _transforms
from .utils.data import Dataset

__all__ = ["CIFAR10", "MNIST", "FashionMNIST", "write_fake_cifar10", "write_fake_mnist",
           "cifar10_archive", "safe_extract_tar", "download_url", "md5sum"]

DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


# --------------------------------------------------------------------------- files and checksums

def md5sum(path, chunk=1 << 20):
    """Hex md5 digest of a file, read in chunks.

    Args:
        path: the file.
        chunk: bytes read at a time.

    Returns:
        str: 32 hex digits.
    """
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _default_base():
    env = os.environ.get("TINYCONV_DATA")
    return env if env else os.path.join(os.path.expanduser("~"), ".cache", "tinyconv")


def _bases(root, extra=()):
    out = []
    for b in (root, os.environ.get("TINYCONV_DATA"),
              os.path.join(os.path.expanduser("~"), ".cache", "tinyconv"), *extra):
        if b and os.fspath(b) not in out:
            out.append(os.path.expanduser(os.fspath(b)))
    return out


def _progress(total, initial, desc):
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is a dependency; keep downloads working without it
        return None
    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                desc=desc, leave=False)


def download_url(url, path, md5=None, size=None, timeout=30.0, chunk=1 << 16):
    """Download ``url`` to ``path`` via ``path + '.part'``, resuming a partial download.

    An existing ``.part`` file is continued with an HTTP ``Range`` request; if the server answers
    with the whole file instead (status 200) the download restarts from zero. The ``.part`` file
    is renamed to ``path`` only after its md5 equals ``md5``; on a mismatch it is deleted and
    ``RuntimeError`` is raised.

    Args:
        url (str): source.
        path (str): destination file.
        md5 (str, optional): expected hex md5.
        size (int, optional): expected size in bytes (for the progress bar before the server says).
    Returns:
        str: ``path``.
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    part = path + ".part"
    have = os.path.getsize(part) if os.path.exists(part) else 0
    if size is not None and have > size:        # longer than the real file: junk, start over
        os.remove(part)
        have = 0
    if not (size is not None and have == size):
        req = urllib.request.Request(url, headers={"User-Agent": "tinyconv"})
        if have:
            req.add_header("Range", f"bytes={have}-")
        try:
            resp = urllib.request.urlopen(req, timeout=timeout)
        except urllib.error.HTTPError as e:
            if e.code != 416 or not have:       # 416: nothing left to fetch (already complete)
                raise
            resp = None
        if resp is not None:
            with resp:
                status = getattr(resp, "status", 200)
                mode = "ab" if (have and status == 206) else "wb"
                if mode == "wb":
                    have = 0
                length = resp.headers.get("Content-Length")
                total = have + int(length) if length is not None else size
                bar = _progress(total, have, os.path.basename(path))
                try:
                    with open(part, mode) as f:
                        while True:
                            block = resp.read(chunk)
                            if not block:
                                break
                            f.write(block)
                            if bar is not None:
                                bar.update(len(block))
                finally:
                    if bar is not None:
                        bar.close()
    if md5 is not None:
        got = md5sum(part)
        if got != md5:
            os.remove(part)
            raise RuntimeError(f"download_url: md5 mismatch for {url}: expected {md5}, got {got} "
                               f"(the partial file was deleted; try again)")
    os.replace(part, path)
    return path


def _download_any(mirrors, filename, dest_dir, md5, size):
    errors = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename
        try:
            return download_url(url, os.path.join(dest_dir, filename), md5=md5, size=size)
        except (urllib.error.URLError, OSError) as e:
            errors.append(f"{url}: {e}")
    raise RuntimeError(f"could not download {filename}:\n  " + "\n  ".join(errors))


def _within(base, target):
    base = os.path.realpath(base)
    target = os.path.realpath(target)
    return target == base or target.startswith(base + os.sep)


def _check_member(member, dest):
    name = member.name
    if name.startswith(("/", "\\")) or os.path.isabs(name) or (len(name) > 1 and name[1] == ":"):
        raise RuntimeError(f"safe_extract_tar: refusing absolute path {name!r}")
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        raise RuntimeError(f"safe_extract_tar: refusing path with '..': {name!r}")
    target = os.path.join(dest, *parts)
    if not _within(dest, target):
        raise RuntimeError(f"safe_extract_tar: {name!r} would be written outside {dest}")
    if member.issym() or member.islnk():
        link = member.linkname
        if member.issym():
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), link))
        else:
            resolved = posixpath.normpath(link)
        if (posixpath.isabs(link) or resolved.startswith("../") or resolved == ".."
                or not _within(dest, os.path.join(dest, resolved))):
            raise RuntimeError(f"safe_extract_tar: refusing link {name!r} -> {link!r} that "
                               f"points outside {dest}")
    elif not (member.isfile() or member.isdir()):
        raise RuntimeError(f"safe_extract_tar: refusing special file {name!r}")


def safe_extract_tar(archive, dest):
    """Extract a (gzipped) tar archive into ``dest`` after checking every member.

    Every member is validated before anything is written: absolute paths, ``..`` components,
    paths resolving outside ``dest``, links whose target leaves ``dest`` and device/fifo members
    raise ``RuntimeError``.

    Args:
        archive (str): path of the .tar / .tar.gz.
        dest (str): directory to extract into (created if needed).
    Returns:
        list[str]: the extracted member names.
    """
    os.makedirs(dest, exist_ok=True)
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for m in members:
            _check_member(m, dest)
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(dest, members=members, **kwargs)
    return [m.name for m in members]


def _describe_missing(name, folder, files, mirrors, searched):
    lines = [f"{name}: dataset files not found. Searched: {', '.join(searched) or '(nothing)'}.",
             "Pass download=True to fetch them, or put these files into "
             f"{folder} (or set $TINYCONV_DATA to a directory holding them):"]
    for fname, md5, size in files:
        lines.append(f"  {fname}  ({size} bytes, md5 {md5})  from {mirrors[0].rstrip('/')}/{fname}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- base class

class _ImageArrayDataset(Dataset):
    """uint8 images + int64 labels held as arrays; batched fast path for the DataLoader."""

    data: np.ndarray
    targets: np.ndarray
    classes: list = []

    def __getitem__(self, index):
        img = self.data[index]
        target = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return int(self.data.shape[0])

    def _get_batch(self, indices):
        imgs = self.data[indices]
        if self.transform is not None:
            imgs = _transforms.apply_batch(self.transform, imgs)
        targets = self.targets[indices]
        if self.target_transform is not None:
            targets = np.asarray([self.target_transform(int(t)) for t in targets])
        return imgs, targets

    def __repr__(self):
        split = "Train" if self.train else "Test"
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {split}")


# --------------------------------------------------------------------------- MNIST family

def _read_idx(path):
    """An IDX file (optionally .gz) as an ndarray (uint8 payloads only, as MNIST uses)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
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


class MNIST(_ImageArrayDataset):
    """MNIST handwritten digits, 28x28 grey, 60,000 train / 10,000 test images.

    Args:
        root (str, optional): base directory (see the module docstring for the search order).
        train (bool): training split (else test).
        transform (callable, optional): applied to the uint8 ``(28, 28)`` image (batched in the
            DataLoader when it supports it), e.g. ``transforms.ToTensor()``.
        target_transform (callable, optional): applied to the int label.
        download (bool): fetch the files if they are not found.
    Attributes:
        data (ndarray uint8 (N, 28, 28)), targets (ndarray int64 (N,)), classes (list of str).
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
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
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


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grey clothing images, 60,000 train / 10,000 test.

    Same interface as ``MNIST``. Besides ``root``, ``$TINYCONV_DATA`` and ``~/.cache/tinyconv``
    it finds the Debian package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``),
    so ``FashionMNIST()`` works offline once that package is installed. (The Debian files are
    re-compressed, so their md5 differs from the published one; checksums are verified on
    download only, the IDX headers and sizes always.)

    Args:
        root (str, optional): base directory (see the module docstring for the search order).
        train (bool): training split (else test).
        transform (callable, optional): applied to the uint8 ``(28, 28)`` image, e.g.
            ``transforms.ToTensor()``.
        target_transform (callable, optional): applied to the int label.
        download (bool): fetch the files if they are not found.

    Attributes:
        data: uint8 (N, 28, 28) images.
        targets: int64 (N,) labels.
        classes: the ten class names, 'T-shirt/top' to 'Ankle boot'.

    Examples:
        >>> import tinyconv as tc
        >>> test = tc.datasets.FashionMNIST(train=False)   # doctest: +SKIP
        >>> len(test), test.classes[9]                     # doctest: +SKIP
        (10000, 'Ankle boot')
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


# --------------------------------------------------------------------------- CIFAR-10

class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles only dicts/lists/strings/numbers and NumPy arrays: no arbitrary callables."""

    @staticmethod
    def _allowed():
        try:
            from numpy._core import multiarray
        except ImportError:  # NumPy < 2
            from numpy.core import multiarray
        import _codecs
        allowed = {}
        for mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
            allowed[(mod, "_reconstruct")] = multiarray._reconstruct
            allowed[(mod, "scalar")] = multiarray.scalar
        allowed[("numpy", "ndarray")] = np.ndarray
        allowed[("numpy", "dtype")] = np.dtype
        allowed[("_codecs", "encode")] = _codecs.encode   # how py3 protocol-2 pickles bytes
        return allowed

    def find_class(self, module, name):
        fn = self._allowed().get((module, name))
        if fn is None:
            raise pickle.UnpicklingError(f"CIFAR10: refusing to unpickle {module}.{name} "
                                         "(only NumPy arrays and plain containers are allowed)")
        return fn


def _load_cifar_batch(path):
    with open(path, "rb") as f:
        obj = _RestrictedUnpickler(f, encoding="latin1").load()
    if not isinstance(obj, dict):
        raise RuntimeError(f"{path}: expected a dict in a CIFAR batch, got {type(obj).__name__}")
    return obj


class CIFAR10(_ImageArrayDataset):
    """CIFAR-10: 32x32 RGB images of 10 classes, 50,000 train / 10,000 test.

    Reads the official python version (``cifar-10-batches-py/data_batch_1..5``, ``test_batch``,
    ``batches.meta``) with a restricted unpickler (NumPy arrays and containers only).

    Args:
        root (str, optional): base directory holding ``cifar-10-batches-py`` (see the module
            docstring for the search order).
        train (bool): training split (else test).
        transform (callable, optional): applied to the uint8 ``(32, 32, 3)`` image (batched in
            the DataLoader when it supports it).
        target_transform (callable, optional): applied to the int label.
        download (bool): fetch and extract the archive if the batches are not found.
    Attributes:
        data (ndarray uint8 (N, 32, 32, 3)), targets (ndarray int64 (N,)), classes (list of str).
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    tgz_size = 170498071
    train_list = [
        ("data_batch_1", "c99cafc152244af753f735de768cd75f"),
        ("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"),
        ("data_batch_3", "54ebc095f3ab1f0389bbae665268c751"),
        ("data_batch_4", "634d18415352ddfa80567beed471001a"),
        ("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"),
    ]
    test_list = [("test_batch", "40351d587109b95175f43aff81a1287e")]
    meta = ("batches.meta", "5ff9c542aee3614f3951f8cda6e48888")
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        files = [f for f, _ in (self.train_list if self.train else self.test_list)]
        base = self._find(root, files)
        if base is None and download:
            self.download_to(root or _default_base())
            base = self._find(root, files)
        if base is None:
            dest = root or _default_base()
            searched = [os.path.join(b, self.base_folder) for b in _bases(root)]
            raise RuntimeError(
                f"CIFAR10: dataset files not found. Searched: {', '.join(searched)}.\n"
                f"Pass download=True, or download {self.url} ({self.tgz_size} bytes, "
                f"md5 {self.tgz_md5}) and extract it into {dest} so that "
                f"{os.path.join(dest, self.base_folder)} holds "
                + ", ".join(f"{f} (md5 {m})" for f, m in
                            self.train_list + self.test_list + [self.meta]))
        self.root = base
        datas, labels = [], []
        for fname in files:
            entry = _load_cifar_batch(os.path.join(base, self.base_folder, fname))
            try:
                d = np.asarray(entry["data"], dtype=np.uint8)
                lab = entry["labels"] if "labels" in entry else entry["fine_labels"]
            except KeyError as e:
                raise RuntimeError(f"CIFAR10: {fname} lacks the key {e}") from None
            datas.append(d.reshape(-1, 3, 32, 32))
            labels.extend(lab)
        # stored channel-planar (N, 3, 32, 32); kept as images (N, 32, 32, 3) like torchvision
        self.data = np.ascontiguousarray(np.concatenate(datas).transpose(0, 2, 3, 1))
        self.targets = np.asarray(labels, dtype=np.int64)
        meta_path = os.path.join(base, self.base_folder, self.meta[0])
        if os.path.isfile(meta_path):
            names = _load_cifar_batch(meta_path).get("label_names")
            if names:
                self.classes = list(names)
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _find(self, root, files):
        for b in _bases(root):
            d = os.path.join(b, self.base_folder)
            if all(os.path.isfile(os.path.join(d, f)) for f in files):
                return b
        return None

    @classmethod
    def download_to(cls, root):
        """Download (resumable, md5-checked) and safely extract the archive into ``root``."""
        archive = os.path.join(root, cls.filename)
        if not (os.path.isfile(archive) and md5sum(archive) == cls.tgz_md5):
            download_url(cls.url, archive, md5=cls.tgz_md5, size=cls.tgz_size)
        safe_extract_tar(archive, root)


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


def write_fake_cifar10(root, n_per_batch=20, n_test=20, seed=0):
    """Write a small random CIFAR-10 in the official python format under ``root``.

    Creates ``root/cifar-10-batches-py/`` with ``data_batch_1..5``, ``test_batch`` and
    ``batches.meta`` (pickled dicts with ``data`` uint8 (n, 3072) rows in channel-planar order,
    ``labels`` lists, ``batch_label`` and ``filenames``).

    Args:
        root: the directory to write into.
        n_per_batch: images in each of the five training batches.
        n_test: images in the test batch.
        seed: NumPy seed of the content.

    Returns:
        dict: ``{'train': (images (N, 32, 32, 3), labels), 'test': (...)}`` as written.
    """
    d = os.path.join(root, CIFAR10.base_folder)
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(seed)
    train_imgs, train_lbls = [], []
    out = {}
    names = [f for f, _ in CIFAR10.train_list] + [f for f, _ in CIFAR10.test_list]
    for fname in names:
        n = n_test if fname == "test_batch" else n_per_batch
        rows = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).tolist()
        entry = {"batch_label": f"fake {fname}", "labels": labels, "data": rows,
                 "filenames": [f"img_{i}.png" for i in range(n)]}
        with open(os.path.join(d, fname), "wb") as f:
            pickle.dump(entry, f, protocol=2)
        imgs = rows.reshape(n, 3, 32, 32).transpose(0, 2, 3, 1)
        if fname == "test_batch":
            out["test"] = (imgs, np.asarray(labels, dtype=np.int64))
        else:
            train_imgs.append(imgs)
            train_lbls.extend(labels)
    out["train"] = (np.concatenate(train_imgs), np.asarray(train_lbls, dtype=np.int64))
    with open(os.path.join(d, "batches.meta"), "wb") as f:
        pickle.dump({"label_names": list(CIFAR10.classes), "num_cases_per_batch": n_per_batch,
                     "num_vis": 3072}, f, protocol=2)
    return out


def cifar10_archive(src_root, archive_path):
    """Pack ``src_root/cifar-10-batches-py`` into a .tar.gz like the official archive.

    Args:
        src_root: the directory holding ``cifar-10-batches-py``.
        archive_path: the .tar.gz to write.

    Returns:
        str: ``archive_path``.
    """
    with tarfile.open(archive_path, "w:gz") as tar:
        tar.add(os.path.join(src_root, CIFAR10.base_folder), arcname=CIFAR10.base_folder)
    return archive_path

