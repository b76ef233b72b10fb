"""Dataset readers on written-out fake files, downloads from a local server, extraction guard."""
import hashlib
import http.server
import io
import os
import pickle
import tarfile
import threading

import numpy as np
import pytest

import tinyconv as tc
from tinyconv import datasets as D
from tinyconv.datasets import cifar
from tinyconv import transforms as T
from tinyconv.utils.data import DataLoader


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No $TINYCONV_DATA and a private HOME, so only the test's files are found."""
    monkeypatch.delenv("TINYCONV_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("cls", [D.MNIST, D.FashionMNIST])
def test_idx_readers(tmp_path, cls, gz):
    written = D.write_fake_mnist(tmp_path / "data" / cls.folder / "raw", n_train=12, n_test=5,
                                 gz=gz)
    for train, key in ((True, "train"), (False, "test")):
        ds = cls(str(tmp_path / "data"), train=train)
        imgs, labels = written[key]
        assert len(ds) == len(labels)
        np.testing.assert_array_equal(ds.data, imgs)
        np.testing.assert_array_equal(ds.targets, labels)
        assert ds.data.dtype == np.uint8 and ds.targets.dtype == np.int64
        img, lab = ds[3]
        np.testing.assert_array_equal(img, imgs[3])
        assert lab == labels[3] and isinstance(lab, int)


def test_idx_truncated_file_is_an_error(tmp_path):
    d = tmp_path / "MNIST"
    D.write_fake_mnist(d, n_train=4, n_test=2, gz=False)
    p = d / "train-images-idx3-ubyte"
    p.write_bytes(p.read_bytes()[:-10])
    with pytest.raises(RuntimeError, match="truncated"):
        D.MNIST(str(tmp_path), train=True)


def test_lookup_order_env_and_cache(tmp_path, monkeypatch):
    env = tmp_path / "env"
    D.write_fake_mnist(env / "MNIST" / "raw", n_train=3, n_test=2, seed=1)
    monkeypatch.setenv("TINYCONV_DATA", str(env))
    assert len(D.MNIST(train=True)) == 3                       # found via $TINYCONV_DATA
    own = tmp_path / "own"
    D.write_fake_mnist(own / "MNIST", n_train=7, n_test=2, seed=2)
    assert len(D.MNIST(str(own), train=True)) == 7             # root wins
    monkeypatch.delenv("TINYCONV_DATA")
    cache = tmp_path / "home" / ".cache" / "tinyconv"
    D.write_fake_mnist(cache, n_train=5, n_test=2, seed=3)
    assert len(D.MNIST(train=True)) == 5                       # then ~/.cache/tinyconv


def test_missing_files_error_lists_files_sizes_md5(tmp_path):
    with pytest.raises(RuntimeError) as e:
        D.MNIST(str(tmp_path / "nowhere"))
    msg = str(e.value)
    assert os.path.join(str(tmp_path / "nowhere"), "MNIST", "raw") in msg
    for fname, md5, size in D.MNIST.resources:
        assert f"{fname}  ({size} bytes, md5 {md5})" in msg
    with pytest.raises(RuntimeError) as e:
        D.CIFAR10(str(tmp_path / "nowhere"))
    msg = str(e.value)
    assert D.CIFAR10.url in msg and D.CIFAR10.tgz_md5 in msg and str(D.CIFAR10.tgz_size) in msg
    assert "data_batch_5" in msg and "test_batch" in msg


@pytest.mark.skipif(not os.path.isdir(D.DEBIAN_FASHION_MNIST),
                    reason="Debian package dataset-fashion-mnist not installed")
def test_fashion_mnist_debian_package():
    ds = D.FashionMNIST(train=False)
    assert ds.data.shape == (10000, 28, 28) and ds.targets.shape == (10000,)
    assert np.bincount(ds.targets).tolist() == [1000] * 10
    assert ds.root == D.DEBIAN_FASHION_MNIST


def test_cifar10_reader(tmp_path):
    written = D.write_fake_cifar10(str(tmp_path), n_per_batch=6, n_test=4)
    train = D.CIFAR10(str(tmp_path), train=True)
    test = D.CIFAR10(str(tmp_path), train=False)
    assert train.data.shape == (30, 32, 32, 3) and test.data.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(train.data, written["train"][0])
    np.testing.assert_array_equal(train.targets, written["train"][1])
    np.testing.assert_array_equal(test.data, written["test"][0])
    assert train.classes[0] == "airplane" and train.class_to_idx["truck"] == 9
    # channel-planar rows -> HWC: the first 1024 bytes of a row are the red plane
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_1", "rb") as f:
        row0 = pickle.load(f, encoding="latin1")["data"][0]
    np.testing.assert_array_equal(train.data[0, :, :, 0].ravel(), row0[:1024])
    np.testing.assert_array_equal(train.data[0, :, :, 2].ravel(), row0[2048:])


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_cifar10_unpickler_refuses_code(tmp_path):
    D.write_fake_cifar10(str(tmp_path), n_per_batch=2, n_test=2)
    folder = tmp_path / "cifar-10-batches-py"
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 1], "x": _Evil()}, f)
    with pytest.raises(RuntimeError, match="test_batch: md5"):       # caught by its md5 first
        D.CIFAR10(str(tmp_path), train=False)
    # whoever can write the folder can write its MD5SUMS too: the unpickler still refuses
    cifar._write_md5sums(str(folder), ["test_batch", "batches.meta"])
    with pytest.raises(pickle.UnpicklingError, match="refusing to unpickle"):
        D.CIFAR10(str(tmp_path), train=False)


