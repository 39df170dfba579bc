"""The buildings page counts households (unit and room), not only residents (issue 17)."""
import re

from tests.records import valid_id


def test_the_buildings_page_counts_households_and_residents(world, make_person, client, login):
    a = world["a"]
    for i, room in enumerate(("101", "101", "102")):
        make_person(a["community"], doc_number=valid_id(i + 40), building="7", unit="1", room=room)
    make_person(a["community"], doc_number=valid_id(50), building="7", unit="2", room="101")
    login(a["supervisor"])
    page = client.get("/ledgers/buildings", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "户数" in page
    row = re.search(r'<tr id="building-7">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td[^>]*>(\d+)</td>", row)[1:3] == ["3", "4"]  # 3 households, 4 residents
