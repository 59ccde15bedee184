"""Sharing through a real S3-API server (moto's standalone server on 127.0.0.1) and a bare git origin.

One clone runs the tiny pipeline and pushes its outputs; a second clone pulls them without
training; an experiment travels from one to the other through the git remote; wrong endpoints,
missing credentials, a missing bucket and an interrupted push fail with a clear message and
lose nothing. The tests run in file order on the same clones.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import yaml

from tests.helpers import BIN, dvc, dvc_env, git, read_metrics, tiny_repo

BUCKET = "team"
KEYS = {"access_key_id": "testing", "secret_access_key": "testing"}
# No AWS settings of the machine running the tests may leak in: credentials come from .dvc/config.local only.
NOWHERE = "/nonexistent/aws"
ISOLATED = {
    "AWS_SHARED_CREDENTIALS_FILE": NOWHERE,
    "AWS_CONFIG_FILE": NOWHERE,
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A real S3-API server on a free local port, for this module only."""
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def s3(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def objects(endpoint: str, bucket: str) -> list[str]:
    listed = s3(endpoint).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def run(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return dvc(repo, *args, check=check, env=ISOLATED)


def add_remote(repo: Path, name: str, url: str, endpoint: str, credentials: bool = True, default: bool = False) -> None:
    run(repo, "remote", "add", *(["-d"] if default else []), name, url)
    run(repo, "remote", "modify", name, "endpointurl", endpoint)
    if credentials:  # never committed: .dvc/config.local is git-ignored
        for key, value in KEYS.items():
            run(repo, "remote", "modify", "--local", name, key, value)


def cached_outputs(repo: Path) -> list[str]:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    return sorted({out["path"] for stage in lock["stages"].values() for out in stage.get("outs", []) if "md5" in out})


def tree_bytes(path: Path) -> dict[str, bytes]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(file.relative_to(path.parent)): file.read_bytes() for file in files}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> dict[str, Path]:
    """A first clone that ran the pipeline and pushed to the bucket and to a bare git origin."""
    root = tmp_path_factory.mktemp("team")
    origin = root / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    first = tiny_repo(root / "first")
    s3(endpoint).create_bucket(Bucket=BUCKET)
    add_remote(first, "storage", f"s3://{BUCKET}/cache", endpoint, default=True)
    assert "testing" not in (first / ".dvc/config").read_text()
    run(first, "repro")
    git(first, "add", "-A")
    git(first, "commit", "-qm", "run with a remote")
    assert "testing" not in git(first, "show", "HEAD:.dvc/config")
    run(first, "push")
    git(first, "remote", "add", "origin", str(origin))
    git(first, "push", "-q", "origin", "main")
    return {"root": root, "origin": origin, "first": first}


@pytest.fixture(scope="module")
def second(shared: dict[str, Path], endpoint: str) -> Path:
    clone = shared["root"] / "second"
    subprocess.run(["git", "clone", "-q", str(shared["origin"]), str(clone)], check=True)
    for key, value in KEYS.items():
        run(clone, "remote", "modify", "--local", "storage", key, value)
    return clone


def test_a_second_clone_pulls_every_output_and_trains_nothing(shared: dict[str, Path], second: Path) -> None:
    first = shared["first"]
    outputs = cached_outputs(first)
    assert "models/1/model.keras" in outputs and "data/windows/1/arrays.npz" in outputs
    assert not (second / "models/1/model.keras").exists()
    run(second, "pull")
    for output in outputs:
        assert tree_bytes(second / output) == tree_bytes(first / output), output
    assert "Data and pipelines are up to date" in run(second, "status").stdout
    assert "in sync" in run(second, "status", "--cloud").stdout
    assert run(second, "metrics", "diff").stdout.strip() == ""
    rerun = run(second, "repro")
    assert "Running stage" not in rerun.stdout and "Data and pipelines are up to date" in rerun.stdout


def test_an_experiment_travels_through_the_git_remote(shared: dict[str, Path], second: Path) -> None:
    first = shared["first"]
    run(first, "exp", "run", "-n", "faster", "-S", "lr=0.01")
    ran = read_metrics(first)
    run(first, "exp", "push", "origin", "faster")
    run(second, "exp", "pull", "origin", "faster")
    shown = list(csv.DictReader(io.StringIO(run(second, "exp", "show", "--csv").stdout)))
    row = next(row for row in shown if row["Experiment"] == "faster")
    assert float(row["reports/metrics.json:test.model.mae"]) == pytest.approx(ran["test"]["model"]["mae"], rel=1e-5)
    assert float(row["lr"]) == pytest.approx(0.01)
    run(second, "exp", "apply", "faster")
    assert read_metrics(second) == ran
    for output in cached_outputs(first):
        assert tree_bytes(second / output) == tree_bytes(first / output), output


def test_a_wrong_endpoint_missing_credentials_or_a_missing_bucket_are_named_and_lose_nothing(
    shared: dict[str, Path], endpoint: str
) -> None:
    first = shared["first"]
    add_remote(first, "wrong_endpoint", f"s3://{BUCKET}/cache", f"http://127.0.0.1:{free_port()}")
    add_remote(first, "no_credentials", f"s3://{BUCKET}/cache", endpoint, credentials=False)
    add_remote(first, "no_bucket", "s3://no-such-bucket/cache", endpoint)
    expected = {
        "wrong_endpoint": "Could not connect to the endpoint URL",
        "no_credentials": "Unable to locate credentials",
        "no_bucket": "The specified bucket does not exist",
    }
    for remote, message in expected.items():
        failed = run(first, "push", "-r", remote, check=False)
        assert failed.returncode != 0, remote
        assert message in failed.stdout + failed.stderr, remote
    assert "Data and pipelines are up to date" in run(first, "status").stdout
    assert "in sync" in run(first, "status", "--cloud").stdout  # the default remote still holds everything
    assert_cache_intact(first)


def assert_cache_intact(repo: Path) -> None:
    """Every file in the local cache still hashes to its name: a failed push changed nothing there."""
    files = [path for path in (repo / ".dvc/cache/files/md5").rglob("*") if path.is_file()]
    assert files
    for path in files:
        name = path.parent.name + path.name
        content = path.read_bytes()
        if name.endswith(".dir"):
            continue
        assert hashlib.md5(content).hexdigest() == name, path


class SlowProxy:
    """A TCP relay to the S3 server that holds each request back a moment, so a push can be cut part-way."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.target_port, self.delay = target_port, delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self.pipe, args=(client, server, self.delay), daemon=True).start()
            threading.Thread(target=self.pipe, args=(server, client, 0.0), daemon=True).start()

    @staticmethod
    def pipe(source: socket.socket, sink: socket.socket, delay: float) -> None:
        try:
            while chunk := source.recv(65536):
                time.sleep(delay)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


def test_an_interrupted_push_is_completed_by_the_next_and_the_cache_is_intact(shared: dict[str, Path], endpoint: str) -> None:
    first = shared["first"]
    s3(endpoint).create_bucket(Bucket="fresh")
    proxy = SlowProxy(int(endpoint.rsplit(":", 1)[1]), delay=0.4)
    try:
        add_remote(first, "fresh", "s3://fresh/cache", f"http://127.0.0.1:{proxy.port}")
        push = subprocess.Popen(
            [str(BIN / "dvc"), "push", "-r", "fresh", "-j", "1"],
            cwd=first,
            env=dvc_env(**ISOLATED),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while not objects(endpoint, "fresh") and push.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert push.poll() is None, "the push ended before it could be interrupted"
        os.killpg(push.pid, signal.SIGKILL)
        push.wait()
        partial = objects(endpoint, "fresh")
        status = run(first, "status", "--cloud", "-r", "fresh").stdout
        assert "new:" in status  # the remote lacks some outputs
        run(first, "push", "-r", "fresh")
        complete = objects(endpoint, "fresh")
        assert set(partial) < set(complete)
        assert "in sync" in run(first, "status", "--cloud", "-r", "fresh").stdout
        assert "Data and pipelines are up to date" in run(first, "status").stdout
        assert_cache_intact(first)
    finally:
        proxy.close()
