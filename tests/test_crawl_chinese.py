"""Every page in Chinese: each GET route of the app (from app.url_map) with the ids of a
demo-like community, as each role and anonymously, in zh-CN; its htmx fragment too; the answers
of the forms (errors included) and the error pages (400, 403, 404, 405, 429, 500, 503, an
expired form). Any English word outside a short list of names and units, any snake_case code,
any None/True/False fails the test, with the page and the text it was found in.

A route added without telling this crawl how to call it fails the test too."""
import io

import pytest
from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from server.extensions import db
from server.models import Flag, Retest
from tests import demo_world
from tests.crawl_text import not_chinese, page_texts
from tests.factories_supervisor import lab_csv
from tests.records import valid_id

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
HTMX = {**ZH, "HX-Request": "true"}
DEMO_PIN = "123456"
# Not pages: files, scripts, JSON for the phones (their words are checked where they are shown).
NOT_PAGES = {"static", "pages.client_module", "pages.service_worker", "pages.manifest",
             "auth.csrf_token", "supervisor.export_download", "rosters.export"}


def page_urls(app, world, tokens) -> dict[str, list[str]]:
    """endpoint -> the URLs of its pages worth reading (query variants included)."""
    with app.test_request_context():
        u = url_for
        return {
            "pages.home": [u("pages.home")],
            "auth.login": [u("auth.login")],
            "pages.scan_check": [u("pages.scan_check")],
            "pages.gate_shell": [u("pages.gate_shell")],
            "pages.sampling_shell": [u("pages.sampling_shell")],
            "pages.home_shell": [u("pages.home_shell")],
            "pages.offline_page": [u("pages.offline_page")],
            "pages.attention": [u("pages.attention")],
            "gate.capture": [u("gate.capture", site_id=world.gate)],
            "gate.log": [u("gate.log", site_id=world.gate), u("gate.log", site_id=world.gate, date="2022-05-06")],
            "sampling.capture": [u("sampling.capture", site_id=world.point)],
            "sampling.tubes": [u("sampling.tubes", site_id=world.point),
                               u("sampling.tubes", site_id=world.point, q="T2022")],
            "residents.register": [u("residents.register")],
            "residents.codes": [u("residents.codes")],
            "residents.sheet": [u("residents.sheet", building="1-1")],
            "ledgers.tasks": [u("ledgers.tasks")],
            "ledgers.tasks_shell": [u("ledgers.tasks_shell")],
            "ledgers.tasks_alerts": [u("ledgers.tasks_alerts")],
            "ledgers.grids": [u("ledgers.grids")],
            "ledgers.self_report": [u("ledgers.self_report", token=tokens["self_report"])],
            "ledgers.quarantine": [u("ledgers.quarantine"), u("ledgers.quarantine", building="1-1")],
            "ledgers.placement": [u("ledgers.placement", placement_id=world.placement)],
            "ledgers.buildings": [u("ledgers.buildings")],
            "ledgers.doors": [u("ledgers.doors")],
            "residents.registrations": [u("residents.registrations")],
            "residents.claim": [u("residents.claim", token=tokens["claim"])],
            "supervisor.board": [u("supervisor.board")],
            "supervisor.coverage_page": [u("supervisor.coverage_page"),
                                         u("supervisor.coverage_page", building="1-1")],
            "supervisor.dashboard": [u("supervisor.dashboard")],
            "supervisor.devices": [u("supervisor.devices")],
            "supervisor.exports": [u("supervisor.exports")],
            "supervisor.results": [u("supervisor.results")],
            "supervisor.handover": [u("supervisor.handover")],
            "supervisor.results_mapping": [u("supervisor.results_mapping", token=tokens["mapping"])],
            "supervisor.results_preview": [u("supervisor.results_preview", token=t)
                                           for t in (tokens["good"], tokens["bad"])],
            "supervisor.retests": [u("supervisor.retests"), u("supervisor.retests", show="all")],
            "review.daily": [u("review.daily")],
            "review.problem_ledger": [u("review.problem_ledger", status=s) for s in ("open", "closed", "")],
            "review.problem": [u("review.problem", problem_id=p) for p in (world.problem, world.closed_problem)],
            "review.workgroups": [u("review.workgroups")],
            "review.special": [u("review.special"), u("review.special", group="elderly-alone", need="medicine")],
            "review.person": [u("review.person", person_id=world.person)],
            "review.door_list": [u("review.door_list")],
            "rounds.rounds": [u("rounds.rounds")],
            "rounds.round_page": [u("rounds.round_page", round_id=world.round),
                                  u("rounds.round_page", round_id=world.round, building="1")],
            "lab.home": [u("lab.home")],
            "lab.box": [u("lab.box", box_id=world.lab_box)],
            "review.special_categories": [u("review.special_categories")],
            "review.special_find": [u("review.special_find"), u("review.special_find", building="1-1", unit="1")],
            "rosters.overview": [u("rosters.overview"), u("rosters.overview", week="2022-05-06")],
            "rosters.week": [u("rosters.week", site_id=world.gate)],
            "rosters.sheet": [u("rosters.sheet")],
            # Error pages: a page that does not exist, an id of nothing, a GET to a form's action.
            "errors": ["/no-such-page", u("gate.log", site_id=999999), u("auth.logout"),
                       u("supervisor.coverage_page", date="2022-13-01")],
        }


