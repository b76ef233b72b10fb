"""Fault injection into examples/train.py: SIGKILL at every point of the epoch commit, a full
disk (injected ENOSPC, RLIMIT_FSIZE, a full tmpfs), an unwritable output, nonsense arguments.
What must survive: every metrics line, a loadable last and best checkpoint, and a resume that
ends bit-identical to an uninterrupted run.
"""
import json
import os
import shlex
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tinyconv as tc
from tests.faults_util import ROOT, child_env, file_size_limit


# ----------------------------------------------------------------------- the epoch commit

def _load_train():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "tinyconv_example_train_faults", os.path.join(ROOT, "examples", "train.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


train = _load_train()

# Runs examples/train.py; at the CALL-th call of TARGET (a commit function, whose first
# argument is the output directory) it counts the call's fault points: every line executed in
# train.py's commit code and every fsync and rename made meanwhile (tc.save's included; only
# these for 'enospc'). Then, for each point N, it copies the output directory to WORK/pN and
# forks a process that makes the same call there and is killed with SIGKILL (or gets ENOSPC)
# at point N. The parent then goes on undisturbed. Prints the points and each fork's status.
TRAIN_FAULTS = """
    import errno, importlib.util, json, os, shutil, signal, sys

    root, fault, target, call, work = sys.argv[1:6]
    call = int(call)
    spec = importlib.util.spec_from_file_location("train", os.path.join(root, "examples",
                                                                          "train.py"))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    state = {"active": False, "points": 0, "at": None, "calls": 0}

    def point():
        state["points"] += 1
        if state["points"] == state["at"]:
            if fault == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise OSError(errno.ENOSPC, "No space left on device (injected)")

    for name in ("fsync", "replace"):
        def wrapped(*args, _real=getattr(os, name), **kwargs):
            if state["active"]:
                point()
            return _real(*args, **kwargs)
        setattr(os, name, wrapped)

    def lines(frame, event, arg):
        if event == "line" and state["active"] and fault == "kill":
            point()
        return lines

    def calls(frame, event, arg):
        return lines if frame.f_code.co_filename == train.__file__ else None

    def traced(at, fn, out, args, kwargs):
        state.update(active=True, points=0, at=at)
        sys.settrace(calls)
        try:
            return fn(out, *args, **kwargs)
        finally:
            sys.settrace(None)
            state["active"] = False

    real = getattr(train, target)

    def faulty(out, *args, **kwargs):
        state["calls"] += 1
        if state["calls"] != call:
            return real(out, *args, **kwargs)
        shutil.copytree(out, os.path.join(work, "count"))
        traced(None, real, os.path.join(work, "count"), args, kwargs)
        total, status = state["points"], {}
        for n in range(1, total + 1):
            copy = os.path.join(work, f"p{n}")
            shutil.copytree(out, copy)
            pid = os.fork()
            if pid == 0:
                try:
                    traced(n, real, copy, args, kwargs)
                except OSError:
                    os._exit(3)      # what main() does after saying which epoch is safe
                os._exit(0)
            status[n] = os.waitpid(pid, 0)[1]
        print("FAULTS " + json.dumps({"points": total, "status": status}), flush=True)
        return real(out, *args, **kwargs)

    setattr(train, target, faulty)
    train.main(sys.argv[6:])
"""


TIMING = ("epoch_time", "images_per_s")


def _run_state(out):
    """Everything a run leaves, minus wall-clock timings and the command line."""
    def ck(name):
        path = os.path.join(out, name)
        c = tc.load(path)
        return {"model": {k: np.asarray(v.numpy()).tobytes() for k, v in c["model"].items()},
                "rest": json.dumps({k: (v if not isinstance(v, (dict, list)) else repr(v))
                                    for k, v in c.items()
                                    if k not in ("model", "args", "metrics", "optimizer")}),
                "optimizer": repr(c["optimizer"]),
                "metrics": [{k: v for k, v in r.items() if k not in TIMING}
                            for r in json.loads(c.get("metrics", "[]"))]}
    with open(os.path.join(out, "metrics.jsonl")) as f:
        rows = [{k: v for k, v in json.loads(line).items() if k not in TIMING} for line in f]
    leftovers = [n for n in os.listdir(out) if n.endswith(".tmp") or n.startswith(".")]
    return {"last": ck(train.LAST), "best": ck(train.BEST), "metrics.jsonl": rows,
            "leftovers": leftovers}


@pytest.fixture(scope="module")
def train_setup(tmp_path_factory):
    """Fake Fashion-MNIST, the common arguments, and the state of an uninterrupted run."""
    from tinyconv import datasets as D

    root = tmp_path_factory.mktemp("data")
    D.write_fake_mnist(str(root / "FashionMNIST" / "raw"), n_train=40, n_test=16, seed=3)
    common = ["--data-root", str(root), "--model", "lenet5", "--batch-size", "8",
              "--limit-train", "16", "--limit-test", "16", "--seed", "5", "--lr", "0.01",
              "--no-progress",
              "--no-plots", "--epochs", "2"]
    ref = str(tmp_path_factory.mktemp("ref"))
    train.main(common + ["--out", ref])
    return common, _run_state(ref)


def _faults(out, work, common, fault, target, call, extra=()):
    """Run TRAIN_FAULTS; returns {point: wait status} of the forked runs."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(TRAIN_FAULTS), ROOT, fault, target, str(call),
         str(work), *common, "--out", str(out), *extra],
        env=child_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("FAULTS "))
    report = json.loads(line[len("FAULTS "):])
    assert report["points"] == len(report["status"]) > 0
    return {int(n): st for n, st in report["status"].items()}


def _resume_to_end(out, common):
    exists = os.path.exists(os.path.join(out, train.LAST))
    train.main(common + ["--out", out] + (["--resume"] if exists else []))
    return _run_state(out)


def test_reference_run_has_a_new_best_in_the_faulted_epoch(train_setup):
    """The commit tests below kill epoch 2's commit: it must copy a new best checkpoint."""
    _, ref = train_setup
    assert json.loads(ref["last"]["rest"])["best_epoch"] == 2
    assert [r["epoch"] for r in ref["metrics.jsonl"]] == [1, 2] and ref["leftovers"] == []


def test_a_kill_at_any_point_of_the_epoch_commit_resumes_identically(tmp_path, train_setup):
    common, ref = train_setup
    status = _faults(tmp_path / "run", tmp_path, common, "kill", "commit_epoch", 2)
    assert all(os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGKILL
               for st in status.values()), status
    for n in sorted(status):
        out = str(tmp_path / f"p{n}")
        assert _resume_to_end(out, common) == ref, f"killed at point {n} of {len(status)}"


def test_a_full_disk_at_any_write_of_the_epoch_commit_resumes_identically(tmp_path,
                                                                            train_setup):
    common, ref = train_setup
    status = _faults(tmp_path / "run", tmp_path, common, "enospc", "commit_epoch", 2)
    assert all(os.WIFEXITED(st) and os.WEXITSTATUS(st) == 3 for st in status.values()), status
    for n in sorted(status):
        out = str(tmp_path / f"p{n}")
        assert _resume_to_end(out, common) == ref, f"ENOSPC at write {n} of {len(status)}"


# The reported failure scenarios, runnable against any version of train.py: SIGKILL right after
# the K-th rename onto a file called NAME ("after-replace"), or right after a file whose name
# contains NAME is opened for writing for the K-th time ("open-write").
KILL_AT = """
    import builtins, importlib.util, os, signal, sys

    root, how, name, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    seen = [0]

    def hit():
        seen[0] += 1
        if seen[0] == k:
            os.kill(os.getpid(), signal.SIGKILL)

    if how == "after-replace":
        real_replace = os.replace
        def replace(src, dst, *args, **kwargs):
            real_replace(src, dst, *args, **kwargs)
            if os.path.basename(os.fspath(dst)) == name:
                hit()
        os.replace = replace
    else:
        real_open, real_os_open = builtins.open, os.open
        def opened(path, writing):
            if writing and name in os.path.basename(os.fspath(path)):
                hit()
        def open_(file, mode="r", *args, **kwargs):
            f = real_open(file, mode, *args, **kwargs)     # created or truncated by now
            opened(file, any(c in mode for c in "wax+"))
            return f
        def os_open(path, flags, *args, **kwargs):
            fd = real_os_open(path, flags, *args, **kwargs)
            opened(path, bool(flags & (os.O_WRONLY | os.O_RDWR)))
            return fd
        builtins.open, os.open = open_, os_open
    spec = importlib.util.spec_from_file_location("train", os.path.join(root, "examples",
                                                                          "train.py"))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    train.main(sys.argv[5:])
"""


def _kill_at(how, name, k, argv):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(KILL_AT), ROOT, how, name,
                           str(k), *argv], env=child_env(), capture_output=True, text=True,
                          timeout=120)


