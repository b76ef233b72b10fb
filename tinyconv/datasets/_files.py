"""Files and checksums of the datasets: where they are looked for, md5s, resumable downloads
with mirrors, and safe tar extraction through a staging folder (see the package docstring)."""
import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request


from ..utils.serialization import _native as _serialization

DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


# --------------------------------------------------------------------------- files and checksums

def md5sum(path, chunk=1 << 20):
    """Hex md5 of a file.

    Args:
        path (str): the file.
        chunk (int): bytes read at a time.
    Returns:
        str: the md5 digest as 32 hex digits.
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


class _BadDownload(RuntimeError):
    """A transfer that ended short or delivered other bytes than expected."""


def download_url(url, path, md5=None, size=None, timeout=30.0, chunk=1 << 16):
    """Download ``url`` to ``path`` via ``path + '.part'``, resuming a partial download.

    An existing ``.part`` file is continued with an HTTP ``Range`` request; if the server answers
    with the whole file instead (status 200) the download restarts from zero. A transfer that
    ends before the expected size (``size``, else the server's ``Content-Length``) keeps the
    ``.part`` file for the next call to resume and raises ``RuntimeError``. The ``.part`` file
    is renamed to ``path`` only once it has the expected size and its md5 equals ``md5``; bytes
    that cannot be the file (too many, the wrong size announced, an md5 mismatch) are deleted
    and raise ``RuntimeError``.

    Args:
        url (str): source.
        path (str): destination file.
        md5 (str, optional): expected hex md5.
        size (int, optional): expected size in bytes (checked, and shown by the progress bar
            before the server says).
        timeout (float): seconds to wait for the server at any point.
        chunk (int): bytes read at a time.
    Returns:
        str: ``path``.
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    part = path + ".part"
    have = os.path.getsize(part) if os.path.exists(part) else 0
    if size is not None and have > size:        # longer than the real file: junk, start over
        os.remove(part)
        have = 0
    expected = size
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
                resumed = have and status == 206 and _range_start(resp) == have
                if not resumed:
                    have = 0
                length = resp.headers.get("Content-Length")
                announced = have + int(length) if length is not None else None
                if announced is not None and size is not None and announced != size:
                    raise _BadDownload(f"download_url: {url} serves {announced} bytes but the "
                                       f"file has {size} (not the file, e.g. an error page)")
                expected = size if size is not None else announced
                bar = _progress(expected, have, os.path.basename(path))
                try:
                    with open(part, "ab" if resumed else "wb") as f:
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
    got = os.path.getsize(part)
    if expected is not None and got < expected:
        raise _BadDownload(f"download_url: the transfer of {url} stopped after {got} of "
                           f"{expected} bytes; {part} is kept and the next try resumes it")
    if expected is not None and got > expected:
        os.remove(part)
        raise _BadDownload(f"download_url: {url} delivered {got} bytes, expected {expected} "
                           f"(the partial file was deleted; try again)")
    if md5 is not None:
        digest = md5sum(part)
        if digest != md5:
            os.remove(part)
            raise _BadDownload(f"download_url: md5 mismatch for {url}: expected {md5}, got "
                               f"{digest} (the partial file was deleted; try again)")
    os.replace(part, path)
    return path


def _range_start(resp):
    """First byte of a 206 answer (``Content-Range: bytes START-END/TOTAL``), or None."""
    value = resp.headers.get("Content-Range", "")
    if not value.startswith("bytes "):
        return None
    start = value[6:].split("-", 1)[0]
    return int(start) if start.isdigit() else None


def _download_any(mirrors, filename, dest_dir, md5, size):
    """Fetch ``filename`` from the first mirror that delivers it intact.

    Returns:
        str: the downloaded file's path.
    Raises:
        RuntimeError: every mirror failed; the message lists each one's failure.
    """
    errors = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename
        try:
            return download_url(url, os.path.join(dest_dir, filename), md5=md5, size=size)
        except (urllib.error.URLError, OSError, _BadDownload) as e:
            errors.append(f"{url}: {e}")
    raise RuntimeError(f"could not download {filename}:\n  " + "\n  ".join(errors))


def _within(base, target):
    base = os.path.realpath(base)
    target = os.path.realpath(target)
    return target == base or target.startswith(base + os.sep)


def _resolve(parts, links, name):
    """Where ``parts`` (relative to the destination) leads once the archive's symlinks met so
    far are followed, component by component as the kernel does.

    Returns:
        list[str] of components inside the destination, or None if the path leaves it.
    """
    out, todo, hops = [], list(parts), 0
    while todo:
        part = todo.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not out:
                return None
            out.pop()
            continue
        out.append(part)
        link = links.get("/".join(out))
        if link is None:
            continue
        hops += 1
        if hops > 40:  # the kernel's own limit (ELOOP)
            raise RuntimeError(f"safe_extract_tar: too many levels of symbolic links in {name!r}")
        if link.startswith("/"):
            return None
        out.pop()  # the link's target replaces it, relative to the link's directory
        todo = link.split("/") + todo
    return out


def _check_member(member, dest, links):
    """Refuse ``member`` unless it, and anything it points to, stays inside ``dest``.

    ``links`` maps the archive's symlinks seen so far (resolved location -> target); paths go
    through them as they will on disk, so a chain of individually harmless links
    (``d/s -> .``, ``x -> d/s/../..``) cannot lead outside.
    """
    name = member.name
    if name.startswith(("/", "\\")) or os.path.isabs(name) or (len(name) > 1 and name[1] == ":"):
        raise RuntimeError(f"safe_extract_tar: refusing absolute path {name!r}")
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise RuntimeError(f"safe_extract_tar: refusing path with '..': {name!r}")
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        raise RuntimeError(f"safe_extract_tar: refusing special file {name!r}")
    # a new symlink replaces whatever has its name: only its directory is followed
    where = _resolve(parts[:-1] if member.issym() else parts, links, name)
    if (where is None or (member.issym() and not parts)
            or not _within(dest, os.path.join(dest, *where))):
        raise RuntimeError(f"safe_extract_tar: {name!r} would be written outside {dest}")
    if member.issym() or member.islnk():
        link = member.linkname.replace("\\", "/")
        if member.issym():
            target = None if link.startswith("/") else _resolve(where + link.split("/"), links,
                                                                 name)
        else:  # a hard link names another member, relative to the archive's root
            target = None if link.startswith("/") else _resolve(link.split("/"), links, name)
        if target is None or not _within(dest, os.path.join(dest, *target)):
            raise RuntimeError(f"safe_extract_tar: refusing link {name!r} -> "
                               f"{member.linkname!r} that points outside {dest}")
        if member.issym():
            links["/".join(where + parts[-1:])] = link


def safe_extract_tar(archive, dest):
    """Extract a (gzipped) tar archive into ``dest`` after checking every member.

    Every member is validated before anything is written: absolute paths, ``..`` components,
    device/fifo members, and paths or link targets that lead outside ``dest`` (followed
    through the archive's own symlinks, chains included, and any already in ``dest``) raise
    ``RuntimeError``. Where Python has it, the standard library's ``data`` filter checks once
    more while extracting.

    Args:
        archive (str): path of the .tar / .tar.gz.
        dest (str): directory to extract into (created if needed).
    Returns:
        list[str]: the extracted member names.
    Raises:
        RuntimeError: a member was refused (nothing has been written then).
    """
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        links = {}
        os.makedirs(dest, exist_ok=True)
        for m in members:
            _check_member(m, dest, links)
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        try:
            tar.extractall(dest, members=members, **kwargs)
        except tarfile.FilterError as e:  # the documented error type, whatever caught it
            raise RuntimeError(f"safe_extract_tar: {e}") from e
    return [m.name for m in members]


_STAGING = ".tinyconv-extract."


def _remove_dead_staging(root):
    """Delete staging folders of extractions whose process died (kill -9) on this host."""
    host = _serialization._host_tag()
    for entry in os.listdir(root):
        if not entry.startswith(_STAGING):
            continue
        fields = entry[len(_STAGING):].split(".")
        if len(fields) != 3 or fields[0] != host or not fields[1].isdigit():
            continue
        pid = int(fields[1])
        if pid != os.getpid() and not _serialization._pid_alive(pid):
            shutil.rmtree(os.path.join(root, entry))


def _describe_missing(name, folder, files, mirrors, searched):
    lines = [f"{name}: dataset files not found. Searched: {', '.join(searched) or '(nothing)'}.",
             "Pass download=True to fetch them, or put these files into "
             f"{folder} (or set $TINYCONV_DATA to a directory holding them):"]
    for fname, md5, size in files:
        lines.append(f"  {fname}  ({size} bytes, md5 {md5})  from {mirrors[0].rstrip('/')}/{fname}")
    return "\n".join(lines)
