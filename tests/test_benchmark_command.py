"""``flask benchmark --growth``, as docs/benchmark.md runs it, on tiny departments: each size is built and timed
in a scratch database of its own, and the table gives the time and the CPU seconds per person of the report
(the PDF's child process included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_growth_prints_time_and_cpu_per_person_for_each_size(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'base.db'}", "REPORTS_FOLDER": str(tmp_path)}
    out = tmp_path / "growth.json"
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "attendance", "benchmark", "--growth", "20,40",
                           "--months", "1", "--repeat", "1", "--json", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "CPU ms/person" in done.stdout
    table = done.stdout[done.stdout.index("CPU ms/person"):].splitlines()[1:3]
    assert [line.split()[0] for line in table] == ["20", "40"]
    sizes = json.loads(out.read_text(encoding="utf-8"))["sizes"]
    for size in ("20", "40"):
        result = sizes[size]
        assert result["rows"]["employees"] == int(size)
        assert result["cpu_seconds"]["report"] and min(result["cpu_seconds"]["report"]) > 0
        assert 0 < result["peak_rss_mib"] < 1024
