"""`minutes batch --ray`: a real two-node Ray cluster on 127.0.0.1 (a head and one more worker node, each its own
raylet), the same archive as the local tests, and the worker node killed while its actor holds a file."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.batch.conftest import (
    BAD,
    GOOD,
    ROOT,
    assert_same_transcripts,
    batch_command,
    manifest_rows,
    texts,
    wait_for,
)
from tests.conftest import missing

pytestmark = [pytest.mark.model, pytest.mark.slow]

# Ray resolves 127.0.0.1 to the machine's outward address unless told this is a one-machine cluster; with that,
# the GCS, raylets and agents all bind loopback. The worker node must then be started with the same resolution
# but past `ray start`'s refusal of a second node in that mode: done here, in the test, not in minutes.
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
# a dead node is noticed in about 3 s instead of 30
FAST_HEALTH_CHECK = {"RAY_health_check_period_ms": "500", "RAY_health_check_failure_threshold": "5"}
WORKER_NODE = """
import sys
import ray._private.ray_constants as constants
import ray._private.services as services
constants.ENABLE_RAY_CLUSTER = True
services.resolve_ip_for_localhost = lambda host: host
from ray.scripts.scripts import main
sys.argv = ["ray", "start", "--address", sys.argv[1], "--node-ip-address", "127.0.0.1", "--num-cpus", "1",
            "--object-store-memory", "100000000", "--temp-dir", sys.argv[2]]
main()
"""


def raylets() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "raylet":
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


@pytest.fixture(scope="module")
def ray_cluster():
    if importlib_missing("ray"):
        missing("Ray is not installed: pip install -e '.[ray]' (.ci/run does)")
    ray_bin = str(Path(sys.executable).with_name("ray"))
    # Ray's Unix sockets live under the temp dir, and a socket path may not pass 107 bytes: a short folder
    temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    env = {**os.environ, **LOOPBACK_ENV, **FAST_HEALTH_CHECK}
    head_before = raylets()
    subprocess.run(
        [ray_bin, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", "0", "--num-cpus", "1",
         "--include-dashboard=false", "--disable-usage-stats", "--object-store-memory", "100000000",
         "--temp-dir", str(temp)],
        env=env, check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    try:
        address = (temp / "ray_current_cluster").read_text().strip()
        assert address.startswith("127.0.0.1:"), address
        head = raylets() - head_before
        subprocess.run(
            [sys.executable, "-c", WORKER_NODE, address, str(temp)],
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
        worker = raylets() - head_before - head
        assert len(head) == 1 and len(worker) == 1, (head, worker)
        yield address, worker.pop(), env
    finally:
        subprocess.run([ray_bin, "stop", "--force"], env=env, capture_output=True, timeout=120, check=False)
        shutil.rmtree(temp, ignore_errors=True)


def importlib_missing(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is None


def test_a_batch_on_a_ray_cluster_survives_losing_a_node(archive, reference, ray_cluster, tmp_path):
    address, worker_raylet, env = ray_cluster
    out = tmp_path / "out"
    proc = subprocess.Popen(
        batch_command(archive, "--out", out, "--ray", address, "--threads", "1"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
    )  # fmt: skip

    args = Path(f"/proc/{worker_raylet}/cmdline").read_bytes().split(b"\0")
    node = next(a.split(b"=", 1)[1].decode() for a in args if a.startswith(b"--node_id="))

    def worker_node_busy() -> bool:  # actors are named ray<n>@<node>: the worker node's actor holds a file
        rows = manifest_rows(out).values()
        return any(r["status"] == "running" and (r["worker"] or "").endswith(f"@{node[:8]}") for r in rows)

    try:
        wait_for(worker_node_busy, 600, "the worker node's actor to hold a file", proc)
        for pid in [worker_raylet, *descendants(worker_raylet)]:  # the node, as a power cut would take it
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, stderr  # the bad files failed
    assert "Traceback" not in stderr
    assert "its Ray actor died" in stderr, stderr
    rows = manifest_rows(out)
    assert all(rows[Path(g).name]["status"] == "done" for g in GOOD)
    assert all(rows[Path(b).name]["status"] == "failed" for b in BAD)
    assert all(rows[Path(g).name]["transcriptions"] == 1 for g in GOOD), "a file was transcribed twice"
    assert max(rows[Path(g).name]["attempts"] for g in GOOD) == 2  # the file the lost node held, done again
    reference_out, _ = reference
    # the same job code as local workers: the same transcripts, save the path the recording was read from
    assert_same_transcripts(out, reference_out)
    assert texts(out) == texts(reference_out)

    # the same resume: everything is done, nothing is sent to the cluster again
    again = subprocess.run(
        batch_command(archive, "--out", out, "--ray", address, "--threads", "1"),
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip
    assert "4 already done" in again.stderr, again.stderr
