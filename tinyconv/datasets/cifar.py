"""CIFAR-10 in the official python-batch format (read without running pickled code), and a
fake-data writer and archiver."""
import os
import pickle
import secrets
import shutil
import tarfile

import numpy as np

from ..utils.serialization import _native as _serialization
from ._base import _ImageArrayDataset
from ._files import (_STAGING, _bases, _default_base, _download_any, _remove_dead_staging,
                     md5sum, safe_extract_tar)

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
            raise _RefusedPickle(f"CIFAR10: refusing to unpickle {module}.{name} "
                                 "(only NumPy arrays and plain containers are allowed)")
        return fn


class _RefusedPickle(pickle.UnpicklingError):
    """A pickle that asks for a callable outside the allowed set."""


def _load_cifar_batch(path):
    with open(path, "rb") as f:
        try:
            obj = _RestrictedUnpickler(f, encoding="latin1").load()
        except _RefusedPickle:
            raise
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError,
                AttributeError, IndexError) as e:
            raise RuntimeError(f"CIFAR10: {path} is truncated or corrupted ({type(e).__name__}: "
                               f"{e}); delete it and extract or download the dataset again"
                               ) from e
    if not isinstance(obj, dict):
        raise RuntimeError(f"{path}: expected a dict in a CIFAR batch, got {type(obj).__name__}")
    return obj


MD5SUMS = "MD5SUMS"


def _read_md5sums(folder):
    """{file name: md5} from ``folder/MD5SUMS`` (``md5sum``'s format), or None without one."""
    path = os.path.join(folder, MD5SUMS)
    if not os.path.isfile(path):
        return None
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                digest, _, fname = line.strip().partition(" ")
                out[fname.lstrip(" *")] = digest.lower()
    return out


def _write_md5sums(folder, names):
    with open(os.path.join(folder, MD5SUMS), "w", encoding="utf-8") as f:
        for fname in names:
            f.write(f"{md5sum(os.path.join(folder, fname))}  {fname}\n")