def test_kill_between_the_checkpoint_and_the_metrics_loses_nothing(tmp_path, train_setup):
    common, ref = train_setup
    out = str(tmp_path / "run")
    proc = _kill_at("after-replace", train.LAST, 2, common + ["--out", out])
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert _resume_to_end(out, common) == ref


def test_kill_while_resume_rewrites_the_metrics_loses_nothing(tmp_path, train_setup):
    common, ref = train_setup
    out = str(tmp_path / "run")
    train.main(common + ["--out", out, "--stop-after", "1"])
    proc = _kill_at("open-write", "metrics.jsonl", 1, common + ["--out", out, "--resume"])
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    with open(os.path.join(out, "metrics.jsonl")) as f:
        assert [json.loads(line)["epoch"] for line in f] == [1]
    assert _resume_to_end(out, common) == ref


def test_a_kill_while_resume_repairs_the_commit_resumes_identically(tmp_path, train_setup):
    common, ref = train_setup
    # a run killed in epoch 2's commit right after checkpoint_last.tc was replaced
    broken = str(tmp_path / "broken")
    proc = _kill_at("after-replace", train.LAST, 2, common + ["--out", broken])
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert int(tc.load(os.path.join(broken, train.LAST))["epoch"]) == 2
    assert int(tc.load(os.path.join(broken, train.BEST))["epoch"]) == 1     # to be repaired
    status = _faults(broken, tmp_path, common, "kill", "complete_commit", 1, ["--resume"])
    assert all(os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGKILL
               for st in status.values()), status
    for n in sorted(status):
        out = str(tmp_path / f"p{n}")
        assert _resume_to_end(out, common) == ref, f"killed at point {n} of {len(status)}"


