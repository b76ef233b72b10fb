"""Fault injection into the datasets: hostile tar archives (symlink chains), truncated,
corrupted and half-extracted files, a kill during extraction, mirrors that serve error pages or
drop the connection, no network. What must hold: nothing is written outside the destination, a
damaged file is named and repaired by the next download, never used silently.
"""
import hashlib
import http.server
import io
import os
import signal
import tarfile
import threading

import numpy as np
import pytest

from tests.faults_util import run_py


# ----------------------------------------------------------------------- hostile tar archives

def _tar(path, members):
    """A .tar.gz of ``(name, kind, payload)``: kind 'file' (payload bytes), 'sym' or 'hard'
    (payload = link target), 'dir'."""
    import tarfile

    with tarfile.open(path, "w:gz") as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE,
                         "dir": tarfile.DIRTYPE}[kind]
            if kind != "dir":
                info.linkname = payload
            tar.addfile(info)
    return str(path)


SYMLINK_CHAINS = {
    # each link alone stays inside; followed in order they lead out of the destination
    "dot-then-up": [("d1", "dir", None), ("d1/s", "sym", "."), ("x", "sym", "d1/s/../.."),
                    ("x/ESCAPED.txt", "file", b"pwned")],
    "nested-dots": [("a/b", "dir", None), ("a/b/up", "sym", ".."),
                    ("a/b/up2", "sym", "up/../.."), ("a/b/up2/ESCAPED.txt", "file", b"pwned")],
    "through-dir-link": [("p", "dir", None), ("p/q", "sym", "."), ("l", "sym", "p/q/q/q/.."),
                         ("m", "sym", "l/.."), ("m/ESCAPED.txt", "file", b"pwned")],
    "hardlink-via-symlink": [("d", "dir", None), ("d/s", "sym", "."), ("h", "hard",
                                                                       "d/s/../../outside")],
    "loop": [("a", "sym", "b"), ("b", "sym", "a"), ("a/f", "file", b"x")],
}


@pytest.mark.parametrize("stdlib_filter", [True, False], ids=["py3.11.4+", "py3.11.0-3"])
@pytest.mark.parametrize("name", sorted(SYMLINK_CHAINS))
def test_symlink_chains_cannot_leave_the_destination(tmp_path, monkeypatch, name,
                                                     stdlib_filter):

    from tinyconv import datasets as D

    if not stdlib_filter:   # what Python 3.11.0-3.11.3 (allowed by requires-python) lack
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    archive = _tar(tmp_path / "evil.tar.gz", SYMLINK_CHAINS[name])
    box = tmp_path / "box"                  # "outside" is still inside tmp_path
    dest = box / "level1" / "dest"
    dest.mkdir(parents=True)
    with pytest.raises(RuntimeError, match="safe_extract_tar"):
        D.safe_extract_tar(archive, str(dest))
    assert list(dest.iterdir()) == []       # refused before anything was written
    assert sorted(p.name for p in box.rglob("*")) == ["dest", "level1"]


def test_inner_links_and_dot_members_still_extract(tmp_path):
    from tinyconv import datasets as D

    archive = _tar(tmp_path / "ok.tar.gz", [
        ("./", "dir", None), ("d/a.txt", "file", b"hi"), ("d/b.txt", "sym", "a.txt"),
        ("d/sub", "dir", None), ("d/sub/up.txt", "sym", "../a.txt"), ("d/self", "sym", "."),
        ("d/self/c.txt", "file", b"via self"), ("h.txt", "hard", "d/a.txt")])
    D.safe_extract_tar(archive, str(tmp_path / "dest"))
    dest = tmp_path / "dest"
    assert (dest / "d" / "sub" / "up.txt").read_bytes() == b"hi"
    assert (dest / "d" / "c.txt").read_bytes() == b"via self"
    assert (dest / "h.txt").read_bytes() == b"hi"


# ----------------------------------------------------------------------- damaged dataset files

