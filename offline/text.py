"""The one normalisation of incoming text: the sync API, every page, form, query parameter,
import and the door webhook use it (server/textinput.py wires it into requests).

- Refused: NUL (PostgreSQL cannot store it: the request failed as "database unavailable") and
  lone surrogates (no UTF-8 encoding exists; they arrive through JSON escapes such as \\ud800).
  The caller answers 400 with a message, or rejects the record, and stores nothing.
- Removed: bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C). In a
  name or a note they reorder what a supervisor reads, e.g. U+202E shows "1101...4321" for
  "1234...1011", and they travel into exports and printed sheets.
- Names and one-line fields also lose other control characters and surrounding space; notes
  keep their line breaks (CR LF becomes LF).
Text is also put in NFC form, so that a name typed on two phones compares equal.
"""
import re
import unicodedata

REFUSED = re.compile("[\x00\ud800-\udfff]")
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_C0 = re.compile("[\x00-\x1f]")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def refused(value: str) -> bool:
    """True when the text holds a character no database can store (NUL, lone surrogate)."""
    return bool(REFUSED.search(value))


def has_controls(value: str) -> bool:
    """True when the text holds a C0 control character (the sync API's fields refuse them)."""
    return bool(_C0.search(value))


def without_bidi(value: str) -> str:
    return BIDI_CONTROLS.sub("", value)


def clean_line(value: str) -> str:
    """A name, address part or one-line field: no bidi or other controls, no outer space, NFC.
    The caller checks `refused()` first (a NUL is refused, not silently dropped)."""
    return unicodedata.normalize("NFC", _CONTROLS.sub("", without_bidi(value))).strip()


def clean_note(value: str) -> str:
    """A note of several lines: as clean_line, line breaks kept (CR LF and CR become LF)."""
    text = without_bidi(value).replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROLS_BUT_LINES.sub("", text)).strip()
