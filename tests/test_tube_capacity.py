"""The people pooled into one tube, 1 to 20 (offline/client/rules.json, one bound for every
input): a phone's tube_open, the create-site command and the database refuse the same values,
and the phone tells its user the bounds the server checked. SQLite and PostgreSQL."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from offline.rules import TUBE_CAPACITY_MAX, TUBE_CAPACITY_MIN
from server.extensions import db
from server.models import Site, Tube
from tests.records import batch, record

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node") or "/usr/bin/node"
REFUSED = [TUBE_CAPACITY_MIN - 1, TUBE_CAPACITY_MAX + 1, True, "10", 10.5, -3]


def test_the_bounds_are_the_pooling_of_the_field():
    assert (TUBE_CAPACITY_MIN, TUBE_CAPACITY_MAX) == (1, 20)  # 10混1 and 20混1 both fit


@pytest.fixture
def send(client, world, device_token):
    headers, device_id = device_token(world["a"]["clerk"])

    def do(capacities):
        records = [record("tube_open", {"site_id": world["a"]["point"].id, "tube": f"T2022050600{i}",
                                        "capacity": capacity}) for i, capacity in enumerate(capacities)]
        response = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["results"]
    return do


def test_a_tube_opened_outside_the_bounds_is_refused_and_nothing_is_written(send):
    results = send(REFUSED)
    assert [r["status"] for r in results] == ["rejected"] * len(REFUSED)
    assert {(r["error"]["code"], r["error"]["field"]) for r in results} == {("invalid_field", "capacity")}
    assert f"from {TUBE_CAPACITY_MIN} to {TUBE_CAPACITY_MAX}" in results[0]["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Tube)) == 0


def test_the_bounds_themselves_are_accepted(send):
    assert [r["status"] for r in send([TUBE_CAPACITY_MIN, TUBE_CAPACITY_MAX])] == ["accepted"] * 2
    assert sorted(db.session.scalars(select(Tube.capacity))) == [TUBE_CAPACITY_MIN, TUBE_CAPACITY_MAX]


def test_create_site_takes_the_same_bounds(runner):
    runner.invoke(args=["create-community", "xh", "--name", "西湖社区"])
    site = ["create-site", "--community", "xh", "--kind", "sampling_point", "--name", "采样点"]
    for code, capacity in (("S0", TUBE_CAPACITY_MIN - 1), ("S21", TUBE_CAPACITY_MAX + 1)):
        refused = runner.invoke(args=[*site[:1], code, *site[1:], "--capacity", str(capacity)])
        assert refused.exit_code != 0 and f"{TUBE_CAPACITY_MIN}<=x<={TUBE_CAPACITY_MAX}" in refused.output
    assert db.session.scalar(select(func.count()).select_from(Site)) == 0
    done = runner.invoke(args=[*site[:1], "S20", *site[1:], "--capacity", str(TUBE_CAPACITY_MAX)])
    assert done.exit_code == 0, done.output
    assert db.session.scalar(select(Site.tube_capacity).where(Site.code == "S20")) == TUBE_CAPACITY_MAX


def test_the_database_refuses_what_the_validators_refuse(app, world):
    point = world["a"]["point"]
    for change in (lambda: setattr(point, "tube_capacity", TUBE_CAPACITY_MAX + 1),
                   lambda: db.session.add(Tube(community_id=point.community_id, site_id=point.id,
                                               barcode="T1", capacity=TUBE_CAPACITY_MAX + 1))):
        change()
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("lang, expected", [
    ("zh", f"容量必须是 {TUBE_CAPACITY_MIN}–{TUBE_CAPACITY_MAX} 的整数"),
    ("en", f"The capacity must be a whole number from {TUBE_CAPACITY_MIN} to {TUBE_CAPACITY_MAX}"),
])
def test_the_phone_tells_its_user_the_bounds_the_server_checked(send, tmp_path, lang, expected):
    if not Path(NODE).exists():
        pytest.fail("node is not installed (make setup installs it)")
    errors = tmp_path / "errors.json"
    errors.write_text(json.dumps([r["error"] for r in send([TUBE_CAPACITY_MAX + 1])]))
    done = subprocess.run([NODE, str(ROOT / "tests" / "js" / "run_record_errors.mjs"), lang, str(errors)],
                          capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == [expected]
