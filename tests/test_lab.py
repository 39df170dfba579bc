"""The road to the lab (issue 18): a box handed over and not confirmed by the lab appears on the
board after its deadline and leaves it when the lab confirms; tubes received without their box
show; results imported later close the loop per tube; the lab sees only its boxes and nothing
else. SQLite and PostgreSQL."""
import io
import re
from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.supervisor.labresults import ResultRow, apply_results
from server.models import Box, Tube, utcnow
from tests.conftest import PIN
from tests.factories_supervisor import lab_csv, make_box, make_tube


def handed(community, point, barcode, minutes_ago, tubes=2):
    box = make_box(community, point, barcode, handed_over=True, minutes_ago=minutes_ago + 20)
    box.handed_over_at = utcnow() - timedelta(minutes=minutes_ago)
    made = [make_tube(community, point, f"T{barcode}{n}", people=10, box=box, status="handed_over",
                      opened_minutes_ago=minutes_ago + 60, sealed_minutes_ago=minutes_ago + 30)
            for n in range(1, tubes + 1)]
    db.session.commit()
    return box, made


def group(page, kind):
    """The board's section of one check kind ('' when the board has none)."""
    parts = page.split(f'id="group-{kind}"')
    return parts[1].split("</details>\n")[0] if len(parts) > 1 else ""


def test_a_box_not_confirmed_by_the_lab_is_on_the_board_after_its_deadline_until_the_lab_confirms(
        world, client, login, make_user):
    a = world["a"]
    late, _tubes = handed(a["community"], a["point"], "BLATE", minutes_ago=150)  # deadline 120 min
    fresh, fresh_tubes = handed(a["community"], a["point"], "BFRESH", minutes_ago=30)
    lab = make_user(a["community"], username="lab-a", role="lab")
    login(a["supervisor"])
    board = group(client.get("/supervisor/board").get_data(as_text=True), "box_not_received")
    assert "已交接、检测机构未确认接收的转运箱" in board
    late_item = re.search(rf'<li class="board-item (\w+)" id="item-box-{late.id}"', board)
    fresh_item = re.search(rf'<li class="board-item (\w+)" id="item-box-{fresh.id}"', board)
    assert late_item.group(1) == "overdue" and fresh_item.group(1) == "upcoming"
    # The lab scans the late box (and one tube of the fresh box, which has not arrived).
    lab_client = client.application.test_client()
    lab_client.post("/login", data={"username": lab.username, "pin": PIN})
    answer = lab_client.post("/lab/receive", data={"barcode": "BLATE"})
    assert answer.status_code == 200 and "已接收转运箱 BLATE，内有 2 管" in answer.get_data(as_text=True)
    assert lab_client.post("/lab/receive", data={"barcode": fresh_tubes[0].barcode}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Box, late.id).received_at is not None
    assert all(t.received_at is not None for t in db.session.scalars(select(Tube).where(Tube.box_id == late.id)))
    page = client.get("/supervisor/board").get_data(as_text=True)
    assert f'id="item-box-{late.id}"' not in group(page, "box_not_received")
    assert f'id="item-box-{fresh.id}"' in group(page, "box_not_received")
    loose = group(page, "tube_received_without_box")
    assert fresh_tubes[0].barcode in loose and f'id="item-tube-{fresh_tubes[0].id}"' in loose
    # The fresh box arrives: both its items leave the board. Scanning it again changes nothing.
    first = lab_client.post("/lab/receive", data={"barcode": "BFRESH"})
    assert "已接收转运箱 BFRESH" in first.get_data(as_text=True)
    again = lab_client.post("/lab/receive", data={"barcode": "BFRESH"})
    assert "之前已接收" in again.get_data(as_text=True)
    page = client.get("/supervisor/board").get_data(as_text=True)
    assert group(page, "box_not_received") == "" and group(page, "tube_received_without_box") == ""
    # Results imported later close the loop per tube, on the lab's box page.
    apply_results([ResultRow(1, fresh_tubes[0].barcode, "negative", None)], a["community"].id)
    db.session.commit()
    box_page = lab_client.get(f"/lab/boxes/{fresh.id}").get_data(as_text=True)
    rows = box_page.split('id="box-tubes"')[1]
    assert re.search(rf"{fresh_tubes[0].barcode}</td><td>\d\d-\d\d \d\d:\d\d</td>\s*<td>阴性", rows)
    assert re.search(rf"{fresh_tubes[1].barcode}</td><td>\d\d-\d\d \d\d:\d\d</td>\s*<td>等待结果", rows)


