"""Every English message of the pages and server code has its Chinese translation."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
METHODS = [("server/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}


def test_every_message_has_a_chinese_translation():
    with open(ROOT / "translations/zh/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    used = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=METHODS, keywords=KEYWORDS):
        used.add(message[0] if isinstance(message, tuple) else message)
    assert len(used) > 20  # the extraction really found the app's messages
    missing = sorted(m for m in used if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []
    # Union merges of the catalog must not leave the same message twice.
    text = (ROOT / "translations/zh/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    ids = [line for line in text.splitlines() if line.startswith("msgid ") and line != "msgid \"\""]
    assert len(ids) == len(set(ids))
