"""`make bench`: run every benchmark, print one table of ratios, write bench/results/*.json."""
import importlib
import json
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# Module, and what its figures are compared with.
BENCHES = ("bench.ingest", "bench.decode", "bench.idcard", "bench.pages", "bench.memory", "bench.phone")


def _decode_rows(report: dict) -> list[dict]:
    """bench.decode reports per engine; the baseline is the best single engine of the run."""
    ours = report["engines"]["pipeline"]["table"]["total"]
    name = report["ratios"]["best_single_engine"]
    best = report["engines"][name]["table"]["total"]
    case = f"{report['images']} photos vs {name}"
    return [
        {"bench": "decode", "case": f"right reads, {case}", "value": ours["right"], "unit": "images",
         "baseline": best["right"], "ratio": ours["right"] / max(best["right"], 1)},
        {"bench": "decode", "case": f"wrong reads, {case}", "value": ours["wrong"], "unit": "images",
         "baseline": best["wrong"], "ratio": ours["wrong"] / max(best["wrong"], 1)},
        {"bench": "decode", "case": f"median ms per image, {case}", "value": ours["median_ms"],
         "unit": "ms", "baseline": best["median_ms"], "ratio": ours["median_ms"] / max(best["median_ms"], 1e-9)},
    ]


def _idcard_rows(report: dict) -> list[dict]:
    """ID-card OCR: numbers read right of all photos; ms per photo against loading the engine
    once (what a worker pays on its first ID card)."""
    case = f"{report['photos']} synthetic ID photos"
    return [
        {"bench": "idcard", "case": f"numbers read right, {case}", "value": report["right"],
         "unit": "photos", "baseline": report["photos"], "ratio": report["right"] / max(report["photos"], 1)},
        {"bench": "idcard", "case": f"wrong numbers, {case}", "value": report["wrong"], "unit": "photos",
         "baseline": report["photos"], "ratio": report["wrong"] / max(report["photos"], 1)},
        {"bench": "idcard", "case": f"median ms per photo vs engine load, {case}",
         "value": report["median_ms"], "unit": "ms", "baseline": report["engine_load_ms"],
         "ratio": (report["median_ms"] or 0) / max(report["engine_load_ms"], 1e-9)},
    ]


ADAPTERS = {"bench.decode": _decode_rows, "bench.idcard": _idcard_rows}


def _rows_of(module) -> list[dict]:
    result = module.main()
    adapt = ADAPTERS.get(module.__name__)
    if adapt:
        return adapt(result)
    return result if isinstance(result, list) else []


def main(names=BENCHES) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    table, failed = [], []
    started = time.monotonic()
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            print(f"{name}: not available ({error})")
            continue
        print(f"== {name}")
        try:
            rows = _rows_of(module)
        except Exception as error:  # one broken benchmark must not hide the others
            failed.append(name)
            print(f"{name} failed: {type(error).__name__}: {error}")
            continue
        table += rows
    (RESULTS / "summary.json").write_text(json.dumps(table, indent=2, ensure_ascii=False, default=str))
    print("\n| benchmark | case | ours | unit | baseline | ours/baseline | goal | met |")
    print("|---|---|---|---|---|---|---|---|")
    for row in table:
        met = {True: "yes", False: "NO", None: ""}[row.get("met")]
        print(f"| {row['bench']} | {row['case']} | {row['value']:.1f} | {row['unit']} | "
              f"{row['baseline']:.1f} | {row['ratio']:.2f} | {row.get('goal', '')} | {met} |")
    print(f"\n{len(table)} figures in {time.monotonic() - started:.0f} s; JSON in {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or BENCHES))