def test_a_box_whose_tubes_all_have_results_leaves_the_board_without_a_receipt(world, client, login):
    a = world["a"]
    box, tubes = handed(a["community"], a["point"], "BDONE", minutes_ago=200)
    apply_results([ResultRow(n, t.barcode, "negative", None) for n, t in enumerate(tubes, 1)], a["community"].id)
    db.session.commit()
    login(a["supervisor"])
    assert f'id="item-box-{box.id}"' not in client.get("/supervisor/board").get_data(as_text=True)


def test_the_lab_sees_only_the_boxes_handed_to_it(world, client, make_user):
    a, b = world["a"], world["b"]
    mine, _ = handed(a["community"], a["point"], "BMINE", minutes_ago=10)
    waiting = make_box(a["community"], a["point"], "BWAIT")  # not handed over yet
    other_lab = make_user(a["community"], username="lab-a2", role="lab")
    theirs, _ = handed(a["community"], a["point"], "BTHEIRS", minutes_ago=10)
    theirs.lab_user_id, theirs.received_at = other_lab.id, utcnow()
    elsewhere, _ = handed(b["community"], b["point"], "BELSE", minutes_ago=10)
    db.session.commit()
    lab = make_user(a["community"], username="lab-a", role="lab")
    client.post("/login", data={"username": lab.username, "pin": PIN})
    page = client.get("/lab/").get_data(as_text=True)
    listed = page.split('id="lab-boxes"')[1].split("</ul>")[0]
    assert "BMINE" in listed
    for barcode in ("BWAIT", "BTHEIRS", "BELSE", "TBTHEIRS1", "TBELSE1"):
        assert barcode not in page
    assert client.get(f"/lab/boxes/{mine.id}").status_code == 200
    for box in (waiting, theirs, elsewhere):
        assert client.get(f"/lab/boxes/{box.id}").status_code == 404
    # Another lab's box or tube, another community's: "not handed to this lab", nothing changes.
    for barcode in ("BTHEIRS", "TBTHEIRS1", "BELSE", "TBELSE1", "NOSUCH"):
        answer = client.post("/lab/receive", data={"barcode": barcode})
        assert answer.status_code == 404 and "没有交给本机构" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Box, elsewhere.id).received_at is None
    # Nothing else: supervisor pages, capture screens, tasks, shells, the phone API.
    for url in ("/supervisor/board", "/supervisor/coverage", "/tasks", f"/gate/{a['gate'].id}",
                f"/sampling/{a['point'].id}", "/shell/gate", "/supervisor/rounds/", "/people/codes"):
        assert client.get(url).status_code == 403, url
    assert client.get("/").headers["Location"].endswith("/lab/")
    answer = client.post("/api/v1/devices", json={"username": lab.username, "pin": PIN, "device_name": "x"})
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden_role"
    # And nobody else opens the lab's pages.
    staff = client.application.test_client()
    staff.post("/login", data={"username": a["supervisor"].username, "pin": PIN})
    assert staff.get("/lab/").status_code == 403
    assert staff.post("/lab/receive", data={"barcode": "BMINE"}).status_code == 403


def test_a_receipt_file_is_recorded_whole_or_not_at_all(world, client, make_user):
    a = world["a"]
    box, tubes = handed(a["community"], a["point"], "BCSV", minutes_ago=60)
    lab = make_user(a["community"], username="lab-a", role="lab")
    client.post("/login", data={"username": lab.username, "pin": PIN})

    def upload(rows, header=("条码", "接收时间")):
        return client.post("/lab/upload", data={"file": (io.BytesIO(lab_csv(rows, header=header, encoding="gbk")),
                                                         "接收.csv")}, content_type="multipart/form-data")

    bad = upload([("BCSV", "2022-05-06 08:12"), ("NOSUCH", ""), (tubes[0].barcode, "昨天")])
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "未记录任何内容" in text
    assert "无法识别的时间" in text and "NOSUCH" not in text  # bad lines first; unknown codes after
    bad = upload([("BCSV", ""), ("NOSUCH", "")])
    assert bad.status_code == 400 and "NOSUCH" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Box, box.id).received_at is None
    assert upload([("BCSV", "")], header=("箱子", "时间")).status_code == 400  # no barcode column
    good = upload([("BCSV", "2026-12-01 09:30")])
    assert good.status_code == 200 and "已接收 1 个条码" in good.get_data(as_text=True)
    db.session.expire_all()
    received = db.session.get(Box, box.id).received_at
    assert received.isoformat().startswith("2026-12-01T01:30")  # 09:30 Shanghai time, stored in UTC
