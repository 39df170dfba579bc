"""GB 11643 resident ID numbers: the one check used by scanning, OCR, sync and imports.

Checksum (MOD 11-2) and birth date come from python-stdnum. The region code is checked
against stdnum's county table, but *not* as stdnum's ``ric.validate`` does (the county must
have existed in the birth year): the code on a card is the county's code when the number was
assigned (from 1984, or at birth if later), so a person born in 1953 in today's 金水区 (410105
since 1983) holds a valid 410105... number that ``ric.validate`` rejects. We accept a county
code in use at any time from the birth year to now. scanner/client/classify.js checks the
province only (it has no county table): a made-up county passes on the phone and is rejected
here as invalid_id_number, shown on the phone for correction.
"""
from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field

from stdnum import numdb
from stdnum.cn import ric

__all__ = ["IdCheck", "check_id_number", "is_valid_id_number", "load_county_table", "PROVINCES",
           "EARLIEST_BIRTH_YEAR"]

# First two digits (GB/T 2260 provinces, plus 71 Taiwan, 81 Hong Kong, 82 Macao,
# 83 Taiwan residence permits, 91 foreigners).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46"
    " 50 51 52 53 54 61 62 63 64 65 71 81 82 83 91".split())
EARLIEST_BIRTH_YEAR = 1900
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


@dataclass(frozen=True)
class IdCheck:
    valid: bool
    number: str
    info: dict = field(default_factory=dict)  # birth_date, sex, region when valid


def check_id_number(number: str, today: datetime.date | None = None) -> IdCheck:
    """Check an 18-character number already normalised (ASCII, upper-case X)."""
    birth = _birth_if_valid(number, today or datetime.date.today())
    if birth is None:
        return IdCheck(False, number)
    # The 17th digit is the sequence number: odd for men, even for women.
    info = {"birth_date": birth.isoformat(), "sex": "M" if int(number[16]) % 2 else "F",
            "region": number[:6]}
    return IdCheck(True, number, info)


def is_valid_id_number(number: str, today: datetime.date | None = None) -> bool:
    """check_id_number(number).valid, without the details (the sync checks every number).
    `today`: the community's day (the server passes it; the machine's own date otherwise)."""
    return _birth_if_valid(number, today or datetime.date.today()) is not None


def _birth_if_valid(number: str, today: datetime.date) -> datetime.date | None:
    if not _SHAPE.fullmatch(number) or number[:2] not in PROVINCES:
        return None
    if ric.calc_check_digit(number) != number[17]:
        return None
    try:
        # stdnum's ric.get_birth_date, without its generic clean-up of a number that is
        # already clean (it was a third of the cost of checking a number, at every sync).
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:  # an impossible date
        return None
    if not EARLIEST_BIRTH_YEAR <= birth.year or birth > today:
        return None
    if not _region_in_use(number, birth, today):
        return None
    return birth


def load_county_table() -> None:
    """Read stdnum's county table now (~90 ms) rather than in a served process's first sync
    batch; wsgi.py calls it before the app's objects are frozen out of the collector's way."""
    numdb.get("cn/loc")


@functools.lru_cache(maxsize=8192)
def _region_info(code: str) -> dict:
    # stdnum walks its county table on every call; there are ~6,000 codes and they repeat.
    return {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}


def _region_in_use(number: str, birth: datetime.date, today: datetime.date) -> bool:
    info = _region_info(number[:6])
    if "county" not in info or "province" not in info:
        return False
    for county in info["county"].split(","):
        if not county.startswith("["):
            return True
        start, end = county[1:].split("]")[0].split("-")
        if (not start or int(start) <= today.year) and (not end or int(end) >= birth.year):
            return True
    return False
