"""What a scanned text is: a sample tube, an ID number, a personal code, or unknown.

scanner/client/classify.js is the browser twin of this module; scanner/cases.json
holds the cases both must answer alike. Change the three together.

Known difference, on purpose: for the region of an ID number this module asks
python-stdnum, which knows the full county table (and the years each county code
was in use), on top of the province list both sides share. The browser
checks the province only, so a few numbers with a real province but a made-up
county pass on the phone and are rejected by the server as invalid_id_number.
Numbers of provinces stdnum does not list (83 Taiwan residence permits, 91) are
therefore rejected here too. The shared cases avoid those numbers.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

__all__ = [
    "Classified",
    "classify",
    "DEFAULT_TUBE_PATTERN",
    "PERSONAL_CODE_PREFIX",
    "MAX_TEXT_LENGTH",
    "PROVINCES",
    "id18_birth_date",
]

DEFAULT_TUBE_PATTERN = r"^[A-Z0-9]{8,20}$"
PERSONAL_CODE_PREFIX = "CP1:"
MAX_TEXT_LENGTH = 256
# First two digits of a GB 11643 number (GB/T 2260 provinces, plus 71 Taiwan,
# 81 Hong Kong, 82 Macao, 83 Taiwan residence permits, 91 foreigners).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46"
    " 50 51 52 53 54 61 62 63 64 65 71 81 82 83 91".split()
)
EARLIEST_BIRTH_YEAR = 1900

# Explicit ASCII classes everywhere: Python's \d would also match Arabic-Indic
# and other Unicode digits, JavaScript's would not.
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,200}")
# Control characters (C0, DEL, C1) and the invisible format characters that
# copy-paste smuggles in; JS uses the same ranges.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\ufeff]")
# Full-width digits and X, as some Chinese input methods and OCR produce them.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
# Unicode White_Space, the same set JavaScript's String.prototype.trim removes
# (minus U+FEFF which counts as a control character above).
_SPACE = (
    " \t\n\x0b\x0c\r\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@dataclass(frozen=True)
class Classified:
    """The verdict on one scanned text."""

    kind: str  # "tube" | "id_number" | "personal_code" | "unknown"
    text: str  # normalised text
    valid: bool
    code: str | None = None  # error or flag code when not valid
    info: dict[str, Any] = field(default_factory=dict)


def classify(text: str, tube_pattern: str | None = None, *, today: datetime.date | None = None) -> Classified:
    """Classify ``text``; ``tube_pattern`` is the site's regex (full match) for tubes.

    ``today`` exists for tests of the not-in-the-future rule.
    """
    # Wedge scanners add Enter or Tab, people paste spaces: not part of the code.
    stripped = text.strip(_SPACE)

    # 1. Hostile or garbage input first, so that nothing below (regexes, stdnum,
    #    the site's pattern) ever sees a 10 KB string or hidden characters.
    if len(stripped) > MAX_TEXT_LENGTH or _CONTROL.search(stripped):
        return Classified("unknown", stripped, False)

    # 2. ID numbers before tubes: an 18-digit number in ID shape is a person even
    #    when the site's tube pattern would also accept it, because recording a
    #    person's ID as a tube label (or in a tube's place) is the worse mistake,
    #    and the answer must not depend on which site the phone is at.
    candidate = stripped.translate(_FULL_WIDTH).upper()
    if _ID18.fullmatch(candidate):
        return _classify_id18(candidate, today or datetime.date.today())
    if _ID15.fullmatch(candidate):
        # Pre-1999 numbers without a check digit: no longer issued, so flag them.
        return Classified("id_number", candidate, False, "legacy_id_number")

    # 3. Personal codes before tubes: the prefix is reserved, so a permissive
    #    site pattern cannot swallow a person's QR code.
    if stripped.startswith(PERSONAL_CODE_PREFIX):
        token = stripped[len(PERSONAL_CODE_PREFIX) :]
        if _TOKEN.fullmatch(token):
            # The signature is the server's job; here only the shape is checked.
            return Classified("personal_code", stripped, True)
        return Classified("personal_code", stripped, False, "invalid_personal_code")

    # 4. Tubes: the whole text must match (re.fullmatch; ^ and $ are harmless).
    pattern = tube_pattern or DEFAULT_TUBE_PATTERN
    if re.fullmatch(pattern, stripped, flags=re.ASCII):
        return Classified("tube", stripped, True)

    return Classified("unknown", stripped, False)


def _classify_id18(number: str, today: datetime.date) -> Classified:
    birth = id18_birth_date(number, today)
    if birth is None:
        return Classified("id_number", number, False, "invalid_id_number")
    info = {
        "birth_date": birth.isoformat(),
        # The 17th digit is the sequence number: odd for men, even for women.
        "sex": "M" if int(number[16]) % 2 else "F",
        "region": number[:6],
    }
    return Classified("id_number", number, True, None, info)


def id18_birth_date(number: str, today: datetime.date | None = None) -> datetime.date | None:
    """The birth date of an upper-case 18-character number passing GB 11643, else None.

    Check character (MOD 11-2), a real birth date from 1900 to today, and a region code
    that was a county's code at some time from the birth year to today. Not stdnum's
    ``ric.validate``: it demands that the county existed in the *birth* year, but the code
    is the county's code when the number was assigned (1984 onwards, or at birth): someone
    born in 1953 in today's 金水区 (410105, created 1983) holds a valid 410105... number.
    """
    today = today or datetime.date.today()
    if not _ID18.fullmatch(number) or number[:2] not in PROVINCES:
        return None
    if ric.calc_check_digit(number) != number[-1]:
        return None
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        return None
    if not (EARLIEST_BIRTH_YEAR <= birth.year and birth <= today):
        return None
    return birth if _region_in_use(number[:6], birth.year, today.year) else None


def _region_in_use(region: str, first_year: int, last_year: int) -> bool:
    from stdnum import numdb

    info = {k: v for _part, props in numdb.get("cn/loc").info(region) for k, v in props.items()}
    if "county" not in info or "province" not in info:
        return False
    # stdnum lists a county as "[start-end]name" when it existed only for some years.
    for county in info["county"].split(","):
        if not county.startswith("["):
            return True
        start, end = county[1:].split("]")[0].split("-")
        if (not start or int(start) <= last_year) and (not end or int(end) >= first_year):
            return True
    return False
