"""What a stolen phone's roster index gives away, on the demo community (7,300 residents):
`python -m bench.phone_index [--sample-days N]`.

Prints the slot length, the candidates an attacker is left with per entry (analytic, and
measured on a sample of the birth dates of every region code: hits per slot, scaled up), and
the gate's false-match rate (analytic, and measured on random valid numbers of non-residents).
The exhaustive brute force on a small roster is tests/test_phone_index.py."""
import argparse
import base64
import json
import random
import secrets
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.test_phone_index import _count, century  # noqa: E402  (the attacker's loop)


def _valid(region: str, born: date, seq: int) -> str:
    from stdnum.cn import ric

    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample-days", type=int, default=365, help="birth dates brute-forced per region")
    parser.add_argument("--strangers", type=int, default=200_000, help="non-resident numbers tried at the gate")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from server import create_app
    from server.api.watchlist import phone_index
    from server.demo import seed_demo
    from server.extensions import db
    from server.models import Community, Person
    from server.api.phoneindex import slot

    workdir = Path(tempfile.mkdtemp(prefix="phoneidx-bench-"))
    key = lambda: base64.b64encode(secrets.token_bytes(32)).decode()  # noqa: E731
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}", "DATA_KEY": key(),
                      "HASH_KEY": key(), "SECRET_KEY": secrets.token_urlsafe(48), "TESTING": True})
    with app.app_context():
        upgrade()
        seed_demo()
        community = db.session.scalars(select(Community)).first()
        started = time.perf_counter()
        index = phone_index(community)
        built = time.perf_counter() - started
        people = db.session.scalars(select(Person).where(Person.community_id == community.id)).all()
        numbers = {p.doc_number for p in people}
        regions = sorted({n[:6] for n in numbers})
        k, bits = bytes.fromhex(index["key"]), index["bits"]
        slots = set(index["entries"]) | set(index["documents"])

        # The gate: numbers of people who do not live here (same regions, any birth date).
        rng = random.Random(1)
        days = century(date.today())
        strangers, hits = 0, 0
        while strangers < args.strangers:
            number = _valid(rng.choice(regions), rng.choice(days), rng.randrange(1000))
            if number in numbers:
                continue
            strangers += 1
            hits += slot(k, bits, "cn_ric", number) in slots

        # The attacker: every region, a sample of birth dates, all sequences; scaled to a century.
        sample = rng.sample(days, args.sample_days)
        started = time.perf_counter()
        found = _count((k, bits, regions, {int(s) for s in slots}, sample))
        seconds = time.perf_counter() - started
        scale = len(days) / len(sample)
        per_slot = [found[int(s)] * scale for s in slots]

    report = {
        "residents_in_index": sum(len(v) for v in index["entries"].values()),
        "slots_used": len(slots), "region_codes": len(regions), "bits": bits,
        "index_bytes": len(json.dumps(index)), "index_build_s": round(built, 2),
        "candidates_per_slot_analytic": index["figures"]["candidates_per_slot"],
        "candidates_per_slot_measured_mean": round(sum(per_slot) / len(per_slot), 1),
        "sample": f"{len(regions)} regions x {len(sample)} birth dates x 1000 = "
                  f"{len(regions) * len(sample) * 1000:,} numbers in {seconds:.0f} s",
        "false_match_rate_analytic": index["figures"]["false_match_rate"],
        "false_match_rate_measured": hits / strangers, "strangers_tried": strangers,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
