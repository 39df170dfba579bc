"""What a scanned text is: a sample tube, an ID number, a personal code, or unknown.

scanner/client/classify.js is the browser twin of this module; scanner/cases.json
holds the cases both must answer alike. Change the three together.

Known difference, on purpose: ID numbers are checked by scanner/idnumber.py, which
knows stdnum's full county table; the browser checks the province only, so a few
numbers with a real province but a made-up county pass on the phone and are
rejected by the server as invalid_id_number. Numbers of provinces stdnum does not
list (83 Taiwan residence permits, 91) are therefore rejected here too. The shared
cases avoid those numbers.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from .idnumber import PROVINCES, check_id_number

__all__ = [
    "Classified",
    "classify",
    "DEFAULT_TUBE_PATTERN",
    "PERSONAL_CODE_PREFIX",
    "MAX_TEXT_LENGTH",
    "PROVINCES",
]

DEFAULT_TUBE_PATTERN = r"^[A-Z0-9]{8,20}$"
PERSONAL_CODE_PREFIX = "CP1:"
MAX_TEXT_LENGTH = 256

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
    checked = check_id_number(number, today)
    if not checked.valid:
        return Classified("id_number", number, False, "invalid_id_number")
    return Classified("id_number", number, True, None, checked.info)
