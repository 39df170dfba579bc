"""Reading spreadsheets people bring: CSV (UTF-8, UTF-8 with BOM, or GBK) and XLSX."""
import csv
import io
from pathlib import Path

from openpyxl import load_workbook

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
        raise TableError("The file is empty.") from None
    lookup = {k.strip().lower(): v for k, v in aliases.items()}
    fields = [lookup.get(str(h or "").strip().lower()) for h in header]
    rows = []
    for line, values in enumerate(raw_rows, start=2):
        if line > MAX_ROWS + 1:
            raise TableError(f"More than {MAX_ROWS} rows: split the file.")
        record = {f: _cell_text(v) for f, v in zip(fields, values) if f}
        if any(record.values()):
            rows.append((line, record))
    return [f for f in fields if f], rows


def read_header(data: bytes, filename: str) -> list[str]:
    """The first row's headers as text (for a column-mapping step when they are not recognised)."""
    try:
        return [_cell_text(h) for h in next(_raw_rows(data, filename))]
    except StopIteration:
        raise TableError("The file is empty.") from None


def _raw_rows(data: bytes, filename: str):
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(data)
    if suffix in (".csv", ".txt", ""):
        return _csv_rows(data)
    raise TableError(f"Unsupported file type {suffix!r}: use CSV or XLSX.")


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
        raise TableError("The file is neither UTF-8 nor GBK text.")
    if "\x00" in text:
        raise TableError("The file is not a text CSV (it holds NUL bytes).")
    return iter(list(csv.reader(io.StringIO(text, newline=""))))


def _xlsx_rows(data: bytes):
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a broken file
        raise TableError(f"The file is not a readable XLSX workbook ({type(error).__name__}).") from None
    sheet = book.worksheets[0]
    return (list(row) for row in sheet.iter_rows(values_only=True))