def test_file_size_limit_stops_with_a_clear_message_and_resume_completes(tmp_path, train_setup):
    common, ref = train_setup
    out = str(tmp_path / "run")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "train.py"), *common,
                           "--out", out], env=child_env(), capture_output=True, text=True,
                          timeout=120, preexec_fn=file_size_limit(64 << 10))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "could not save epoch 1" in proc.stderr and "Traceback" not in proc.stderr
    assert os.listdir(out) == []                         # no partial file of any kind
    assert _resume_to_end(out, common) == ref


def _checkpoint_size(common, tmp_path):
    """Bytes of checkpoint_last.tc after epoch 1 of the common run."""
    out = str(tmp_path / "sizing")
    train.main(common + ["--out", out, "--stop-after", "1"])
    return os.path.getsize(os.path.join(out, train.LAST))


def _unshare_works():
    import shutil

    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="needs root and unshare for a private tmpfs")
def test_full_tmpfs_during_the_best_copy_loses_no_metrics(tmp_path, train_setup):
    """A real full disk: the tmpfs holds checkpoint_last.tc but not also its copy."""
    common, ref = train_setup
    out, saved = tmp_path / "mnt", tmp_path / "saved"
    out.mkdir()
    size = _checkpoint_size(common, tmp_path)
    cmd = shlex.join([sys.executable, os.path.join(ROOT, "examples", "train.py"), *common,
                      "--out", str(out)])
    script = (f"mount -t tmpfs -o size={size * 3 // 2} tmpfs {shlex.quote(str(out))} && "
              f"{cmd}; rc=$?; cp -a {shlex.quote(str(out))} {shlex.quote(str(saved))}; "
              f"exit $rc")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], env=child_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "could not save epoch 1" in proc.stderr and "No space left" in proc.stderr
    assert sorted(os.listdir(saved)) == [train.LAST]     # committed; no partial copy
    assert _resume_to_end(str(saved), common) == ref




