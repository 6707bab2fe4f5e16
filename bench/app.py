"""The app's processing path: a recording uploaded to a real `minutes app`, processed, polled until ready.

    python bench/app.py [--recording samples/meeting.flac] [--json OUT]

Starts `minutes app --no-browser` on 127.0.0.1 with a throwaway meetings folder, uploads the recording twice (the
second meeting finds the models already loaded) and reports wall seconds and the server process's CPU seconds
(from /proc, Linux) for each, and the time of the review page's state request and of a .docx export. The review
page's own figures (a 2-hour meeting in Chromium) come from tests/app/test_review.py with MINUTES_APP_FIGURES=OUT.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recording", type=Path, default=ROOT / "samples" / "meeting.flac")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    meetings = Path(tempfile.mkdtemp(prefix="minutes-bench-app-")) / "meetings"
    command = [sys.executable, "-c", "import cli; cli.main()", "app", "--no-browser", "--meetings-dir", str(meetings)]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)", server.stdout.readline() if server.stdout else "")
        assert url, "minutes app printed no URL"
        port, token = int(url.group(1)), url.group(2)

        def call(method: str, path: str, body: bytes | None = None, kind: str = "application/json") -> dict:
            for _ in range(100):
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                    headers = {"x-minutes-token": token, "content-type": kind, "x-filename": args.recording.name}
                    connection.request(method, path, body=body, headers=headers)
                    return json.loads(connection.getresponse().read() or b"{}")
                except ConnectionRefusedError:
                    time.sleep(0.1)
            raise SystemExit("minutes app did not answer")

        def process(title: str) -> tuple[str, float, float, float]:
            cpu, began = cpu_seconds(server.pid), time.monotonic()
            meeting = call("POST", "/api/upload", args.recording.read_bytes(), "application/octet-stream")["id"]
            uploaded = time.monotonic() - began
            call("POST", f"/api/meetings/{meeting}/process", json.dumps({"details": {"title": title}}).encode())
            while call("GET", f"/api/meetings/{meeting}/progress")["status"] not in ("ready", "failed"):
                time.sleep(0.2)
            return meeting, uploaded, time.monotonic() - began, cpu_seconds(server.pid) - cpu

        first, upload_s, first_wall, first_cpu = process("first")
        _, _, second_wall, second_cpu = process("second")
        began = time.monotonic()
        call("GET", f"/api/meetings/{first}/state")
        state_s = time.monotonic() - began
        began = time.monotonic()
        call("POST", f"/api/meetings/{first}/export", json.dumps({"formats": ["docx"]}).encode())
        export_s = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(30)
    figures = {
        "recording": str(args.recording),
        "upload_s": round(upload_s, 2),
        "first_meeting_wall_s": round(first_wall, 1),
        "first_meeting_cpu_s": round(first_cpu, 1),
        "second_meeting_wall_s": round(second_wall, 1),
        "second_meeting_cpu_s": round(second_cpu, 1),
        "state_s": round(state_s, 3),
        "export_docx_s": round(export_s, 3),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
