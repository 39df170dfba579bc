"""Exports: text cells for ID numbers, inert formulas, masked by default, audited."""
import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, GateEntry
from tests.factories_supervisor import make_person, make_tube

ID_X = "11010519491231002X"
ID_18 = "110105194912310021"
FORMULA = '=HYPERLINK("http://x","y")'
DAY = date(2022, 5, 6)
AT = datetime(2022, 5, 6, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # exports count local days


def sheet_rows(content: bytes):
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    return [[c for c in row] for row in sheet.iter_rows()]


def people_in_a_tube(world, code="a"):
    side = world[code]
    people = [make_person(side["community"], doc_number=ID_X, name=FORMULA, phone="13800001234"),
              make_person(side["community"], doc_number=ID_18, name="李四", phone="+8613900001111"),
              make_person(side["community"], doc_number="P1", name="@SUM(A1)", phone="-1")]
    tube = make_tube(side["community"], side["point"], f"TX{code}", people=people)
    tube.opened_at = AT
    db.session.commit()


def test_full_xlsx_export_keeps_id_numbers_as_text_and_formulas_inert(world, runner, tmp_path):
    people_in_a_tube(world)
    out = tmp_path / "tubes.xlsx"
    result = runner.invoke(args=["export", "tubes", "--community", "a", "--date", DAY.isoformat(),
                                 "--format", "xlsx", "--output", str(out), "--full"])
    assert result.exit_code == 0, result.output
    assert "Exported 3 rows" in result.output
    rows = sheet_rows(out.read_bytes())
    header = [c.value for c in rows[0]]
    number_col, name_col, phone_col = header.index("证件号码"), header.index("姓名"), header.index("电话")
    numbers = {row[number_col].value: row[number_col] for row in rows[1:]}
    assert set(numbers) == {ID_X, ID_18, "P1"}
    for cell in numbers.values():
        assert cell.data_type == "s" and cell.number_format == "@"
    names = [row[name_col] for row in rows[1:]]
    assert {c.value for c in names} == {"'" + FORMULA, "李四", "'@SUM(A1)"}
    assert all(c.data_type == "s" for c in names)  # none of them is a formula cell
    assert "'-1" in {row[phone_col].value for row in rows[1:]}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.detail == {"kind": "tubes", "format": "xlsx", "date": DAY.isoformat(), "rows": 3,
                            "full": True}


def test_exports_are_masked_by_default_and_csv_is_inert_too(world, client, login):
    people_in_a_tube(world)
    login(world["a"]["supervisor"])
    response = client.get(f"/supervisor/exports/tubes.csv?date={DAY.isoformat()}")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    text = response.data.decode("utf-8-sig")
    assert ID_X not in text and "1101**********002X" in text and "1101**********0021" in text
    assert "HYPERLINK" not in text  # the name is masked: =*...) and starts with an apostrophe
    rows = list(csv.reader(io.StringIO(text)))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    # Asking for full values through a link (GET) is not enough: it needs the form's POST.
    sneaky = client.get(f"/supervisor/exports/tubes.csv?date={DAY.isoformat()}&full=1")
    assert ID_X not in sneaky.data.decode("utf-8-sig")
    full = client.post("/supervisor/exports/tubes.xlsx", data={"date": DAY.isoformat(), "full": "1"})
    assert ID_X in {c.value for row in sheet_rows(full.data) for c in row}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")
                                .order_by(AuditEvent.id)).all()
    assert [(e.detail["format"], e.detail["full"], e.detail["rows"], e.user_id) for e in events] == [
        ("csv", False, 3, world["a"]["supervisor"].id), ("csv", False, 3, world["a"]["supervisor"].id),
        ("xlsx", True, 3, world["a"]["supervisor"].id)]


