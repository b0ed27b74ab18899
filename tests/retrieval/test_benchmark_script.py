"""benchmarks/retrieval.py runs end to end on a small repository and ends with its JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_retrieval_benchmark_smoke(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "retrieval.py"), "--files", "30", "--queries",
                           "10", "--commits", "6", "--keep", str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["functions"] > 30 and result["history"]["kept"] == 6
    assert 0 < result["ratio"] and result["loo_retrieval_smoothed_bleu"] > result["function_name_smoothed_bleu"]
    assert len(list((tmp_path / "home" / "cache" / "retrieval").glob("*.npz"))) == 2  # tree + history