def test_dataloader_fast_path_matches_per_sample(tmp_path):
    D.write_fake_cifar10(str(tmp_path), n_per_batch=5, n_test=9)
    tf = T.Compose([T.ToTensor(), T.Normalize([0.5, 0.4, 0.3], [0.25, 0.25, 0.25])])
    ds = D.CIFAR10(str(tmp_path), train=False, transform=tf)
    x, y = next(iter(DataLoader(ds, batch_size=9)))
    assert x.shape == (9, 3, 32, 32) and x.dtype == tc.float32 and y.dtype == tc.int64
    for i in range(9):
        img, lab = ds[i]
        np.testing.assert_allclose(x.numpy()[i], img.numpy(), rtol=1e-6, atol=1e-6)
        assert y.numpy()[i] == lab


# ----------------------------------------------------------------------------- downloads

class _Server:
    """Serves ``files`` (name -> bytes) on 127.0.0.1 with optional Range support; logs requests."""

    def __init__(self, files, ranges=True):
        self.files, self.ranges, self.log = files, ranges, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                outer.log.append((name, self.headers.get("Range")))
                if name not in outer.files:
                    self.send_error(404)
                    return
                body = outer.files[name]
                rng = self.headers.get("Range")
                if rng and outer.ranges:
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(body):
                        self.send_error(416)
                        return
                    chunk = body[start:]
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    chunk = body
                    self.send_response(200)
                self.send_header("Content-Length", str(len(chunk)))
                self.end_headers()
                self.wfile.write(chunk)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def open_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def _md5(b):
    return hashlib.md5(b).hexdigest()


def _fake_idx_files(tmp_path):
    src = tmp_path / "src"
    D.write_fake_mnist(src, n_train=10, n_test=4)
    return {p.name: p.read_bytes() for p in src.iterdir()}


def _patch_resources(monkeypatch, cls, files, url):
    monkeypatch.setattr(cls, "mirrors", [url])
    monkeypatch.setattr(cls, "resources", [(n, _md5(b), len(b)) for n, b in sorted(files.items())])


def test_mnist_download_verifies_and_reads(tmp_path, monkeypatch):
    files = _fake_idx_files(tmp_path)
    with _Server(files) as srv:
        _patch_resources(monkeypatch, D.FashionMNIST, files, srv.url)
        monkeypatch.setattr(D.FashionMNIST, "extra_dirs", ())
        root = tmp_path / "root"
        ds = D.FashionMNIST(str(root), train=True, download=True)
    assert len(ds) == 10
    raw = root / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(files)      # no .part left behind
    assert all((raw / n).read_bytes() == b for n, b in files.items())


def test_download_resumes_partial_file_with_range(tmp_path):
    body = os.urandom(200_000)
    dest = tmp_path / "out" / "blob.bin"
    dest.parent.mkdir()
    (tmp_path / "out" / "blob.bin.part").write_bytes(body[:123_456])
    with _Server({"blob.bin": body}) as srv:
        D.download_url(srv.url + "blob.bin", str(dest), md5=_md5(body), size=len(body))
    assert dest.read_bytes() == body
    assert srv.log == [("blob.bin", "bytes=123456-")]
    assert not (tmp_path / "out" / "blob.bin.part").exists()