def test_gate_log_one_row_per_passage_and_retests_export(world, runner, tmp_path):
    a = world["a"]
    person = make_person(a["community"], doc_number=ID_18, name="王五")
    at = AT
    for n, direction in enumerate(("in", "out")):
        db.session.add(GateEntry(record_id=f"r{n}", community_id=a["community"].id, site_id=a["gate"].id,
                                 person=person, direction=direction, recorded_at=at))
    db.session.commit()
    out = tmp_path / "gate.csv"
    result = runner.invoke(args=["export", "gate", "--community", "a", "--date", DAY.isoformat(),
                                 "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0 and "Exported 2 rows" in result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 3 and rows[1][2] == "进" and rows[2][2] == "出"
    empty = runner.invoke(args=["export", "retests", "--community", "a", "--date", DAY.isoformat(),
                                "--format", "xlsx", "--output", str(tmp_path / "r.xlsx")])
    assert empty.exit_code == 0 and "Exported 0 rows" in empty.output


def test_bad_export_requests_are_refused(world, runner, tmp_path):
    for args in (["export", "tubes", "--community", "zz", "--date", "2022-05-06"],
                 ["export", "tubes", "--community", "a", "--date", "06/05/2022"],
                 ["export", "people", "--community", "a", "--date", "2022-05-06"]):
        result = runner.invoke(args=args + ["--output", str(tmp_path / "x.csv")])
        assert result.exit_code != 0
    assert not (tmp_path / "x.csv").exists()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is None


def test_exports_hold_nothing_of_another_community(world, client, login):
    people_in_a_tube(world, code="b")
    login(world["a"]["supervisor"])
    for kind in ("tubes", "gate", "retests"):
        response = client.post(f"/supervisor/exports/{kind}.xlsx", data={"full": "1"})
        rows = sheet_rows(response.data)
        assert len(rows) == 1, kind  # the header alone


def test_a_chinese_export_says_every_value_in_chinese_whoever_asks(world, client, login, runner, tmp_path):
    """Headers are Chinese, so are the values: document types, statuses, results, directions,
    reasons and the sheet's name (never `cn_ric`, `handed_over`, `positive`, `contacted`)."""
    from server.models import LabResult, Retest
    from tests.crawl_text import not_chinese

    a = world["a"]
    resident = make_person(a["community"], doc_number=ID_18, name="王五")
    resident.doc_type = "cn_ric"
    tube = make_tube(a["community"], a["point"], "TCN1", people=[resident], status="resulted", result="positive")
    tube.opened_at = AT
    result = LabResult(community_id=a["community"].id, tube_barcode="TCN1", tube_id=tube.id, result="positive")
    db.session.add_all([result, GateEntry(record_id="g1", community_id=a["community"].id, site_id=a["gate"].id,
                                          person=resident, direction="out", recorded_at=AT, turned_back=True,
                                          reason="no_pass")])
    db.session.flush()
    db.session.add(Retest(community_id=a["community"].id, lab_result_id=result.id, person_id=resident.id,
                          tube_id=tube.id, status="contacted", created_at=AT))
    db.session.commit()
    login(a["supervisor"])
    cells = {}
    for kind in ("tubes", "gate", "retests"):
        response = client.get(f"/supervisor/exports/{kind}.xlsx?date={DAY.isoformat()}",
                              headers={"Accept-Language": "en-US,en"})  # an English browser
        book = load_workbook(io.BytesIO(response.data))
        cells[kind] = [c.value for row in book.worksheets[0].iter_rows() for c in row if c.value]
        cells[kind].append(book.worksheets[0].title)
    assert {"身份证", "已出结果", "阳性", "试管及人员"} <= set(cells["tubes"])
    assert {"出", "无通行证", "卡口登记"} <= set(cells["gate"])
    assert {"阳性", "已联系", "复核名单"} <= set(cells["retests"])
    for kind, values in cells.items():
        assert [v for v in values if not_chinese(str(v))] == [], kind
    out = tmp_path / "r.csv"  # the command line (English) writes the same Chinese file
    assert runner.invoke(args=["export", "retests", "--community", "a", "--date", DAY.isoformat(),
                               "--format", "csv", "--output", str(out)]).exit_code == 0
    assert "已联系" in out.read_bytes().decode("utf-8-sig")
