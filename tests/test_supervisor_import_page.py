"""The lab results page: upload, column mapping, preview, confirm (in chunks), retest list."""
import io
import re
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from server.sampling.demo import generate_sampling_day, tube_barcode
from server.extensions import db
from server.models import AuditEvent, LabResult, Retest
from tests.factories_supervisor import lab_csv, make_tube

DAY = date(2022, 5, 6)


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    return folder


def upload(client, data, name="lab.csv"):
    return client.post("/supervisor/results", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def token_of(response):
    return re.search(r"/supervisor/results/([A-Za-z0-9_-]+)", response.headers["Location"]).group(1)


def test_upload_preview_confirm_in_chunks_then_nothing_changes_twice(world, client, login, app, upload_folder):
    a = world["a"]
    generate_sampling_day(a["community"], DAY, tubes=30)
    db.session.commit()
    rows = [(tube_barcode(DAY, n), "阴性", "") for n in range(1, 31)]
    rows[2] = (tube_barcode(DAY, 3), "阳性", "")
    rows += [("TNOPE", "阴性", ""), rows[5]]
    data = lab_csv(rows)
    login(a["supervisor"])
    response = upload(client, data)
    assert response.status_code == 302 and "/mapping" not in response.headers["Location"]
    token = token_of(response)
    page = client.get(f"/supervisor/results/{token}").get_data(as_text=True)
    assert "TNOPE" in page and "33 = 7 (T22050600006)" in page
    assert re.search(r"<strong>10</strong>", page)  # people that will be retested
    assert db.session.scalar(select(func.count()).select_from(LabResult)) == 0  # preview writes nothing

    app.config["RESULTS_IMPORT_CHUNK"] = 8
    htmx = {"HX-Request": "true"}
    response = client.post(f"/supervisor/results/{token}/import", data={"offset": 0}, headers=htmx)
    steps = 1
    while 'hx-trigger="load"' in response.get_data(as_text=True):
        body = response.get_data(as_text=True)
        fields = dict(re.findall(r'name="(\w+)" value="(\d+)"', body))
        assert "<progress" in body
        response = client.post(f"/supervisor/results/{token}/import", data=fields, headers=htmx)
        steps += 1
    body = response.get_data(as_text=True)
    assert steps == 4 and "31 / 31" in body
    assert db.session.scalar(select(func.count()).select_from(Retest)) == 10
    assert db.session.scalar(select(func.count()).select_from(LabResult)) == 31
    assert list(upload_folder.iterdir()) == []  # the file is gone once imported
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import_results"))
    assert event.detail["created"] == 31 and event.detail["retests"] == 10 and event.detail["unknown"] == 1

    second = token_of(upload(client, data))
    unchecked = client.post(f"/supervisor/results/{second}/import", data={"offset": 0})
    assert unchecked.status_code == 302 and unchecked.headers["Location"].endswith(second)  # preview first
    preview = client.get(f"/supervisor/results/{second}").get_data(as_text=True)
    assert "<strong>0</strong> 条新结果" in preview and "<strong>31</strong> 条已导入过" in preview
    again = client.post(f"/supervisor/results/{second}/import", data={"offset": 0})
    assert again.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Retest)) == 10
    assert db.session.scalar(select(func.count()).select_from(LabResult)) == 31


def test_unknown_headers_ask_which_column_is_which(world, client, login):
    a = world["a"]
    make_tube(a["community"], a["point"], "TM1", people=3)
    db.session.commit()
    login(a["supervisor"])
    book = Workbook()
    book.active.append(["编号", "备注", "检验"])
    book.active.append(["TM1", "x", "阳性"])
    out = io.BytesIO()
    book.save(out)
    response = upload(client, out.getvalue(), "lab.xlsx")
    assert response.headers["Location"].endswith("/mapping")
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "编号" in form and "检验" in form
    same = client.post(response.headers["Location"], data={"tube": "0", "result": "0"})
    assert same.status_code == 400
    mapped = client.post(response.headers["Location"], data={"tube": "0", "result": "2", "reported_at": ""})
    assert mapped.status_code == 302
    token = token_of(mapped)
    client.get(f"/supervisor/results/{token}")
    client.post(f"/supervisor/results/{token}/import", data={"offset": 0})
    assert db.session.scalar(select(func.count()).select_from(Retest)) == 3


def test_bad_rows_block_the_import_and_cancel_deletes_the_file(world, client, login, upload_folder):
    login(world["a"]["supervisor"])
    token = token_of(upload(client, lab_csv([("T1", "阳性", ""), ("T2", "??", "")])))
    page = client.get(f"/supervisor/results/{token}").get_data(as_text=True)
    assert "无法识别的检测结果“??”" in page and "Confirm" not in page and "确认导入" not in page
    client.post(f"/supervisor/results/{token}/import", data={"offset": 0})
    assert db.session.scalar(select(func.count()).select_from(LabResult)) == 0
    client.post(f"/supervisor/results/{token}/cancel")
    assert list(upload_folder.iterdir()) == []
    assert upload(client, b"\x00\x01", "x.pdf").status_code == 400


def test_an_upload_belongs_to_its_uploader(world, client, login):
    login(world["a"]["supervisor"])
    token = token_of(upload(client, lab_csv([("T1", "阳性", "")])))
    login(world["b"]["supervisor"])
    assert client.get(f"/supervisor/results/{token}").status_code == 404
    assert client.post(f"/supervisor/results/{token}/import", data={"offset": 0}).status_code == 404


def test_clerks_cannot_import(world, client, login):
    login(world["a"]["clerk"])
    assert client.get("/supervisor/results").status_code == 403