class CIFAR10(_ImageArrayDataset):
    """CIFAR-10: 32x32 RGB images of 10 classes, 50,000 train / 10,000 test.

    Reads the official python version (``cifar-10-batches-py/data_batch_1..5``, ``test_batch``,
    ``batches.meta``) with a restricted unpickler (NumPy arrays and containers only), after
    checking each file's md5 (the official ones, or the folder's ``MD5SUMS``).

    Args:
        root (str, optional): base directory holding ``cifar-10-batches-py`` (see the module
            docstring for the search order).
        train (bool): training split (else test).
        transform (callable, optional): applied to the uint8 ``(32, 32, 3)`` image (batched in
            the DataLoader when it supports it).
        target_transform (callable, optional): applied to the int label.
        download (bool): fetch and extract the archive if the batches are not found or are
            damaged.
    Raises:
        RuntimeError: files missing, damaged (names them) or not downloadable.
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
        self._set_split(train, transform, target_transform)
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
        bad = self._corrupted(base, files)
        if bad and download:       # a half-extracted or damaged copy: extract it afresh
            self.download_to(base)
            bad = self._corrupted(base, files)
        if bad:
            raise RuntimeError(
                f"CIFAR10: {len(bad)} file(s) in {os.path.join(base, self.base_folder)} are "
                "truncated or corrupted: " + "; ".join(bad) + ". Pass download=True to "
                "extract the archive again (md5-checked), or delete the folder.")
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
    def _expected_md5s(cls, folder):
        """The official md5s, or those the folder's own ``MD5SUMS`` lists (other data)."""
        own = _read_md5sums(folder)
        if own is not None:
            return own
        return dict(cls.train_list + cls.test_list + [cls.meta])

    @classmethod
    def _corrupted(cls, base, files):
        """'name: why' for each of ``files`` (and the meta file, if present) that does not
        have its expected md5."""
        folder = os.path.join(base, cls.base_folder)
        expected = cls._expected_md5s(folder)
        names = list(files)
        if os.path.isfile(os.path.join(folder, cls.meta[0])):
            names.append(cls.meta[0])
        bad = []
        for fname in names:
            path = os.path.join(folder, fname)
            want = expected.get(fname)
            if want is None:
                bad.append(f"{fname}: no md5 listed in {os.path.join(folder, MD5SUMS)}")
                continue
            got = md5sum(path) if os.path.isfile(path) else "missing"
            if got != want:
                bad.append(f"{fname}: md5 {got}, expected {want}")
        return bad

    @classmethod
    def download_to(cls, root):
        """Download (resumable, md5-checked) and safely extract the archive into ``root``.

        The archive is extracted into a staging folder inside ``root``, its files' md5s are
        checked, and only then is the staged ``cifar-10-batches-py`` renamed into place
        (replacing a damaged copy), so an interrupted extraction never leaves a partial
        dataset where the reader looks. Staging folders of dead processes are removed.

        Raises:
            RuntimeError: the archive could not be downloaded (the message names the URL and
                the reason), is corrupted, or holds an unsafe member.
        """
        os.makedirs(root, exist_ok=True)
        archive = os.path.join(root, cls.filename)
        if not (os.path.isfile(archive) and md5sum(archive) == cls.tgz_md5):
            base, fname = cls.url.rsplit("/", 1)
            try:
                _download_any([base], fname, root, cls.tgz_md5, cls.tgz_size)
            except RuntimeError as e:
                raise RuntimeError(f"CIFAR10: {e}\nWithout internet, download {cls.url} "
                                   f"elsewhere and put it at {archive}.") from None
            if fname != cls.filename:
                os.replace(os.path.join(root, fname), archive)
        _remove_dead_staging(root)
        staging = os.path.join(root, f"{_STAGING}{_serialization._host_tag()}.{os.getpid()}."
                                     f"{secrets.token_hex(4)}")
        safe_extract_tar(archive, staging)
        folder = os.path.join(staging, cls.base_folder)
        bad = cls._corrupted(staging, [f for f, _ in cls.train_list + cls.test_list])
        if bad:
            shutil.rmtree(staging)
            raise RuntimeError(f"CIFAR10: {archive} extracts to damaged files: "
                               + "; ".join(bad))
        final = os.path.join(root, cls.base_folder)
        if os.path.lexists(final):   # a damaged or partial copy: move it aside, then drop it
            old = os.path.join(staging, "replaced")
            os.rename(final, old)
        os.rename(folder, final)
        shutil.rmtree(staging)


def write_fake_cifar10(root, n_per_batch=20, n_test=20, seed=0):
    """Write a small random CIFAR-10 in the official python format under ``root``.

    Creates ``root/cifar-10-batches-py/`` with ``data_batch_1..5``, ``test_batch`` and
    ``batches.meta`` (pickled dicts with ``data`` uint8 (n, 3072) rows in channel-planar order,
    ``labels`` lists, ``batch_label`` and ``filenames``), and ``MD5SUMS`` listing their md5s
    (the reader checks them in place of the official ones).

    Args:
        root (str): base directory; the batches go into ``root/cifar-10-batches-py``.
        n_per_batch (int): images in each of the five training batches.
        n_test (int): images in the test batch.
        seed (int): NumPy seed of the content.
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
    _write_md5sums(d, names + ["batches.meta"])   # not the official data: list its own md5s
    return out


def cifar10_archive(src_root, archive_path):
    """Pack ``src_root/cifar-10-batches-py`` into a .tar.gz like the official archive.

    Args:
        src_root (str): directory holding ``cifar-10-batches-py`` (e.g. from
            ``write_fake_cifar10``).
        archive_path (str): the ``.tar.gz`` file to write.
    Returns:
        str: ``archive_path``.
    """
    with tarfile.open(archive_path, "w:gz") as tar:
        tar.add(os.path.join(src_root, CIFAR10.base_folder), arcname=CIFAR10.base_folder)
    return archive_path