# ----------------------------------------------------------------------- train.py arguments

@pytest.mark.parametrize("flag,value", [
    ("--epochs", "0"), ("--epochs", "-3"), ("--stop-after", "0"), ("--stop-after", "-1"),
    ("--limit-train", "-5"), ("--limit-test", "0"), ("--lr", "nan"), ("--lr", "inf"),
    ("--lr", "-0.1"), ("--num-threads", "0"), ("--num-threads", "-1"), ("--batch-size", "0"),
    ("--eval-batch-size", "-1"), ("--momentum", "nan"), ("--weight-decay", "-1"),
    ("--seed", "-1"), ("--dist-timeout", "0"),
])
def test_nonsense_arguments_are_refused_before_any_work(tmp_path, capsys, train_setup, flag,
                                                        value):
    out = tmp_path / "run"
    quick = ["--limit-train", "4", "--limit-test", "4", "--epochs", "1", "--no-plots"]
    with pytest.raises(SystemExit) as info:
        train.main(train_setup[0] + quick + ["--out", str(out), flag, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert flag in err and value.lstrip("-") in err, err
    assert not out.exists()


def _read_only(path):
    """Make the directory unwritable, for root too (immutable flag); returns the undo."""
    import shutil

    if os.geteuid() != 0:
        os.chmod(path, 0o555)
        return lambda: os.chmod(path, 0o755)
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("root, and this filesystem has no immutable flag (chattr +i)")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def test_unwritable_out_fails_before_training(tmp_path, train_setup, capsys):
    common, _ = train_setup
    out = tmp_path / "ro"
    out.mkdir()
    undo = _read_only(out)
    try:
        with pytest.raises(SystemExit, match="--out .*cannot write there"):
            train.main(common + ["--out", str(out)])
    finally:
        undo()
    assert "epoch 1/" not in capsys.readouterr().out
    assert os.listdir(out) == []


def test_resume_with_another_scheduler_names_the_clash(tmp_path, train_setup):
    common, _ = train_setup
    out = str(tmp_path / "run")
    train.main(common + ["--out", out, "--stop-after", "1"])
    with pytest.raises(SystemExit, match=r"--scheduler cosine \(now onecycle\)"):
        train.main(common + ["--out", out, "--resume", "--scheduler", "onecycle"])


def test_resume_of_a_finished_run_says_it_is_complete(tmp_path, train_setup, capsys):
    common, ref = train_setup
    out = str(tmp_path / "run")
    train.main(common + ["--out", out])
    capsys.readouterr()
    train.main(common + ["--out", out, "--resume"])
    printed = capsys.readouterr().out
    assert "the run is complete" in printed and "epoch 2 of 2" in printed
    assert _run_state(out) == ref


def test_offline_cifar10_download_is_one_clear_message(tmp_path, monkeypatch, capsys):
    from tinyconv import datasets as D

    monkeypatch.setattr(D.CIFAR10, "url", "http://127.0.0.1:9/" + D.CIFAR10.filename)
    with pytest.raises(SystemExit) as info:
        train.main(["--dataset", "cifar10", "--download", "--data-root", str(tmp_path / "d"),
                    "--out", str(tmp_path / "run"), "--no-progress"])
    msg = str(info.value.code)
    assert msg.startswith("cifar10: CIFAR10: could not download") and "127.0.0.1:9" in msg