@pytest.fixture
def cifar_root(tmp_path, monkeypatch):
    """A fake CIFAR-10 extracted under root, with its archive next to it (as download_to
    leaves them); the class's archive checksum and size are the fake archive's."""
    from tinyconv import datasets as D

    monkeypatch.delenv("TINYCONV_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    src = tmp_path / "src"
    written = D.write_fake_cifar10(str(src), n_per_batch=6, n_test=5)
    root = tmp_path / "root"
    root.mkdir()
    archive = D.cifar10_archive(str(src), str(root / D.CIFAR10.filename))
    monkeypatch.setattr(D.CIFAR10, "tgz_md5", D.md5sum(archive))
    monkeypatch.setattr(D.CIFAR10, "tgz_size", os.path.getsize(archive))
    monkeypatch.setattr(D.CIFAR10, "url", "http://127.0.0.1:9/" + D.CIFAR10.filename)
    D.safe_extract_tar(archive, str(root))
    return str(root), written


def test_truncated_cifar_batch_is_named_and_repaired_by_download(cifar_root):
    from tinyconv import datasets as D

    root, written = cifar_root
    path = os.path.join(root, "cifar-10-batches-py", "test_batch")
    with open(path, "r+b") as f:              # what an interrupted extraction leaves
        f.truncate(os.path.getsize(path) // 2)
    for _ in range(2):                        # the same clear error every time
        with pytest.raises(RuntimeError, match="test_batch") as info:
            D.CIFAR10(root, train=False)
        assert "truncated or corrupted" in str(info.value)
    ds = D.CIFAR10(root, train=False, download=True)   # re-extracted from the archive
    np.testing.assert_array_equal(ds.data, written["test"][0])
    assert D.CIFAR10(root, train=False).data.shape == (5, 32, 32, 3)


def test_byte_corrupted_cifar_batch_is_not_used_silently(cifar_root):
    from tinyconv import datasets as D

    root, written = cifar_root
    path = os.path.join(root, "cifar-10-batches-py", "data_batch_1")
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) - 100)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0x01]))      # one pixel value off by one
    with pytest.raises(RuntimeError, match="data_batch_1: md5"):
        D.CIFAR10(root, train=True)
    assert D.CIFAR10(root, train=False).data.shape == (5, 32, 32, 3)   # other split unaffected
    np.testing.assert_array_equal(D.CIFAR10(root, train=True, download=True).data,
                                  written["train"][0])


def test_official_md5s_are_checked_without_a_manifest(cifar_root):
    from tinyconv import datasets as D

    root, _ = cifar_root
    os.remove(os.path.join(root, "cifar-10-batches-py", "MD5SUMS"))
    with pytest.raises(RuntimeError, match="expected 40351d587109b95175f43aff81a1287e"):
        D.CIFAR10(root, train=False)


EXTRACT_AND_DIE = """
    import os, signal, sys, tarfile
    from tinyconv import datasets as D

    root, md5, size, die_after = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    D.CIFAR10.tgz_md5, D.CIFAR10.tgz_size = md5, size
    real, done = tarfile.TarFile.makefile, []
    def makefile(self, tarinfo, targetpath):
        if len(done) == die_after:
            os.kill(os.getpid(), signal.SIGKILL)
        real(self, tarinfo, targetpath)
        done.append(targetpath)
    tarfile.TarFile.makefile = makefile
    D.CIFAR10.download_to(root)
"""


