"""Coverage of a sampling day against the roster, and the dashboard's hourly charts."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from server.extensions import db
from server.models import Device, GateEntry, utcnow
from tests.factories_supervisor import make_person, make_tube

ZONE = ZoneInfo("Asia/Shanghai")


def test_coverage_counts_per_building_and_lists_who_is_missing_special_groups_first(world, client, login):
    a = world["a"]
    sampled = [make_person(a["community"], compound="东苑", building="1-1", unit="1", room=f"{n}01")
               for n in range(3)]
    make_person(a["community"], name="钱老伯", compound="东苑", building="1-1", unit="2", room="101",
                tags="elderly-alone")
    make_person(a["community"], name="孙小明", compound="东苑", building="1-2", unit="1", room="101")
    make_tube(a["community"], a["point"], "TCOV", people=sampled, opened_minutes_ago=0, sealed_minutes_ago=0,
              sampled_minutes_ago=0)
    make_person(world["b"]["community"], name="外社区", building="1-1", tags="disabled")
    db.session.commit()
    login(a["supervisor"])
    page = client.get("/supervisor/coverage").get_data(as_text=True)
    assert re.search(r"<strong>3</strong> / 5", page)
    special = page.split('id="special-missing"')[1].split("</ul>")[0]
    assert "钱*伯" in special and "孙" not in special and "外" not in special
    assert re.search(r">1-1</a></td>\s*<td>3 / 4</td>", page) and re.search(r">1-2</a></td>\s*<td>0 / 1</td>", page)
    detail = client.get("/supervisor/coverage?building=1-1").get_data(as_text=True)
    missing = detail.split('id="not-sampled"')[1].split("</ul>")[0]
    assert "钱*伯" in missing and 'class="special"' in missing and missing.count("<li") == 1
    assert client.get("/supervisor/coverage?date=2022-13-01").status_code == 400


def test_dashboard_draws_hourly_bars_per_gate_and_sampling_point(world, client, login):
    a = world["a"]
    nine = datetime.now(ZONE).replace(hour=9, minute=15)
    for n, temp in enumerate((36.5, 36.6, 38.2)):
        db.session.add(GateEntry(record_id=f"g{n}", community_id=a["community"].id, site_id=a["gate"].id,
                                 direction="in", temperature_c=temp, fever=temp >= 37.3,
                                 recorded_at=nine + timedelta(minutes=n)))
    tube = make_tube(a["community"], a["point"], "TDASH", people=4)
    tube.opened_at = nine
    for sample in tube.samples:
        sample.recorded_at = nine + timedelta(minutes=40)
    db.session.commit()
    login(a["supervisor"])
    page = client.get("/supervisor/dashboard").get_data(as_text=True)
    gate = page.split('id="gate-G1"')[1].split("</section>")[0]
    assert "3 " in gate and "1 " in gate
    assert re.search(r'<rect class="series0"[^>]*><title>9:00 · 3</title>', gate)
    assert re.search(r'<rect class="series1"[^>]*><title>9:00 · 1</title>', gate)
    point = page.split('id="point-S1"')[1].split("</section>")[0]
    assert re.search(r'<rect class="series0"[^>]*><title>9:00 · 4</title>', point)
    assert re.search(r'<rect class="series1"[^>]*><title>9:00 · 1</title>', point)
    assert 'style=' not in page  # nothing inline for the CSP


def test_the_dashboard_says_how_long_each_phone_has_been_silent(world, client, login, device_token):
    a = world["a"]
    lost, recent = (db.session.get(Device, device_token(user, device_name=name)[1])
                    for user, name in ((a["volunteer"], "东门手机"), (a["clerk"], "采样手机")))
    device_token(a["volunteer"], device_name="新手机")
    lost.last_sync_at = utcnow() - timedelta(days=2, hours=5, minutes=1)
    recent.last_sync_at = utcnow() - timedelta(minutes=7, seconds=5)
    db.session.commit()
    login(a["supervisor"])
    page = client.get("/supervisor/dashboard").get_data(as_text=True)
    rows = page.split('id="sync-lag"')[1].split("</table>")[0]
    assert "距上次同步" in rows
    assert re.search(r"东门手机</td><td>2 天 5 小时 <meter", rows)
    assert re.search(r"采样手机</td><td>7 分钟 <meter", rows)
    assert re.search(r"新手机</td><td>从未</td>", rows)
