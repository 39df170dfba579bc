"""Benchmark: zxing-cpp alone, pyzbar alone and our pipeline on real barcode photos.

Run as ``python bench/decode.py`` (or call ``main()``). Prints per format and in
total: right, wrong, not found, median and p95 ms per image; the cost of a
1280x720 frame without a barcode; wrong texts that classify() would accept; and
every figure of our pipeline as a ratio to the best single engine of the same run.
Writes the figures to bench/results/decode.json.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from pyzbar import pyzbar  # noqa: E402

from scanner import classify  # noqa: E402
from scanner.decode import EXTRA_STEPS, FORMATS, STEPS, Decoded, normalise, run_step, run_steps  # noqa: E402
from scanner.imageio import load_grey  # noqa: E402

DATASET = ROOT.parent / "shared" / "datasets" / "barcodes"
RESULTS = ROOT / "bench" / "results" / "decode.json"
ALL_STEPS = STEPS + EXTRA_STEPS
FRAME_RUNS = 15


class Sample:
    def __init__(self, file: str, folder: str, expected: str | bytes, grey: np.ndarray):
        self.file, self.folder, self.expected, self.grey = file, folder, expected, grey


def load_samples(dataset: Path = DATASET) -> list[Sample]:
    samples = []
    with open(dataset / "manifest.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            path = dataset / row["file"]
            binary = path.with_suffix(".bin")
            if binary.exists():  # binary payloads: compare bytes, not text
                expected: str | bytes = binary.read_bytes()
            else:
                raw = row["expected"].encode("latin-1", "backslashreplace").decode("unicode_escape")
                expected = normalise(raw)
            samples.append(Sample(row["file"], row["format"], expected, load_grey(path.read_bytes())))
    return samples


def matches(sample: Sample, text: str) -> bool:
    expected = sample.expected
    if isinstance(expected, bytes):
        return any(_encodes_to(text, enc, expected) for enc in ("latin-1", "utf-8"))
    if text == expected:
        return True
    # The dataset's two sources disagree on Codabar: ZXing (Java) drops the
    # start/stop characters A-D, zxing-cpp keeps them. Accept either.
    return sample.folder == "codabar" and _strip_codabar(text) == _strip_codabar(expected)


def _encodes_to(text: str, encoding: str, expected: bytes) -> bool:
    try:
        return text.encode(encoding) == expected
    except UnicodeEncodeError:
        return False


def _strip_codabar(text: str) -> str:
    if len(text) >= 2 and text[0] in "ABCD" and text[-1] in "ABCD":
        return text[1:-1]
    return text


def zbar_alone(grey: np.ndarray) -> list[Decoded]:
    """pyzbar with every symbology it knows, on the plain image: the baseline."""
    out = []
    for symbol in pyzbar.decode(grey):
        try:
            text = symbol.data.decode("utf-8")
        except UnicodeDecodeError:
            text = symbol.data.decode("latin-1")
        out.append(Decoded(symbol.type.lower(), normalise(text)))
    return out


def measure_steps(samples: Sequence[Sample]) -> list[dict[str, tuple[list[Decoded], float]]]:
    """Each pipeline step alone on each image: (codes, ms).

    run_steps stops at the first step that finds something, so the outcome
    and cost of any ordered subset of steps follows from these measurements
    without decoding again.
    """
    measured = []
    for sample in samples:
        per_step = {}
        for step in ALL_STEPS:
            start = time.perf_counter()
            found = run_step(sample.grey, FORMATS, step)
            per_step[step] = (found, (time.perf_counter() - start) * 1000)
        measured.append(per_step)
    return measured


def combine(per_step: dict, steps: Sequence[str]) -> tuple[list[Decoded], float]:
    spent = 0.0
    for step in steps:
        found, ms = per_step[step]
        spent += ms
        if found:
            return found, spent
    return [], spent


def score(samples: Sequence[Sample], outcomes: Sequence[tuple[list[Decoded], float]]) -> dict:
    table: dict[str, dict] = {}
    wrong_texts: list[str] = []
    for sample, (found, ms) in zip(samples, outcomes, strict=True):
        row = table.setdefault(sample.folder, {"right": 0, "wrong": 0, "not_found": 0, "ms": []})
        row["ms"].append(ms)
        texts = [code.text for code in found]
        if sample.folder != "none" and any(matches(sample, t) for t in texts):
            row["right"] += 1
        elif texts:  # anything read from a "none" photo is wrong
            row["wrong"] += 1
            wrong_texts += [t for t in texts if sample.folder == "none" or not matches(sample, t)]
        else:
            row["not_found"] += 1
    total = {"right": 0, "wrong": 0, "not_found": 0, "ms": []}
    for row in table.values():
        for key in total:
            total[key] += row[key]
    table["total"] = total
    for row in table.values():
        row["median_ms"] = round(statistics.median(row["ms"]), 2)
        row["p95_ms"] = round(float(np.percentile(row["ms"], 95)), 2)
        del row["ms"]
    accepted = [t for t in wrong_texts if _accepted(t)]
    return {"table": table, "wrong_texts": wrong_texts, "wrong_accepted": accepted}


def _accepted(text: str) -> bool:
    verdict = classify(text)
    return verdict.valid and verdict.kind in ("tube", "id_number")


def frame_cost(decode: Callable[[np.ndarray], object], frames: Sequence[np.ndarray]) -> float:
    times = []
    for _ in range(max(1, FRAME_RUNS // len(frames))):
        for frame in frames:
            start = time.perf_counter()
            decode(frame)
            times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def no_barcode_frames(samples: Sequence[Sample]) -> dict[str, list[np.ndarray]]:
    # A blank frame, and real scenes without a barcode (the none/ photos)
    # stretched to the phone's 1280x720 so they carry real texture.
    scenes = [
        cv2.resize(s.grey, (1280, 720), interpolation=cv2.INTER_LINEAR) for s in samples if s.folder == "none"
    ]
    return {"blank": [np.full((720, 1280), 200, np.uint8)], "scene": scenes}


def print_table(name: str, result: dict) -> None:
    print(f"\n{name}")
    print(f"  {'format':<11}{'right':>6}{'wrong':>6}{'none':>6}{'med ms':>8}{'p95 ms':>8}")
    for folder, row in sorted(result["table"].items(), key=lambda kv: kv[0] == "total"):
        print(
            f"  {folder:<11}{row['right']:>6}{row['wrong']:>6}{row['not_found']:>6}"
            f"{row['median_ms']:>8.1f}{row['p95_ms']:>8.1f}"
        )
    print(f"  wrong texts accepted by classify(): {len(result['wrong_accepted'])}")


def main(argv: Sequence[str] | None = None) -> dict:
    if not DATASET.is_dir():
        print(f"dataset not found at {DATASET}", file=sys.stderr)
        raise SystemExit(2)
    started = time.perf_counter()
    samples = load_samples()
    measured = measure_steps(samples)
    zbar_outcomes = []
    for sample in samples:
        start = time.perf_counter()
        found = zbar_alone(sample.grey)
        zbar_outcomes.append((found, (time.perf_counter() - start) * 1000))

    results = {
        "zxing-cpp alone": score(samples, [combine(m, ("zxing",)) for m in measured]),
        "pyzbar alone": score(samples, zbar_outcomes),
        "pipeline": score(samples, [combine(m, STEPS) for m in measured]),
    }
    # Every ordered subset of fallbacks after zxing, to show what each one is worth.
    ablation = {}
    fallbacks = ALL_STEPS[1:]
    for size in range(len(fallbacks) + 1):
        for chosen in combinations(fallbacks, size):
            steps = ("zxing", *chosen)
            scored = score(samples, [combine(m, steps) for m in measured])
            total = scored["table"]["total"]
            ablation["+".join(steps)] = {
                "right": total["right"],
                "wrong": total["wrong"],
                "median_ms": total["median_ms"],
                "p95_ms": total["p95_ms"],
                "wrong_accepted": len(scored["wrong_accepted"]),
            }

    frames = no_barcode_frames(samples)
    frame_ms = {
        "zxing-cpp alone": {
            k: frame_cost(lambda g: run_steps(g, FORMATS, ("zxing",)), v) for k, v in frames.items()
        },
        "pyzbar alone": {k: frame_cost(zbar_alone, v) for k, v in frames.items()},
        "pipeline": {k: frame_cost(lambda g: run_steps(g, FORMATS, STEPS), v) for k, v in frames.items()},
    }

    for name, result in results.items():
        print_table(name, result)
        print(
            f"  1280x720 frame without barcode, median ms: blank {frame_ms[name]['blank']}, scene {frame_ms[name]['scene']}"
        )
    print("\nfallback ablation (right / wrong / median ms / p95 ms / wrong accepted):")
    for steps, row in ablation.items():
        mark = "*" if steps == "+".join(STEPS) else " "
        figures = f"{row['right']:>5}{row['wrong']:>5}{row['median_ms']:>8.1f}{row['p95_ms']:>8.1f}"
        print(f" {mark} {steps:<52}{figures}{row['wrong_accepted']:>4}")

    ours = results["pipeline"]["table"]["total"]
    best_name = max(("zxing-cpp alone", "pyzbar alone"), key=lambda n: results[n]["table"]["total"]["right"])
    best = results[best_name]["table"]["total"]
    ratios = {
        "best_single_engine": best_name,
        "right_ratio": round(ours["right"] / best["right"], 3),
        "wrong_ours": ours["wrong"],
        "wrong_best": best["wrong"],
        "median_ms_ratio": round(ours["median_ms"] / best["median_ms"], 3),
    }
    print(
        f"\npipeline vs {best_name}: right x{ratios['right_ratio']} ({ours['right']}/{best['right']}), "
        f"wrong {ours['wrong']} vs {best['wrong']}, median ms x{ratios['median_ms_ratio']}"
    )
    elapsed = round(time.perf_counter() - started, 1)
    print(f"images: {len(samples)}, pipeline steps: {'+'.join(STEPS)}, run time {elapsed} s")

    report = {
        "images": len(samples),
        "steps": list(STEPS),
        "engines": {
            n: {"table": r["table"], "wrong_texts": r["wrong_texts"], "wrong_accepted": r["wrong_accepted"]}
            for n, r in results.items()
        },
        "frame_ms": frame_ms,
        "ablation": ablation,
        "ratios": ratios,
        "seconds": elapsed,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