def form_answers(client, world, role, tokens) -> list[tuple[str, object]]:
    """(what, response) of the forms a role sends, wrong ones included (their errors are pages
    too) and the htmx fragments they answer with."""
    answers = []

    def post(what, url, headers=ZH, **kwargs):
        answers.append((what, client.post(url, headers=headers, **kwargs)))

    if role is None:  # a resident, or someone at the login page
        post("empty login", "/login", data={"username": "", "pin": ""})
        post("wrong PIN", "/login", data={"username": "volunteer", "pin": "000000"})
        post("bad registration", "/register", data={"community": "nowhere", "doc_number": "123", "phone": "1"})
        post("bad self-report", f"/q/{tokens['self_report']}", data={"temperature": "99"})
        return answers
    post("tasks_report", "/tasks/report", data={"placement_id": world.placement, "temperature": "abc"})
    answers.append(("tasks after a bad report", client.get("/tasks", headers=ZH)))
    if role == "lab":
        post("scan nothing", "/lab/receive", data={"barcode": ""})
        post("scan a box of nobody", "/lab/receive", data={"barcode": "B999999"})
        post("scan a box", "/lab/receive", data={"barcode": world.lab_box_barcode})
        post("upload nothing", "/lab/upload", data={})
        post("upload bad lines", "/lab/upload", data={"file": (io.BytesIO(lab_csv(
            [("B999999", ""), ("", "昨天")], header=("条码", "接收时间"))), "接收.csv")},
             content_type="multipart/form-data")
        return answers
    if role not in ("supervisor", "admin"):
        return answers
    flag = db.session.scalar(select(Flag).where(Flag.community_id == world.community_id,
                                                Flag.resolved_at.is_(None)).order_by(Flag.id))
    post("resolve without a note (htmx)", "/supervisor/board/resolve", headers=HTMX,
         data={"kind": "tube_open_too_long", "ref": "tube:1", "note": ""})
    post("resolve without a note", f"/supervisor/board/flags/{flag.id}/resolve", data={"note": ""})
    retest = db.session.scalar(select(Retest).where(Retest.community_id == world.community_id,
                                                    Retest.status == "pending").order_by(Retest.id))
    post("show a phone (htmx)", f"/supervisor/retests/{retest.id}/phone", headers=HTMX)
    post("retest backwards (htmx)", f"/supervisor/retests/{retest.id}", headers=HTMX,
         data={"status": "pending", "result": ""})
    post("retest forward (htmx)", f"/supervisor/retests/{retest.id}", headers=HTMX,
         data={"status": "contacted", "result": ""})
    post("revoke a phone (htmx)", f"/supervisor/devices/{world.devices['old']}/revoke", headers=HTMX)
    post("upload nothing", "/supervisor/results", data={})
    post("hand-over: nothing", "/supervisor/handover", data={})
    post("hand-over: not a hand-over file", "/supervisor/handover",
         data={"file": (io.BytesIO(b"{}"), "x.json")}, content_type="multipart/form-data")
    post("upload a photo", "/supervisor/results", data={"file": (io.BytesIO(b"\x89PNG"), "photo.png")},
         content_type="multipart/form-data")
    post("upload an empty file", "/supervisor/results", data={"file": (io.BytesIO(b""), "empty.csv")},
         content_type="multipart/form-data")
    post("empty problem", "/supervisor/review/problems", data={})
    post("problem without a fix", f"/supervisor/review/problems/{world.problem}/close", data={"fix": ""})
    post("empty work group", "/supervisor/workgroups", data={})
    post("need of no kind", f"/supervisor/special/{world.person}/needs", data={"need": "x"})
    post("visit without what", f"/supervisor/special/{world.person}/visits", data={"done": ""})
    post("place nobody", "/ledgers/quarantine", data={"person_id": "", "kind": "x"})
    post("extend by 0 days", f"/ledgers/quarantine/{world.placement}/extend", data={"days": "0"})
    post("self-report link", f"/ledgers/quarantine/{world.placement}/link")
    post("issue codes", "/people/codes", data={"building": "1-1"})
    post("open a round badly", "/supervisor/rounds/", data={"name": "", "start_day": "明天", "buildings": "九号楼"})
    post("a work group without a name", "/supervisor/workgroups/groups", data={"name": ""})
    post("a category without a name", "/supervisor/special/categories", data={"name": ""})
    post("a category of another community", f"/supervisor/special/{world.person}/groups", data={"category": "x"})
    post("a guardian's phone too short", f"/supervisor/special/{world.person}/contact", data={"phone": "1"})
    post("a shift of 9 people", f"/supervisor/rosters/{world.gate}/template",
         data={"template": "3x8", "needed": "9", "start_hour": "0"})
    post("a roster week of no date", f"/supervisor/rosters/{world.gate}/repeat", data={"day": "x"})
    return answers