def test_download_restarts_when_server_ignores_range(tmp_path):
    body = os.urandom(50_000)
    dest = tmp_path / "blob.bin"
    (tmp_path / "blob.bin.part").write_bytes(b"x" * 1000)          # junk prefix
    with _Server({"blob.bin": body}, ranges=False) as srv:
        D.download_url(srv.url + "blob.bin", str(dest), md5=_md5(body))
    assert dest.read_bytes() == body


def test_download_md5_mismatch_deletes_and_raises(tmp_path):
    body = b"corrupted archive bytes" * 100
    dest = tmp_path / "a.tar.gz"
    with _Server({"a.tar.gz": body}) as srv:
        with pytest.raises(RuntimeError, match="md5 mismatch"):
            D.download_url(srv.url + "a.tar.gz", str(dest), md5="0" * 32)
    assert not dest.exists() and not (tmp_path / "a.tar.gz.part").exists()


def test_cifar10_download_and_extract(tmp_path, monkeypatch):
    src = tmp_path / "src"
    written = D.write_fake_cifar10(str(src), n_per_batch=3, n_test=2)
    archive = D.cifar10_archive(str(src), str(tmp_path / "cifar.tgz"))
    body = open_bytes(archive)
    with _Server({D.CIFAR10.filename: body}) as srv:
        monkeypatch.setattr(D.CIFAR10, "url", srv.url + D.CIFAR10.filename)
        monkeypatch.setattr(D.CIFAR10, "tgz_md5", _md5(body))
        monkeypatch.setattr(D.CIFAR10, "tgz_size", len(body))
        ds = D.CIFAR10(str(tmp_path / "root"), train=False, download=True)
    np.testing.assert_array_equal(ds.data, written["test"][0])


def test_cifar10_download_corrupted_archive(tmp_path, monkeypatch):
    src = tmp_path / "src"
    D.write_fake_cifar10(str(src), n_per_batch=3, n_test=2)
    body = bytearray(open_bytes(D.cifar10_archive(str(src), str(tmp_path / "c.tgz"))))
    good_md5 = _md5(bytes(body))
    body[len(body) // 2] ^= 0xFF                                   # one flipped byte in transit
    with _Server({D.CIFAR10.filename: bytes(body)}) as srv:
        monkeypatch.setattr(D.CIFAR10, "url", srv.url + D.CIFAR10.filename)
        monkeypatch.setattr(D.CIFAR10, "tgz_md5", good_md5)
        monkeypatch.setattr(D.CIFAR10, "tgz_size", len(body))
        with pytest.raises(RuntimeError, match="md5 mismatch"):
            D.CIFAR10(str(tmp_path / "root"), train=True, download=True)
    assert not (tmp_path / "root" / "cifar-10-batches-py").exists()


def _tar_with(tmp_path, members):
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return str(path)


def _file(name, data=b"payload"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


@pytest.mark.parametrize("members,match", [
    ([_file("ok.txt"), _file("../escape.txt")], "'\\.\\.'"),
    ([_file("a/../../escape.txt")], "'\\.\\.'"),
    ([_file("/tmp/absolute.txt")], "absolute"),
    ([_link("ln", "../../etc/passwd")], "link"),
    ([_link("ln", "/etc/passwd")], "link"),
    ([_link("hard", "../outside", tarfile.LNKTYPE)], "link"),
])
def test_extraction_guard(tmp_path, members, match):
    archive = _tar_with(tmp_path, members)
    dest = tmp_path / "dest"
    with pytest.raises(RuntimeError, match=match):
        D.safe_extract_tar(archive, str(dest))
    assert not (tmp_path / "escape.txt").exists()
    assert not dest.exists() or not any(dest.iterdir())           # nothing was written


def test_extraction_allows_inner_links(tmp_path):
    archive = _tar_with(tmp_path, [_file("d/a.txt", b"hi"), _link("d/b.txt", "a.txt")])
    names = D.safe_extract_tar(archive, str(tmp_path / "dest"))
    assert names == ["d/a.txt", "d/b.txt"]
    assert (tmp_path / "dest" / "d" / "b.txt").read_bytes() == b"hi"