@pytest.mark.parametrize("die_after", [0, 3, 7])
def test_kill_during_extraction_never_leaves_a_partial_dataset(cifar_root, die_after):
    import shutil

    from tinyconv import datasets as D

    root, written = cifar_root
    shutil.rmtree(os.path.join(root, "cifar-10-batches-py"))
    archive = os.path.join(root, D.CIFAR10.filename)
    proc = run_py(EXTRACT_AND_DIE, root, D.md5sum(archive), os.path.getsize(archive), die_after)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert not os.path.exists(os.path.join(root, "cifar-10-batches-py"))
    with pytest.raises(RuntimeError, match="not found"):
        D.CIFAR10(root, train=False)
    ds = D.CIFAR10(root, train=True, download=True)   # extracts afresh, drops the dead staging
    np.testing.assert_array_equal(ds.data, written["train"][0])
    assert sorted(os.listdir(root)) == sorted([D.CIFAR10.filename, "cifar-10-batches-py"])


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_idx_gz_names_the_file(tmp_path, monkeypatch, damage):
    from tinyconv import datasets as D

    monkeypatch.delenv("TINYCONV_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    raw = tmp_path / "MNIST" / "raw"
    D.write_fake_mnist(str(raw), n_train=20, n_test=4)
    path = raw / "train-images-idx3-ubyte.gz"
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[:len(data) // 2]
    else:
        data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte.gz"):
        D.MNIST(str(tmp_path), train=True)


# ----------------------------------------------------------------------- downloads

class _Server:
    """127.0.0.1 HTTP server. ``files``: name -> bytes; ``html``: names answered 200 with an
    error page; ``drop``: name -> bytes sent before the connection is cut (the full
    Content-Length announced). Honours Range requests; logs (name, Range)."""

    def __init__(self, files, html=(), drop=None):

        self.files, self.html, self.drop, self.log = files, set(html), dict(drop or {}), []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                outer.log.append((self.path, self.headers.get("Range")))
                if name in outer.html:
                    body = b"<html><body>Service temporarily unavailable</body></html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                body = outer.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                start = 0
                rng = self.headers.get("Range")
                if rng:
                    start = int(rng.split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range",
                                     f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                cut = outer.drop.pop(name, None)
                self.wfile.write(body[start:] if cut is None else body[start:start + cut])
                if cut is not None:
                    self.wfile.flush()
                    self.close_connection = True

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


def _md5(b):

    return hashlib.md5(b).hexdigest()


def test_a_mirror_serving_an_error_page_is_followed_by_the_next(tmp_path):
    from tinyconv.datasets._files import _download_any

    body = os.urandom(100_000)
    with _Server({"f.bin": body}, html={"f.bin"}) as bad, _Server({"f.bin": body}) as good:
        path = _download_any([bad.url + "a", good.url + "b"], "f.bin", str(tmp_path),
                             _md5(body), None)
    with open(path, "rb") as f:
        assert f.read() == body
    assert bad.log and good.log == [("/b/f.bin", None)]


@pytest.mark.parametrize("md5", [True, False], ids=["md5", "size-only"])
def test_a_dropped_connection_keeps_the_part_file_and_the_next_call_resumes(tmp_path, md5):
    from tinyconv import datasets as D

    body = os.urandom(300_000)
    dest = tmp_path / "f.bin"
    with _Server({"f.bin": body}, drop={"f.bin": 120_000}) as srv:
        with pytest.raises(RuntimeError, match="stopped after 120000 of 300000 bytes"):
            D.download_url(srv.url + "f.bin", str(dest), md5=_md5(body) if md5 else None,
                           size=len(body))
        assert not dest.exists()                                 # a short file is not trusted
        assert (tmp_path / "f.bin.part").stat().st_size == 120_000
        D.download_url(srv.url + "f.bin", str(dest), md5=_md5(body) if md5 else None,
                       size=len(body))
    assert dest.read_bytes() == body and not (tmp_path / "f.bin.part").exists()
    assert srv.log[-1] == ("/f.bin", "bytes=120000-")


def test_cifar_download_offline_is_a_runtime_error_naming_the_url(tmp_path, monkeypatch):
    from tinyconv import datasets as D

    monkeypatch.setattr(D.CIFAR10, "url", "http://127.0.0.1:9/" + D.CIFAR10.filename)
    with pytest.raises(RuntimeError, match="127.0.0.1:9") as info:
        D.CIFAR10(str(tmp_path / "root"), download=True)
    assert "Without internet" in str(info.value)
