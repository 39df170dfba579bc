"""Benchmark ID-card reading over the synthetic dataset.

Prints read-right / wrong / none counts and median / p95 ms per photo, and writes
bench/results/idcard.json. Run: ``python bench/idcard.py``.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATASET = ROOT.parent / "shared/datasets/idcards-synthetic"
RESULTS = ROOT / "bench/results/idcard.json"


def _rss_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _load_average() -> float | None:
    try:
        return round(float(Path("/proc/loadavg").read_text().split()[0]), 2)
    except (OSError, ValueError, IndexError):
        return None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main(dataset: Path = DATASET, out: Path = RESULTS) -> dict:
    from scanner.idcard import get_engine, read_id_card

    manifest = dataset / "manifest.csv"
    if not manifest.is_file():
        print(f"dataset not found: {dataset}", file=sys.stderr)
        raise SystemExit(2)
    with manifest.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))

    rss_before = _rss_mb()
    t = time.perf_counter()
    get_engine()
    load_ms = (time.perf_counter() - t) * 1000
    rss_after_load = _rss_mb()

    right = wrong = none = names_right = 0
    times: list[float] = []
    cpu_times: list[float] = []  # process CPU time: less skewed than wall time on a busy host
    per_file = []
    for row in rows:
        data = (dataset / row["file"]).read_bytes()
        t, c = time.perf_counter(), time.process_time()
        reading = read_id_card(data)
        ms = (time.perf_counter() - t) * 1000
        times.append(ms)
        cpu_times.append((time.process_time() - c) * 1000)
        got = reading.number if reading else None
        if got is None:
            none += 1
            verdict = "none"
        elif got == row["expected_id"]:
            right += 1
            verdict = "right"
        else:
            wrong += 1
            verdict = "WRONG"
        name = reading.name if reading else None
        names_right += name == row["expected_name"]
        per_file.append({"file": row["file"], "expected": row["expected_id"], "got": got,
                         "verdict": verdict, "name": name, "expected_name": row["expected_name"],
                         "ms": round(ms, 1)})
        if verdict != "right":
            print(f"  {row['file']}: {verdict} (got {got}, expected {row['expected_id']})")

    result = {
        "photos": len(rows),
        "right": right,
        "wrong": wrong,
        "none": none,
        "names_right": names_right,
        "median_ms": round(statistics.median(times), 1) if times else None,
        "p95_ms": round(_percentile(times, 0.95), 1) if times else None,
        "median_cpu_ms": round(statistics.median(cpu_times), 1) if cpu_times else None,
        "load_average": _load_average(),
        "engine_load_ms": round(load_ms, 1),
        "rss_mb_before_load": rss_before,
        "rss_mb_after_load": rss_after_load,
        "rss_mb_after_run": _rss_mb(),
        "files": per_file,
    }
    print(f"idcard: right {right} / wrong {wrong} / none {none} of {len(rows)}; "
          f"names right {names_right}")
    print(f"ms per photo: median {result['median_ms']}, p95 {result['p95_ms']} "
          f"(median CPU {result['median_cpu_ms']} ms; load average {result['load_average']}); "
          f"engine load {result['engine_load_ms']} ms; RSS after load "
          f"{rss_after_load} MB, after run {result['rss_mb_after_run']} MB")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
