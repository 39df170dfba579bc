"""The online page of a gate: today's log, fevers, turn-backs, counts per hour (masked)."""
from tests.records import batch, gate_entry, valid_id


def test_gate_log_shows_todays_passages_fevers_and_turn_backs_masked(client, world, device_token, login):
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    resident = {"doc_type": "cn_ric", "doc_number": valid_id(11), "name": "王小明", "phone": "13800001111"}
    records = [gate_entry(site, person=resident), gate_entry(site, temperature=38.4, turned_back=True,
                                                             reason="fever", visitor={"name": "赵大伟"}),
               gate_entry(site, vehicle_plate="京AD12345", direction="out")]
    records[2]["data"]["direction"] = "out"
    assert client.post("/api/v1/sync", json=batch(device_id, records), headers=headers).status_code == 200
    login(world["a"]["volunteer"])
    page = client.get(f"/gate/{site}/log").get_data(as_text=True)
    assert "王*明" in page and "王小明" not in page and valid_id(11) not in page
    assert "赵*伟" in page and "赵大伟" not in page
    assert "38.4" in page and "京AD12345" in page
    assert "13800001111" not in page
    # Counts: 2 in, 1 out, 1 fever, 1 turned back (Chinese labels by default).
    assert "进 <strong>2</strong>" in page and "出 <strong>1</strong>" in page
    assert "发热 <strong>1</strong>" in page and "劝返 <strong>1</strong>" in page
    assert "峰值 3/小时" in page  # the three passages share their hour (the chart's caption)


def test_a_quiet_gate_says_its_peak_is_nought(client, world, login):
    login(world["a"]["volunteer"])
    page = client.get(f"/gate/{world['a']['gate'].id}/log").get_data(as_text=True)
    assert "峰值 0/小时" in page


def test_gate_log_of_another_community_or_a_sampling_point_is_not_found(client, world, login):
    login(world["a"]["volunteer"])
    assert client.get(f"/gate/{world['b']['gate'].id}/log").status_code == 404
    assert client.get(f"/gate/{world['a']['point'].id}/log").status_code == 404
    assert client.get(f"/gate/{world['a']['gate'].id}/log?date=nope").status_code == 400


def test_someone_outside_the_roster_is_not_called_unidentified(client, world, device_token, login):
    """A valid ID outside the roster is 非本社区人员; 无证件访客 is for a visitor without any ID (the
    gate screen's "no ID" button): the two never share the word 未识别."""
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    outsider = {"doc_type": "cn_ric", "doc_number": valid_id(12)}  # no name: only the ID was scanned
    records = [gate_entry(site, person=outsider), gate_entry(site, visitor={})]
    assert client.post("/api/v1/sync", json=batch(device_id, records), headers=headers).status_code == 200
    login(world["a"]["volunteer"])
    page = client.get(f"/gate/{site}/log").get_data(as_text=True)
    assert page.count("非本社区人员") == 1 and page.count("无证件访客") == 1
    assert "未识别" not in page
