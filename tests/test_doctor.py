"""python -m tinyconv doctor: runs in a subprocess and reports a healthy, current build."""
import io
import os
import shutil
import subprocess
import sys

import tinyconv.__main__ as cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_doctor_subprocess_reports_everything():
    out = subprocess.run([sys.executable, "-m", "tinyconv", "doctor"], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    text = out.stdout
    assert out.returncode == 0, text + out.stderr
    import numpy as np

    import tinyconv

    assert f"tinyconv {tinyconv.__version__}" in text
    assert f"NumPy {np.__version__}" in text
    try:  # Cython is a build requirement; an installed package need not have it
        import Cython
    except ImportError:
        assert "Cython: not installed" in text
    else:
        assert f"Cython {Cython.__version__}" in text
    assert "compiled kernels: present" in text
    assert f"sha256 {cli.sources_sha256()[:16]}... matches the build" in text
    assert "OpenMP:" in text and "kernel threads" in text
    assert "BLAS:" in text
    assert "self-check conv2d vs NumPy reference" in text and ": OK" in text
    assert text.rstrip().endswith("status: OK")


def test_sources_hash_tracks_the_kernel_sources(tmp_path):
    for name in os.listdir(cli._OPS):
        if name.endswith((".pyx", ".pxi")):
            shutil.copy(os.path.join(cli._OPS, name), tmp_path / name)
    assert cli.sources_sha256(str(tmp_path)) == cli.sources_sha256()
    with open(tmp_path / "_im2col.pyx", "a") as f:
        f.write("\n# edited\n")
    assert cli.sources_sha256(str(tmp_path)) != cli.sources_sha256()


def test_build_hash_loads_by_path_without_the_package_or_numpy():
    """setup.py loads tinyconv/_build_hash.py by path before the extension exists, maybe
    without NumPy: the helper must need neither, and give the digest doctor checks."""
    code = ("import runpy, sys\n"
            "sys.modules['numpy'] = sys.modules['tinyconv'] = None  # any import fails\n"
            "print(runpy.run_path(sys.argv[1])['sources_sha256']())\n")
    path = os.path.join(ROOT, "tinyconv", "_build_hash.py")
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == cli.sources_sha256()


def test_stale_build_is_reported(monkeypatch):
    monkeypatch.setattr(cli, "sources_sha256", lambda ops_dir=cli._OPS: "0" * 64)
    ok, lines, so = cli._kernel_status()
    assert not ok
    assert any("STALE BUILD" in ln or "no build record" in ln for ln in lines)


def test_self_check_and_doctor_in_process():
    ok, lines = cli._self_check(0.0)
    assert ok and "OK" in lines[0]
    buf = io.StringIO()
    assert cli.doctor(0.0, out=buf) is True
    assert "status: OK" in buf.getvalue()


def test_bad_command_exits_with_usage():
    out = subprocess.run([sys.executable, "-m", "tinyconv", "frobnicate"], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 2 and "usage" in out.stderr
