"""What a user reads on a page, and what of it is not Chinese: English words outside a short
list of proper names and units, snake_case codes, and Python's None/True/False.

Used by the crawl tests (server-rendered pages and fragments, and the same check on the text a
browser shows after the page's scripts ran)."""
import re
from html.parser import HTMLParser

# Attributes a user reads or hears (screen readers): tooltips, placeholders, labels, confirms.
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "hx-confirm", "data-confirm")
SKIPPED_ELEMENTS = {"script", "style", "template", "noscript",
                    "code", "kbd"}  # identifiers a user copies or types as they are (a key id)
# Words that stay as they are in a Chinese UI: proper names, file formats, units, acronyms.
ALLOWED_WORDS = {"PIN", "QR", "ID", "CSV", "XLSX", "Excel", "WPS", "HTTPS", "HTTP", "USB", "Wi-Fi",
                 "WiFi", "Android", "iPhone", "iOS", "Chrome", "Chromium", "PWA", "GBK", "UTF-8",
                 "Bluetooth", "SVG", "URL", "min", "h", "ms", "MB", "KB", "GB", "px",
                 # a phone's system in its device name (offline/client/session.js), a proper name
                 "Linux", "Windows", "Mac", "macOS", "iPad"}

WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]")
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
PYTHON_VALUES = re.compile(r"\b(None|True|False|nan)\b")


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0
        self._hidden_input = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in SKIPPED_ELEMENTS:
            self._skip += 1
        for name in READ_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def page_texts(html: str) -> list[str]:
    """Every piece of text of an HTML page or fragment a user reads (or hears)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.texts


# Data, not words, and not judged: letters mixed with digits or masking stars (barcodes, site
# codes, plates such as 京A12345, masked numbers such as 1101**********002X or a passport's
# PBEA*****CFEE), addresses of pages, degrees Celsius.
CODED = re.compile(r"(?<![A-Za-z0-9*])(?=[A-Za-z0-9*\-]*[\d*])[A-Za-z0-9*][A-Za-z0-9*\-]*(?![A-Za-z0-9])")
URL = re.compile(r"https?://\S+")
CELSIUS = re.compile(r"°\s?C\b")
EXTENSION = re.compile(r"\.[A-Za-z]{2,4}\b")  # the type of a file a user chose: 结果.csv, “.png”


def not_chinese(text: str, allowed=ALLOWED_WORDS) -> list[str]:
    """What in one text is not Chinese UI: raw codes, Python values, English words."""
    text = EXTENSION.sub(" ", CELSIUS.sub(" ", URL.sub(" ", text)))
    found = SNAKE.findall(text) + PYTHON_VALUES.findall(text)
    rest = CODED.sub(" ", SNAKE.sub(" ", text))
    found += [w for w in WORD.findall(rest) if w not in allowed and w.strip("-") not in allowed]
    return found
