"""Spreadsheets: reading the ones people bring (CSV in UTF-8, UTF-8 with BOM or GBK, and XLSX, with
the dates and times written in them), and writing CSV and XLSX whose every cell is text that no
spreadsheet evaluates as a formula."""
import csv
import io
import re
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.datetime import from_excel

from offline.text import without_bidi

MAX_ROWS = 200_000


class TableError(ValueError):
    """The file cannot be read as a table; the message says why, for the user."""


def read_table(data: bytes, filename: str, aliases: dict[str, str]) -> tuple[list[str], list[tuple[int, dict]]]:
    """Rows of a CSV or XLSX file as (line number, {field: text}), headers mapped by aliases.

    aliases maps every accepted header (English or Chinese, any case) to a field name.
    Returns the fields found and the rows; blank rows are skipped.
    """
    raw_rows = _raw_rows(data, filename)
    try:
        header = next(raw_rows)
    except StopIteration:
        raise TableError(_l("The file is empty.")) from None
    lookup = {k.strip().lower(): v for k, v in aliases.items()}
    fields = [lookup.get(str(h or "").strip().lower()) for h in header]
    rows = []
    for line, values in enumerate(raw_rows, start=2):
        if line > MAX_ROWS + 1:
            raise TableError(_l("More than %(count)s rows: split the file.", count=MAX_ROWS))
        record = {f: _cell_text(v) for f, v in zip(fields, values) if f}
        if any(record.values()):
            rows.append((line, record))
    return [f for f in fields if f], rows


def read_header(data: bytes, filename: str) -> list[str]:
    """The first row's headers as text (for a column-mapping step when they are not recognised)."""
    try:
        return [_cell_text(h) for h in next(_raw_rows(data, filename))]
    except StopIteration:
        raise TableError(_l("The file is empty.")) from None


def _raw_rows(data: bytes, filename: str):
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(data)
    if suffix in (".csv", ".txt", ""):
        return _csv_rows(data)
    raise TableError(_l("Unsupported file type “%(suffix)s”: use CSV or XLSX.", suffix=suffix))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns 101 into 101.0
    # Bidi controls out (offline/text.py); a NUL or lone surrogate (XLSX can escape them as
    # _x0000_) stays for the importer to refuse with its line number.
    return without_bidi(str(value)).strip()


def _csv_rows(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise TableError(_l("The file is neither UTF-8 nor GBK text."))
    if "\x00" in text:
        raise TableError(_l("The file is not a text CSV (it holds NUL bytes)."))
    return iter(list(csv.reader(io.StringIO(text, newline=""))))


def _xlsx_rows(data: bytes):
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken file
        raise TableError(_l("The file is not a readable XLSX workbook: save it again from Excel or WPS as .xlsx.")) from None
    sheet = book.worksheets[0]
    return (list(row) for row in sheet.iter_rows(values_only=True))


# A date as Chinese Excel, WPS or a lab system writes it: 2022-05-06, 2022/5/6, 2022.5.6 or
# 2022年5月6日, then maybe a time: 8:12, 08:12:30, 8时12分(30秒), 8点12分, with 上午/下午 or AM/PM.
_SHEET_TIME = re.compile(r"""
    (?P<y>\d{4}) \s* [-/.年] \s* (?P<mo>\d{1,2}) \s* [-/.月] \s* (?P<d>\d{1,2}) \s* 日?
    (?: [\sT]* (?P<half>上午|早上|凌晨|中午|下午|晚上)? \s*
        (?P<h>\d{1,2}) \s* (?: [:时点] \s* (?P<mi>\d{1,2})? \s* 分? )?
        (?: \s* [:] \s* (?P<s>\d{1,2}) (?:\.\d+)? | \s* (?P<s2>\d{1,2}) \s* 秒 )?
        \s* (?P<ampm>AM|PM)?
    )?
    \s* (?P<tz>Z|[+-]\d{2}:?\d{2})?
    """, re.VERBOSE | re.IGNORECASE)
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})(?:[\sT]?(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})?)?")
# Excel stores a date as days since 1899-12-30: a cell that lost its date format shows 44687.34.
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_SERIAL_RANGE = (36526, 73051)  # 2000-01-01 to 2099-12-31
_AFTERNOON = ("中午", "下午", "晚上")


def sheet_time(text: str) -> datetime | None:
    """The date and time of a spreadsheet cell, as written (naive unless it names its zone);
    None for an empty cell. Raises ValueError when it is not a date."""
    text = unicodedata.normalize("NFKC", text or "").strip()  # full-width digits, ：
    if not text:
        return None
    if _SERIAL.fullmatch(text):
        if not _SERIAL_RANGE[0] <= float(text) <= _SERIAL_RANGE[1]:
            raise ValueError(text)
        # Rounded to the second: 8:12 is stored as 44687.341666..., which reads as 8:11:59.99.
        return (from_excel(float(text)) + timedelta(milliseconds=500)).replace(microsecond=0)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    found = _SHEET_TIME.fullmatch(text) or _COMPACT.fullmatch(text)
    if found is None:
        raise ValueError(text)
    parts = found.groupdict()
    hour = int(parts.get("h") or 0)
    half = (parts.get("half") or parts.get("ampm") or "").upper()
    if half and not 1 <= hour <= 12:
        raise ValueError(text)
    if half in _AFTERNOON + ("PM",) and hour < 12:
        hour += 12
    elif half in ("凌晨", "AM") and hour == 12:
        hour = 0
    value = datetime(int(parts["y"]), int(parts["mo"]), int(parts["d"]), hour, int(parts.get("mi") or 0),
                     int(parts.get("s") or parts.get("s2") or 0))
    if parts.get("tz"):
        value = datetime.fromisoformat(value.isoformat() + parts["tz"].upper().replace("Z", "+00:00"))
    return value


# Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """Cell text that no spreadsheet will evaluate, nor display reordered (bidi controls stored
    before they were removed at input)."""
    text = "" if value is None else str(value)
    text = without_bidi(ILLEGAL_CHARACTERS_RE.sub("", text))
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: list, rows: list) -> bytes:
    """UTF-8 with BOM: Excel in a Chinese locale then reads the characters right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(header: list, rows: list, title: str) -> bytes:
    """Every cell a text cell (number format '@', str value)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)

    def cells(values):
        made = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            cell.number_format = "@"
            made.append(cell)
        return made

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
