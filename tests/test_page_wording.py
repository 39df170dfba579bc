"""Words a supervisor reads on a phone: "姓名" is a person's name only, and no page tells them to
run a command."""
import pytest

ZH = {"Accept-Language": "zh-CN"}


@pytest.mark.parametrize("path, label", [
    ("/supervisor/special/categories", "类别名称"), ("/ledgers/grids", "网格名称"),
    ("/supervisor/workgroups", "专班名称"), ("/supervisor/rounds/", "轮次名称")])
def test_names_of_things_are_not_called_a_persons_name(world, client, login, path, label):
    login(world["a"]["supervisor"])
    page = client.get(path, headers=ZH)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert label in text and "姓名" not in text


def test_the_doors_page_without_a_platform_says_who_adds_one(world, client, login):
    login(world["a"]["supervisor"])
    text = client.get("/ledgers/doors", headers=ZH).get_data(as_text=True)
    assert "尚未接入物业平台：请系统管理员添加" in text
