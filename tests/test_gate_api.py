"""The gate's offline support on the server: watch-list hashes, device token, service worker."""
from server.api.phoneindex import slot

from tests.records import batch, gate_entry, valid_id

QUARANTINED = valid_id(11)
FREE = valid_id(12)


def watch_hash(body: dict, number: str) -> str:
    """The number's slot under the list's key and length (server/api/phoneindex.py)."""
    return slot(bytes.fromhex(body["key"]), body["bits"], "cn_ric", number)


def test_watchlist_holds_keyed_hashes_only(client, world, device_token, make_person):
    make_person(world["a"]["community"], doc_number=QUARANTINED, tags="home-quarantine")
    make_person(world["a"]["community"], doc_number=FREE, name="李四", tags="elderly-alone")
    make_person(world["b"]["community"], doc_number=valid_id(13), name="王五", tags="home-quarantine")
    headers, _device = device_token(world["a"]["volunteer"])
    answer = client.get("/api/v1/watchlist", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    text = answer.get_data(as_text=True)
    assert QUARANTINED not in text and QUARANTINED[-8:] not in text and "张三明" not in text
    assert body["hashes"] == [watch_hash(body, QUARANTINED)]  # not community b's, not FREE
    # The phone's key is derived per community: never the server's HASH_KEY itself.
    assert bytes.fromhex(body["key"]) != b"h" * 32
    other = client.get("/api/v1/watchlist", headers=device_token(world["b"]["volunteer"])[0]).get_json()
    assert other["key"] != body["key"]
    assert client.get("/api/v1/watchlist").status_code == 401


def test_sites_carry_the_fever_threshold(client, world, device_token):
    headers, _device = device_token(world["a"]["volunteer"])
    body = client.get("/api/v1/sites", headers=headers).get_json()
    assert body["community"]["fever_threshold_c"] == 37.3
    assert {s["code"] for s in body["sites"]} == {"G1", "S1"}


def test_fever_at_the_threshold_is_accepted_and_flagged(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    record = gate_entry(world["a"]["gate"].id, seq=1, temperature=37.3, turned_back=True, reason="fever")
    result = client.post("/api/v1/sync", json=batch(device_id, [record]), headers=headers).get_json()
    assert result["results"][0]["status"] == "accepted"
    assert result["results"][0]["warnings"] == ["fever"]


def test_device_token_for_the_logged_in_user_keeps_the_device_when_asked(client, world, login):
    assert client.post("/auth/device-token").status_code in (302, 401)  # not logged in
    login(world["a"]["volunteer"])
    first = client.post("/auth/device-token", json={}).get_json()
    assert first["user"]["username"] == "volunteer-a" and first["token"]
    again = client.post("/auth/device-token", json={"device_id": first["device_id"]}).get_json()
    assert again["device_id"] == first["device_id"] and again["token"] != first["token"]
    old = {"Authorization": f"Bearer {first['token']}"}
    new = {"Authorization": f"Bearer {again['token']}"}
    assert client.get("/api/v1/sites", headers=old).status_code == 401
    assert client.get("/api/v1/sites", headers=new).status_code == 200


def test_device_token_never_rekeys_someone_elses_device(client, world, login, device_token):
    _headers, other_device = device_token(world["a"]["clerk"])
    login(world["a"]["volunteer"])
    answer = client.post("/auth/device-token", json={"device_id": other_device}).get_json()
    assert answer["device_id"] != other_device


def test_service_worker_is_versioned_uncached_and_precaches_the_shell(client):
    answer = client.get("/sw.js")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-cache"
    text = answer.get_data(as_text=True)
    for url in ("/shell/gate", "/static/css/app.css", "/static/js/gate.js", "/client/offline/outbox.js",
                "/client/scanner/classify.js", "/static/vendor/zxing_reader.wasm"):
        assert f'"{url}"' in text
    assert '"version": "' in text and "__PRECACHE__" not in text


def test_gate_shell_holds_no_user_or_session_data(client, world, login):
    login(world["a"]["volunteer"])
    shell = client.get("/shell/gate").get_data(as_text=True)
    assert "volunteer-a" not in shell and "csrf" not in shell.lower() and "data-user-id" not in shell


def test_gate_page_is_for_gates_of_the_users_community(client, world, login):
    assert client.get(f"/gate/{world['a']['gate'].id}").status_code == 302  # to the login page
    login(world["a"]["volunteer"])
    assert client.get(f"/gate/{world['a']['gate'].id}").status_code == 200
    assert client.get(f"/gate/{world['b']['gate'].id}").status_code == 404
    assert client.get(f"/gate/{world['a']['point'].id}").status_code == 404


def test_roster_index_gives_building_and_masked_name_by_keyed_hash(client, world, device_token,
                                                                    make_person):
    make_person(world["a"]["community"], doc_number=FREE, name="张三明", building="3", unit="2",
                room="401")
    headers, _device = device_token(world["a"]["volunteer"])
    answer = client.get("/api/v1/roster-index", headers=headers)
    body, text = answer.get_json(), answer.get_data(as_text=True)
    assert FREE not in text and "张三明" not in text
    assert body["entries"] == {watch_hash(body, FREE): [{"resident": True, "compound": None,
                                                         "address": "3-2-401", "name": "张*明",
                                                         "status": ["no_recent_sample"]}]}
    watch = client.get("/api/v1/watchlist", headers=headers).get_json()
    # One key and one slot length for both lists: joining them narrows nothing.
    assert (watch["key"], watch["bits"]) == (body["key"], body["bits"])


def test_service_worker_version_follows_the_precached_files(client, monkeypatch, tmp_path):
    from server.pages import views_offline as offline

    extra = tmp_path / "extra.js"
    extra.write_text("// one")
    files = offline.precache_files
    monkeypatch.setattr(offline, "precache_files", lambda: files() + [("/static/extra.js", extra)])

    def version():
        text = client.get("/sw.js").get_data(as_text=True)
        return text.split('"version": "')[1].split('"')[0]

    first = version()
    assert version() == first
    extra.write_text("// two, a new release")
    assert version() != first


def test_device_token_uses_the_id_the_phone_proposed_so_a_lost_answer_orphans_nothing(
        client, world, login):
    login(world["a"]["volunteer"])
    proposed = "0b8f2c1e-6a51-4c4e-9d1e-3f0a7c2b9e10"
    first = client.post("/auth/device-token", json={"device_id": proposed}).get_json()
    again = client.post("/auth/device-token", json={"device_id": proposed}).get_json()  # answer lost
    assert first["device_id"] == again["device_id"] == proposed
    junk = client.post("/auth/device-token", json={"device_id": "not-a-uuid"}).get_json()
    assert junk["device_id"] != "not-a-uuid"
