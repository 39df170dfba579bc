"""``python -m scanner IMAGE...``: print the codes in each image and what they are."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import ScanError, classify, decode_image
from .imageio import MAX_BYTES


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scanner", description=__doc__)
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    parser.add_argument("--tube-pattern", help="the site's tube regex (default: %(prog)s's built-in)")
    args = parser.parse_args(argv)

    failed = False
    for path in args.images:
        try:
            codes = decode_image(_read(path))
        except (OSError, ScanError) as exc:
            print(f"{path}: error: {_reason(exc)}", file=sys.stderr)
            failed = True
            continue
        if not codes:
            print(f"{path}: no barcode found")
        for code in codes:
            verdict = classify(code.text, args.tube_pattern)
            state = "valid" if verdict.valid else f"invalid ({verdict.code})" if verdict.code else "invalid"
            # repr() keeps control characters in a payload from messing up the terminal.
            print(f"{path}: {code.format} {code.text!r} -> {verdict.kind}, {state}")
    return 1 if failed else 0


def _read(path: Path) -> bytes:
    # Refuse huge files before reading them into memory.
    if path.stat().st_size > MAX_BYTES:
        raise ScanError(f"The image is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    return path.read_bytes()


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


if __name__ == "__main__":
    sys.exit(main())