def upload_tokens(client) -> dict:
    """Lab files waiting for the supervisor: one to preview, one with bad rows, one whose
    columns must be chosen."""
    def upload(content, name):
        response = client.post("/supervisor/results", data={"file": (io.BytesIO(content), name)},
                               content_type="multipart/form-data", headers=ZH)
        return response.headers["Location"].rstrip("/").split("/")[-1 if "mapping" not in
                                                                   response.headers["Location"] else -2]
    header = ("试管编码", "检测结果", "报告时间")
    return {"good": upload(lab_csv([("T2022050601", "阳性", "2022/5/6 8:12"), ("T2099000002", "阴性", "")],
                                   header=header, encoding="gbk"), "结果.csv"),
            "bad": upload(lab_csv([("T2022050601", "阳性", "昨天"), ("T2022050602", "可能", ""),
                                   ("T2022050603", "阳性", ""), ("T2022050603", "阴性", ""), ("", "阴性", "")],
                                  header=header), "错误.csv"),
            "mapping": upload(lab_csv([("T2022050601", "阳性")], header=("管子", "判定")), "列名.csv")}


def self_registration(app) -> str:
    """A resident's own link after registering (the token of /register/<token>)."""
    answer = app.test_client().post("/register", headers=ZH, data={
        "community": "demo", "name": "新居民", "doc_type": "cn_ric", "doc_number": valid_id(9001),
        "phone": "13900009001", "building": "1-1", "unit": "1", "room": "101"})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return answer.headers["Location"].rstrip("/").split("/")[-1]


def read(response, where: str, problems: list):
    if response.mimetype != "text/html" or 300 <= response.status_code < 400:
        return  # a file, JSON, or a redirect the browser follows without showing it
    for text in page_texts(response.get_data(as_text=True)):
        bad = not_chinese(text)
        if bad:
            problems.append(f"{where} [{response.status_code}]: {sorted(set(bad))} in “{text[:120]}”")


@pytest.fixture
def demo(app):
    app.config.update(RATELIMIT_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    return demo_world.build(app)


def login(client, world, role):
    from server.models import User

    user = db.session.get(User, world.users[role])
    answer = client.post("/login", data={"username": user.username, "pin": DEMO_PIN}, headers=ZH)
    assert answer.status_code == 302, f"{role} could not log in"


def test_every_page_of_every_role_reads_in_chinese(app, demo):
    from server.ledgers.selfreport_links import link_token
    from server.models import Placement

    problems, seen = [], set()
    self_report = link_token(db.session.get(Placement, demo.placement))
    claim = self_registration(app)
    for role in (None, *demo_world.ROLES):
        client = app.test_client()
        tokens = {"self_report": self_report, "claim": claim, "good": "x" * 24, "bad": "x" * 24,
                  "mapping": "x" * 24}
        if role:
            login(client, demo, role)
            if role in ("supervisor", "admin"):
                tokens.update(upload_tokens(client))
        for what, response in form_answers(client, demo, role, tokens):
            read(response, f"{role or 'anonymous'}: {what}", problems)
        urls = page_urls(app, demo, tokens)
        unknown = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods
                   and rule.endpoint not in NOT_PAGES and not rule.endpoint.startswith("api.")} - set(urls)
        assert unknown == set(), f"pages the crawl does not know how to open: {unknown}"
        for endpoint, links in urls.items():
            for url in links:
                for headers in (ZH, HTMX):
                    response = client.get(url, headers=headers)
                    seen.add((endpoint, response.status_code))
                    read(response, f"{role or 'anonymous'} {url}{' (htmx)' if headers is HTMX else ''}", problems)
    print(f"\ncrawled {len(seen)} (page, status) pairs; {len(problems)} problems")
    assert problems == [], "\n".join(problems[:80])
    # The crawl reached the pages themselves, not only login redirects and refusals.
    for endpoint in ("supervisor.board", "supervisor.coverage_page", "ledgers.tasks", "gate.log",
                     "sampling.tubes", "review.daily", "supervisor.results_preview", "ledgers.self_report",
                     "rounds.rounds", "rounds.round_page", "lab.home", "lab.box"):
        assert (endpoint, 200) in seen, endpoint
    assert {("supervisor.board", 403), ("errors", 404), ("errors", 405), ("errors", 400)} <= seen


