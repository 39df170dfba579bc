"""The input rules (document kinds and patterns, phone, vehicle plate, temperature and tube
capacity bounds) read from offline/client/rules.json: the one file the server's validators use
and the phone loads (served to the phone as /client/offline/rules-data.js and precached), so the
two cannot drift apart.
offline/rules_cases.json holds the cases both sides are tested against."""
import json
import re
from decimal import Decimal
from pathlib import Path

RULES_PATH = Path(__file__).resolve().parent / "client" / "rules.json"
RULES = json.loads(RULES_PATH.read_text(encoding="utf-8"))

DOC_TYPES: tuple[str, ...] = tuple(RULES["document"]["types"])
DOC_NUMBER_MAX_LENGTH: int = RULES["document"]["max_length"]
# Matched with fullmatch: the whole text, as the phone's ^(?:...)$ does.
OTHER_DOC_PATTERN = re.compile(RULES["document"]["other_pattern"])
# What the patterns allow, as the messages say it ("5 to 30 letters or digits").
OTHER_DOC_LENGTH: tuple[int, int] = (RULES["document"]["other_length"]["min"], RULES["document"]["other_length"]["max"])
PHONE_DIGITS: tuple[int, int] = (RULES["phone"]["digits"]["min"], RULES["phone"]["digits"]["max"])
PHONE_PATTERN = re.compile(RULES["phone"]["pattern"])
PHONE_STRIP = re.compile(RULES["phone"]["strip"])
PLATE_PATTERN = re.compile(RULES["plate"]["pattern"])
PLATE_STRIP = re.compile(RULES["plate"]["strip"])
TEMPERATURE_MIN = Decimal(RULES["temperature"]["min"])
TEMPERATURE_MAX = Decimal(RULES["temperature"]["max"])
# People pooled into one tube (10混1 by default: a site's setting, a tube_open may say otherwise).
TUBE_CAPACITY_MIN: int = RULES["tube_capacity"]["min"]
TUBE_CAPACITY_MAX: int = RULES["tube_capacity"]["max"]


def is_other_document(number: str) -> bool:
    """A normalised number of a document other than the resident ID card (passport, permits)."""
    return bool(OTHER_DOC_PATTERN.fullmatch(number))


def normalise_phone(text: str) -> str:
    """Spaces, dashes and brackets as people write a number dropped: "(010) 8888-1234" ->
    "01088881234". Anything else stays, for is_phone to refuse."""
    return PHONE_STRIP.sub("", text)


def is_phone(text: str) -> bool:
    """A normalised phone number: digits, optionally after a +."""
    return bool(PHONE_PATTERN.fullmatch(text))


def normalise_plate(text: str) -> str:
    """No spaces, middle dots or dashes, upper case: "京a·12345" -> "京A12345"."""
    return PLATE_STRIP.sub("", text).upper()


def is_plate(text: str) -> bool:
    """A normalised plate (no spaces, dots or dashes, upper case)."""
    return bool(PLATE_PATTERN.fullmatch(text))
