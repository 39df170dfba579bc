"""Roster files as people really bring them: broken encodings, missing columns, formulas,
over-long cells, and 100,000 rows."""
import io
import time
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from stdnum.cn import ric

from server.extensions import db
from server.models import Person

HEADER = "building,unit,room,name,doc_type,doc_number,phone,tags\n"
FORMULA = "=cmd|' /C calc'!A0"


def an_id(n: int) -> str:
    """The n-th distinct valid ID number (100 different birthdays × 1,000 sequence numbers)."""
    born = date(1950, 1, 1) + timedelta(days=n // 1000)
    body = f"110105{born:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def people():
    return db.session.scalar(select(func.count()).select_from(Person))


def import_file(runner, tmp_path, name, content: bytes, *args):
    path = tmp_path / name
    path.write_bytes(content)
    return runner.invoke(args=["import-roster", str(path), "--community", "a", *args])


def test_formulas_are_imported_as_text_never_evaluated(runner, tmp_path, world):
    csv = HEADER + f'1,1,101,"{FORMULA}",,{an_id(1)},13800001234,\n' + \
        f"1,1,102,=1+1,,{an_id(2)},+8613800001234,@SUM(A1)\n"
    result = import_file(runner, tmp_path, "roster.csv", csv.encode())
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in db.session.scalars(select(Person)))
    assert names == sorted([FORMULA, "=1+1"])  # the text as written, never "2"


def test_an_xlsx_formula_cell_is_never_evaluated(runner, tmp_path, world):
    book = Workbook()
    sheet = book.active
    sheet.append(["building", "name", "doc_number"])
    sheet.append(["1", "=1+1", an_id(1)])  # openpyxl stores this as a formula, no cached value
    data = io.BytesIO()
    book.save(data)
    result = import_file(runner, tmp_path, "roster.xlsx", data.getvalue())
    assert result.exit_code != 0 and "line 2: missing name" in result.output
    assert people() == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_chinese_headers_in_every_encoding_people_use(runner, tmp_path, world, encoding):
    csv = "楼栋,单元,房间,姓名,证件类型,证件号码,电话,标签\n" + \
        f"3,2,301,欧阳娜娜,身份证,{an_id(3)},13800001234,独居老人\n"
    result = import_file(runner, tmp_path, "名单.csv", csv.encode(encoding))
    assert result.exit_code == 0, result.output
    person = db.session.scalar(select(Person))
    assert person.name == "欧阳娜娜" and person.tag_list == ["elderly-alone"]


def test_broken_bytes_and_missing_columns_are_refused_with_a_message(runner, tmp_path, world):
    broken = HEADER.encode() + b"1,1,101,\xff\xfe\x00\x81,,110105,,\n"
    result = import_file(runner, tmp_path, "broken.csv", broken)
    assert result.exit_code != 0 and "Error" in result.output
    no_numbers = "building,name\n1,张三\n2,李四\n".encode()
    result = import_file(runner, tmp_path, "partial.csv", no_numbers)
    assert result.exit_code != 0 and "missing doc_number" in result.output
    not_a_table = import_file(runner, tmp_path, "photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    assert not_a_table.exit_code != 0 and "XLSX" in not_a_table.output
    assert people() == 0


def test_over_long_or_control_character_cells_are_bad_rows_not_a_crash(runner, tmp_path,
                                                                       world):
    csv = HEADER + f"{'9' * 5000},1,101,张三,,{an_id(4)},,\n" + \
        f"1,1,101,\"李\x1b[31m四\",,{an_id(5)},,\n" + f"1,1,102,王五,,{an_id(6)},,\n"
    result = import_file(runner, tmp_path, "long.csv", csv.encode(), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "line 2:" in result.output and "line 3:" in result.output
    assert [p.name for p in db.session.scalars(select(Person))] == ["王五"]


def test_a_100k_row_roster_imports_in_bounded_time(runner, tmp_path, world, database_url):
    rows = 100_000
    lines = [HEADER] + [f"{n % 33 + 1},{n % 4 + 1},{n % 600 + 101},居民{n},,{an_id(n)},"
                        f"138{n:08d},\n" for n in range(rows)]
    started = time.monotonic()
    result = import_file(runner, tmp_path, "big.csv", "".join(lines).encode())
    seconds = time.monotonic() - started
    print(f"\n100k-row roster import: {seconds:.1f} s ({database_url.split(':')[0]})")
    assert result.exit_code == 0, result.output[-500:]
    assert f"{rows} new" in result.output
    assert people() == rows
    assert seconds < 300  # a loaded 2-core machine; about a minute when idle
