"""The `checkpoint` commands (DESIGN §5 Commands): clear output, non-zero and no change on bad input."""
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from server.extensions import db
from server.models import Community, Person, Site, User
from tests.records import valid_id

CHECKPOINT = str(Path(sys.executable).parent / "checkpoint")


def people_count():
    return db.session.scalar(select(func.count()).select_from(Person))


def test_init_writes_keys_once_and_migrates(tmp_path):
    env = {**os.environ, "CHECKPOINT_INSTANCE_PATH": str(tmp_path / "inst")}
    env.pop("CHECKPOINT_DATABASE_URL", None)
    first = subprocess.run([CHECKPOINT, "init"], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    config = (tmp_path / "inst" / "config.py").read_text()
    assert "DATA_KEY" in config and "SECRET_KEY" in config
    assert oct((tmp_path / "inst" / "config.py").stat().st_mode)[-3:] == "600"
    second = subprocess.run([CHECKPOINT, "init"], env=env, capture_output=True, text=True)
    assert second.returncode == 0 and "Kept existing" in second.stdout
    assert (tmp_path / "inst" / "config.py").read_text() == config  # never overwritten
    assert (tmp_path / "inst" / "checkpoint.db").exists()
    seeded = subprocess.run([CHECKPOINT, "seed-demo", "--if-empty", "--residents", "50"],
                            env=env, capture_output=True, text=True)
    assert seeded.returncode == 0 and "clerk" in seeded.stdout
    again = subprocess.run([CHECKPOINT, "seed-demo", "--if-empty"], env=env, capture_output=True, text=True)
    assert "already holds data" in again.stdout


def test_create_community_site_and_user(runner):
    result = runner.invoke(args=["create-community", "xh", "--name", "西湖社区"])
    assert result.exit_code == 0 and "Created community" in result.output
    result = runner.invoke(args=["create-site", "G9", "--community", "xh", "--kind", "gate", "--name", "西门"])
    assert result.exit_code == 0
    result = runner.invoke(args=["create-user", "li", "--pin", "4321", "--role", "clerk", "--community", "xh"])
    assert result.exit_code == 0
    assert db.session.scalar(select(User).where(User.username == "li")).community.code == "xh"
    assert db.session.scalar(select(Site).where(Site.code == "G9")).kind == "gate"


def test_commands_refuse_bad_input_and_change_nothing(runner):
    runner.invoke(args=["create-community", "xh", "--name", "西湖社区"])
    assert runner.invoke(args=["create-community", "xh", "--name", "again"]).exit_code != 0
    bad_site = runner.invoke(args=["create-site", "S", "--community", "nope", "--kind", "gate", "--name", "x"])
    assert bad_site.exit_code != 0 and "No community" in bad_site.output
    bad_pin = runner.invoke(args=["create-user", "li", "--pin", "12", "--role", "clerk", "--community", "xh"])
    assert bad_pin.exit_code != 0 and "PIN" in bad_pin.output
    bad_pattern = runner.invoke(args=["create-site", "S1", "--community", "xh", "--kind", "sampling_point",
                                      "--name", "x", "--tube-pattern", "(["])
    assert bad_pattern.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Site)) == 0
    assert db.session.scalar(select(func.count()).select_from(Community)) == 1


ROSTER_HEADER_ZH = "楼栋,单元,房间,姓名,证件类型,证件号码,电话,标签\n"


def roster_rows(n, start=0):
    return "".join(f"1-{i % 3 + 1},1,{101 + i},王{i}明,身份证,{valid_id(start + i)},1380000{i:04d},"
                   f"{'独居老人' if i == 0 else ''}\n" for i in range(n))


def test_import_roster_gbk_csv_with_chinese_headers(runner, tmp_path):
    runner.invoke(args=["create-community", "xh", "--name", "西湖社区"])
    path = tmp_path / "roster.csv"
    path.write_bytes((ROSTER_HEADER_ZH + roster_rows(5)).encode("gbk"))
    result = runner.invoke(args=["import-roster", str(path), "--community", "xh"])
    assert result.exit_code == 0, result.output
    assert "5 new" in result.output
    people = db.session.scalars(select(Person).order_by(Person.room)).all()
    assert [p.name for p in people][:2] == ["王0明", "王1明"]
    assert people[0].tag_list == ["elderly-alone"] and people[0].in_roster
    # Importing again updates rather than duplicates.
    assert "5 updated" in runner.invoke(args=["import-roster", str(path), "--community", "xh"]).output
    assert people_count() == 5