def test_error_pages_of_failures_read_in_chinese(make_app, world):
    """429 (too many PINs), 500 (a bug), 503 (the database gone), 400 (a form expired)."""
    app = make_app(LOGIN_RATE_LIMIT="2 per minute", PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=True)

    def broken():
        raise RuntimeError("a bug")

    def database_gone():
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    app.add_url_rule("/test-broken", view_func=broken)
    app.add_url_rule("/test-database-gone", view_func=database_gone)
    client = app.test_client()
    answers = {"expired form": client.post("/login", data={"username": "x", "pin": "1"}, headers=ZH),
               "bug": client.get("/test-broken", headers=ZH),
               "database gone": client.get("/test-database-gone", headers=ZH)}
    app.config["WTF_CSRF_ENABLED"] = False
    for _ in range(3):
        answers["too many PINs"] = client.post("/login", data={"username": "volunteer-a", "pin": "000000"},
                                               headers=ZH)
    assert {what: r.status_code for what, r in answers.items()} == {
        "expired form": 400, "bug": 500, "database gone": 503, "too many PINs": 429}
    problems = []
    for what, response in answers.items():
        read(response, what, problems)
    assert problems == [], "\n".join(problems)
    assert "服务器处理本次操作时出错" in answers["bug"].get_data(as_text=True)
    assert "数据库暂时不可用" in answers["database gone"].get_data(as_text=True)
    assert "尝试次数过多" in answers["too many PINs"].get_data(as_text=True)
    assert "此表单已过期" in answers["expired form"].get_data(as_text=True)


def test_board_and_tasks_say_what_happened_in_words(app, demo):
    """The facts behind each alert, as the supervisor and the building's worker read them."""
    client = app.test_client()
    login(client, demo, "supervisor")
    board = client.get("/supervisor/board", headers=ZH).get_data(as_text=True)
    for words in ("体温: 38.2 °C", "劝返: 否", "方向: 出", "代码: 证件号码有误", "字段: 证件号码",
                  "记录: 卡口通行", "时段: ", "已交接", "原状态: ", "检测结果对应的试管不存在"):
        assert words in board, words
    shown = " ".join(page_texts(board))
    for code in ("temperature_c", "turned_back", "handed_over", "invalid_id_number", "evening", "morning",
                 "False", "out"):
        assert code not in shown, code
    login(client, demo, "volunteer")  # the worker of buildings 1-1 and 1-2
    tasks = client.get("/tasks", headers=ZH).get_data(as_text=True)
    assert "居家隔离体温漏报" in tasks and "处理时限" in tasks and "时段: " in tasks


def test_form_errors_of_residents_and_the_login_page_are_chinese(app, demo):
    from server.ledgers.selfreport_links import link_token
    from server.models import Placement

    tokens = {"self_report": link_token(db.session.get(Placement, demo.placement))}
    answers = dict(form_answers(app.test_client(), demo, None, tokens))
    texts = {what: " ".join(page_texts(r.get_data(as_text=True))) for what, r in answers.items()}
    assert "请填写" in texts["empty login"] or "必填" in texts["empty login"] or "不能为空" in texts["empty login"], \
        texts["empty login"]
    assert "用户名或 PIN 码错误" in texts["wrong PIN"]
    assert "社区代码不存在" in texts["bad registration"]
    assert "体温须在 34.0 至 43.0 °C 之间" in texts["bad self-report"]
