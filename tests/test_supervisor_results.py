"""Lab results: a demo day of pooled sampling, a lab file, the retest list it opens."""
from datetime import date

import pytest
from sqlalchemy import func, select

from server.sampling.demo import generate_sampling_day, tube_barcode
from server.extensions import db
from server.models import AuditEvent, LabResult, Retest, Sample, Tube
from tests.factories_supervisor import lab_csv, make_tube

DAY = date(2022, 5, 6)


def count(model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def day_file(tmp_path, rows, name="lab.csv", **kwargs):
    path = tmp_path / name
    path.write_bytes(lab_csv(rows, **kwargs))
    return path


def test_demo_day_lab_file_gives_exactly_twenty_people_to_retest(world, runner, tmp_path):
    a = world["a"]["community"]
    generate_sampling_day(a, DAY, tubes=100)
    db.session.commit()
    assert count(Tube, community_id=a.id) == 100 and count(Sample, community_id=a.id) == 1000
    rows = [(tube_barcode(DAY, n), "阴性", "2022-05-06 14:00") for n in range(1, 101)]
    rows[4] = (tube_barcode(DAY, 5), "阳性", "2022-05-06 14:00")
    rows[41] = (tube_barcode(DAY, 42), "positive", "2022-05-06T14:05:00+08:00")
    rows.append(("T999UNKNOWN", "negative", ""))
    rows.append(rows[10])  # the same row again
    path = day_file(tmp_path, rows)

    result = runner.invoke(args=["import-results", str(path), "--community", "a"])
    assert result.exit_code == 0, result.output
    assert "101 new" in result.output and "1 unknown tubes" in result.output
    assert "1 duplicate rows" in result.output and "20 people added" in result.output
    assert "unknown tube T999UNKNOWN" in result.output
    assert f"line 103: duplicate of line 12 (tube {tube_barcode(DAY, 11)})" in result.output
    assert count(Retest, community_id=a.id) == 20
    retested_tubes = set(db.session.scalars(select(Tube.barcode).join(Retest, Retest.tube_id == Tube.id)))
    assert retested_tubes == {tube_barcode(DAY, 5), tube_barcode(DAY, 42)}
    assert count(LabResult, community_id=a.id) == 101  # the unknown tube's result is kept
    assert count(Tube, result="positive") == 2 and count(Tube, status="resulted") == 100

    again = runner.invoke(args=["import-results", str(path), "--community", "a"])
    assert again.exit_code == 0, again.output
    assert "0 new, 101 already imported" in again.output and "0 people added" in again.output
    assert count(Retest) == 20 and count(LabResult) == 101


def test_invalid_pool_sends_its_members_but_not_voided_ones_to_retest(world, runner, tmp_path):
    a = world["a"]
    tube = make_tube(a["community"], a["point"], "TV1", people=4)
    tube.samples[0].voided_at = tube.opened_at
    db.session.commit()
    result = runner.invoke(args=["import-results", str(day_file(tmp_path, [("TV1", "无效", "")])),
                                 "--community", "a"])
    assert result.exit_code == 0, result.output
    assert count(Retest) == 3


def test_bad_input_is_refused_and_changes_nothing(world, runner, tmp_path):
    a = world["a"]
    make_tube(a["community"], a["point"], "TB1", people=2)
    db.session.commit()
    bad_value = day_file(tmp_path, [("TB1", "positive", ""), ("TB2", "maybe", "")])
    result = runner.invoke(args=["import-results", str(bad_value), "--community", "a"])
    assert result.exit_code != 0 and "line 3: unknown result “maybe”" in result.output
    no_column = day_file(tmp_path, [("TB1", "x")], name="cols.csv", header=("tube", "what"))
    result = runner.invoke(args=["import-results", str(no_column), "--community", "a"])
    assert result.exit_code != 0 and "Missing column(s): Result" in result.output
    conflicting = day_file(tmp_path, [("TB1", "positive", ""), ("TB1", "negative", "")], name="c.csv")
    result = runner.invoke(args=["import-results", str(conflicting), "--community", "a"])
    assert result.exit_code != 0 and "tube TB1 has Positive on line 2" in result.output
    unknown_community = runner.invoke(args=["import-results", str(bad_value), "--community", "zz"])
    assert unknown_community.exit_code != 0
    assert count(LabResult) == 0 and count(Retest) == 0
    assert count(AuditEvent, action="import_results") == 0


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_gbk_and_utf8_bom_files_with_chinese_headers_import(world, runner, tmp_path, encoding):
    a = world["a"]
    make_tube(a["community"], a["point"], "TG1", people=10)
    db.session.commit()
    path = day_file(tmp_path, [("TG1", "阳性", "2022/05/06 15:30")],
                    header=("试管编码", "检测结果", "报告时间"), encoding=encoding)
    result = runner.invoke(args=["import-results", str(path), "--community", "a"])
    assert result.exit_code == 0, result.output
    assert count(Retest) == 10
    stored = db.session.scalar(select(LabResult))
    assert stored.result == "positive" and stored.reported_at.hour == 7  # 15:30 Shanghai = 07:30 UTC


def test_results_go_only_to_the_named_community(world, runner, tmp_path):
    b = world["b"]
    make_tube(b["community"], b["point"], "TSAME", people=10)
    db.session.commit()
    result = runner.invoke(args=["import-results", str(day_file(tmp_path, [("TSAME", "positive", "")])),
                                 "--community", "a"])
    assert result.exit_code == 0 and "unknown tube TSAME" in result.output
    assert count(Retest) == 0
    assert db.session.scalar(select(Tube.result).where(Tube.barcode == "TSAME")) is None


def test_a_demo_sampling_day_is_seeded_once_from_the_command_line(world, runner):
    result = runner.invoke(args=["seed-sampling-day", "--community", "a", "--date", "2022-05-07", "--tubes", "12"])
    assert result.exit_code == 0, result.output
    assert "Wrote 12 tubes (T22050700001 to T22050700012) with 120 samples" in result.output
    again = runner.invoke(args=["seed-sampling-day", "--community", "a", "--date", "2022-05-07"])
    assert again.exit_code != 0 and "already has demo tubes" in again.output
    assert count(Tube) == 12 and count(Sample) == 120
