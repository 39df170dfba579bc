"""Special-group categories per community (issue 17): the seven defaults until a supervisor
edits them; a category added, switched off or sampled at home changes the special-groups
ledger, coverage and the door-to-door list alike, in that community only; people are put in
categories from a page; a guardian's contact is kept encrypted and shown masked."""
import re

from sqlalchemy import select, text

from server.extensions import db
from server.models import AuditEvent, SpecialContact
from tests.factories_supervisor import make_person

ZH = {"Accept-Language": "zh-CN"}


def coverage_special(client) -> str:
    page = client.get("/supervisor/coverage", headers=ZH).get_data(as_text=True)
    return page.split('id="special-missing"')[1].split("</ul>")[0]


def door_list(client) -> str:
    return client.get("/supervisor/special/door-to-door", headers=ZH).get_data(as_text=True)


def ledger(client) -> str:
    return client.get("/supervisor/special", headers=ZH).get_data(as_text=True)


def test_categories_per_community_drive_the_ledger_coverage_and_the_door_to_door_list(world, client, login):
    a, b = world["a"], world["b"]
    veteran = make_person(a["community"], name="周老兵", building="2-1", unit="1", room="101")
    chronic = make_person(a["community"], name="赵大妈", building="2-1", unit="1", room="102", tags="chronic")
    nest = make_person(a["community"], name="吴空巢", building="2-1", unit="1", room="103", tags="empty-nest")
    disabled = make_person(a["community"], name="郑残障", building="2-1", unit="2", room="101", tags="disabled")
    b_chronic = make_person(b["community"], name="冯慢病", building="1-1", tags="chronic")
    db.session.commit()

    # The defaults: 空巢 is a category now; 残障 people are sampled at home.
    login(a["supervisor"])
    page = ledger(client)
    for name in ("独居", "空巢", "孤寡", "残障", "慢病", "孕产", "生活困难"):
        assert f">{name}<" in page, name
    assert "吴*巢" in page and "赵*妈" in page
    special = coverage_special(client)
    assert all(n in special for n in ("吴*巢", "赵*妈", "郑*障")) and "周" not in special
    doors = door_list(client)
    assert "郑*障" in doors and "赵*妈" not in doors and "吴*巢" not in doors

    # A adds 退役军人 (sampled at home), puts 周老兵 in it from his page, switches 慢病 off.
    assert client.post("/supervisor/special/categories", data={"name": "退役军人", "home_sampling": "1"}).status_code == 302
    assert client.post(f"/supervisor/special/{veteran.id}/groups", data={"category": ["退役军人"]}).status_code == 302
    assert client.post("/supervisor/special/categories/edit",
                       data={"code": "chronic", "name": "慢病", "home_sampling": ""}).status_code == 302
    page = ledger(client)
    assert "周*兵" in page and ">退役军人<" in page and "赵*妈" not in page and ">慢病<" not in page
    special = coverage_special(client)
    assert "周*兵" in special and "退役军人" in special and "赵*妈" not in special
    doors = door_list(client)
    assert "周*兵" in doors and "郑*障" in doors and "赵*妈" not in doors

    # Community B still has the defaults: its 慢病 person is a special group there.
    client.post("/logout")
    login(b["supervisor"])
    assert "冯*病" in coverage_special(client) and "冯*病" in ledger(client)
    assert "退役军人" not in client.get("/supervisor/special/categories").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "special_category_added")) is not None
    assert chronic.id and nest.id and disabled.id and b_chronic.id