def test_import_roster_xlsx_with_english_headers_and_utf8_bom_csv(runner, tmp_path):
    runner.invoke(args=["create-community", "xh", "--name", "西湖社区"])
    book = Workbook()
    sheet = book.active
    sheet.append(["building", "unit", "room", "name", "doc_type", "doc_number", "phone", "tags"])
    sheet.append(["3", 2, 501, "赵六", "cn_ric", valid_id(40), "13900001111", "disabled;elderly-alone"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    assert runner.invoke(args=["import-roster", str(path), "--community", "xh"]).exit_code == 0
    person = db.session.scalar(select(Person))
    assert (person.building, person.unit, person.room) == ("3", "2", "501")
    assert person.tag_list == ["disabled", "elderly-alone"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (ROSTER_HEADER_ZH + roster_rows(2, start=50)).encode())
    assert runner.invoke(args=["import-roster", str(bom), "--community", "xh"]).exit_code == 0
    assert people_count() == 3


def test_import_roster_with_bad_rows_imports_nothing_unless_skip_bad(runner, tmp_path):
    runner.invoke(args=["create-community", "xh", "--name", "西湖社区"])
    bad_id = valid_id(3)[:-1] + ("0" if valid_id(3)[-1] != "0" else "1")
    text = ROSTER_HEADER_ZH + roster_rows(3) + f"2,1,101,坏号,身份证,{bad_id},,\n" + ",1,102,无楼,身份证,%s,,\n" % valid_id(9)
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(path), "--community", "xh"])
    assert result.exit_code != 0
    assert "line 5" in result.output and "invalid ID number" in result.output
    assert "line 6" in result.output and "missing building" in result.output
    assert people_count() == 0
    result = runner.invoke(args=["import-roster", str(path), "--community", "xh", "--skip-bad"])
    assert result.exit_code == 0 and "3 new" in result.output and "2 bad rows skipped" in result.output
    assert people_count() == 3


def test_import_roster_refuses_a_file_that_is_not_a_table(runner, tmp_path):
    runner.invoke(args=["create-community", "xh", "--name", "西湖社区"])
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    result = runner.invoke(args=["import-roster", str(path), "--community", "xh"])
    assert result.exit_code != 0 and "XLSX" in result.output
    assert people_count() == 0


def test_tls_cert_is_made_once_for_localhost_and_the_lan(tmp_path):
    from cryptography import x509

    env = {**os.environ, "CHECKPOINT_INSTANCE_PATH": str(tmp_path / "inst")}
    made = subprocess.run([CHECKPOINT, "tls-cert"], env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    pem = (tmp_path / "inst" / "tls-cert.pem").read_bytes()
    cert = x509.load_pem_x509_certificate(pem)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert oct((tmp_path / "inst" / "tls-key.pem").stat().st_mode)[-3:] == "600"
    again = subprocess.run([CHECKPOINT, "tls-cert"], env=env, capture_output=True, text=True)
    assert "Kept existing" in again.stdout and (tmp_path / "inst" / "tls-cert.pem").read_bytes() == pem
    info = subprocess.run([CHECKPOINT, "serve-info", "--host", "0.0.0.0", "--port", "5443", "--https"],
                          env=env, capture_output=True, text=True)
    assert info.returncode == 0 and "https://127.0.0.1:5443/" in info.stdout


def test_the_planner_knows_an_imported_roster_at_once(runner, tmp_path):
    """A district imports its roster and starts sampling: every sync batch looks its people up
    by document hash. PostgreSQL, left to autovacuum's next pass for statistics, expected 3,342
    people for 100 hashes of 20,000 residents and scanned the whole table for every batch."""
    from server.sync import bulk

    runner.invoke(args=["create-community", "xh", "--name", "西湖社区"])
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER_HEADER_ZH + roster_rows(2000), encoding="utf-8")
    assert "2000 new" in runner.invoke(args=["import-roster", str(path), "--community", "xh"]).output
    hashes = db.session.scalars(select(Person.doc_hash).order_by(Person.id).limit(100)).all()
    conn = db.session.connection()
    where, param = bulk.any_of(conn.dialect, "doc_hash", hashes)  # as a sync batch asks
    query = f"SELECT id, tags FROM person WHERE {where}"
    if conn.dialect.name == "sqlite":
        plan = " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", (param,)))
        assert "USING INDEX" in plan, plan
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'person'").scalar()
    else:
        plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {query}", (param,)).scalar()[0]["Plan"]
        assert plan["Plan Rows"] <= 150, plan  # one person per document, and the planner knows it