def test_people_are_found_by_address_given_categories_and_a_guardian_kept_encrypted(world, client, login):
    a = world["a"]
    elder = make_person(a["community"], name="钱老伯", building="3-1", unit="2", room="301", tags="home-quarantine")
    db.session.commit()
    login(a["supervisor"])
    found = client.get("/supervisor/special/find", query_string={"building": "3-1", "unit": "2"},
                       headers=ZH).get_data(as_text=True)
    assert "钱*伯" in found and f"/supervisor/special/{elder.id}" in found
    client.post(f"/supervisor/special/{elder.id}/groups", data={"category": ["elderly-alone", "widowed-alone"]})
    db.session.refresh(elder)
    assert elder.tag_list == ["home-quarantine", "elderly-alone", "widowed-alone"]  # other tags kept
    assert client.post(f"/supervisor/special/{elder.id}/contact",
                       data={"relation": "儿子", "name": "钱小明", "phone": "13911112222"}).status_code == 302
    page = client.get(f"/supervisor/special/{elder.id}", headers=ZH).get_data(as_text=True)
    assert "钱小明" not in page and "13911112222" not in page and "儿子" in page
    assert re.search(r"139\*+2222", page) and "钱*明" in page
    raw = db.session.execute(text("SELECT name, phone FROM special_contact")).one()
    assert b"13911112222" not in bytes(raw.phone) and "钱小明".encode() not in bytes(raw.name)
    # The page never shows the stored name or phone: a field left empty keeps them.
    client.post(f"/supervisor/special/{elder.id}/contact", data={"relation": "女儿", "name": "", "phone": ""})
    contact = db.session.scalar(select(SpecialContact))
    db.session.refresh(contact)
    assert (contact.relation, contact.name, contact.phone) == ("女儿", "钱小明", "13911112222")
    client.post(f"/supervisor/special/{elder.id}/contact", data={"remove": "1"})
    assert db.session.scalar(select(SpecialContact)) is None


def test_bad_category_input_says_why_in_chinese_and_changes_nothing(world, client, login):
    a = world["a"]
    person = make_person(a["community"], name="钱老伯", building="3-1", tags="chronic")
    db.session.commit()
    login(a["supervisor"])
    answer = client.post("/supervisor/special/categories", data={"name": "  "}, headers=ZH)
    assert answer.status_code == 400 and "不超过 20 个字" in answer.get_data(as_text=True)
    answer = client.post("/supervisor/special/categories", data={"name": "独居"}, headers=ZH)
    assert answer.status_code == 400 and "已有这个类别" in answer.get_data(as_text=True)
    answer = client.post(f"/supervisor/special/{person.id}/groups", data={"category": ["不存在"]}, headers=ZH)
    assert answer.status_code == 400
    db.session.refresh(person)
    assert person.tag_list == ["chronic"]
    answer = client.post(f"/supervisor/special/{person.id}/contact", data={"phone": "12"}, headers=ZH)
    assert answer.status_code == 400 and db.session.scalar(select(SpecialContact)) is None
    other = make_person(world["b"]["community"], name="外社区")
    db.session.commit()
    assert client.post(f"/supervisor/special/{other.id}/groups", data={"category": ["chronic"]}).status_code == 404


def test_a_guardians_phone_follows_the_one_phone_rule(world, client, login):
    """The contact phone is cleaned as sync, /register and the roster clean a phone
    (offline/rules.py): written with dashes it is stored as digits (it was stored with its
    dashes); words around the digits or too many digits are refused with a message (they were
    dropped or cut to 20 and the rest stored)."""
    a = world["a"]
    person = make_person(a["community"], name="钱老伯", building="3-1")
    db.session.commit()
    login(a["supervisor"])
    url = f"/supervisor/special/{person.id}/contact"
    for refused in ("电话13911112222", "1" * 23, "139 1111 2222 转 8"):
        answer = client.post(url, data={"name": "钱小明", "phone": refused}, headers=ZH)
        assert answer.status_code == 400, refused
        assert "请填写能联系到监护人的电话" in answer.get_data(as_text=True)
        assert db.session.scalar(select(SpecialContact)) is None
    assert client.post(url, data={"name": "钱小明", "phone": "139-1111-2222"}).status_code == 302
    contact = db.session.scalar(select(SpecialContact))
    assert contact.phone == "13911112222"
