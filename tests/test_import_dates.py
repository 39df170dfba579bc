"""Lab files carry times the way Chinese Excel, WPS or a lab system writes them: each is read as
the same Shanghai time; what is not a time is a bad row with a message, and nothing else."""
import io
from datetime import datetime, timezone

import pytest
from openpyxl import Workbook

from server.supervisor.labresults import parse_results
from server.tables import sheet_time
from tests.factories_supervisor import lab_csv

AT_0812 = datetime(2022, 5, 6, 0, 12, tzinfo=timezone.utc)  # 08:12 in Shanghai
WRITTEN = ["2022-05-06 08:12", "2022-05-06T08:12:00+08:00", "2022/5/6 8:12", "2022/05/06 08:12:00",
           "2022.5.6 8:12", "2022年5月6日 8时12分", "2022年5月6日8:12", "2022年5月6日 上午8点12分",
           "２０２２／５／６　８：１２", "44687.341666666667", "20220506081200", "2022/5/6 8:12 AM"]


@pytest.mark.parametrize("written", WRITTEN)
def test_a_time_written_any_common_way_reads_as_the_same_moment(app, written):
    parsed = parse_results(lab_csv([("T1", "阴性", written)], header=("试管编码", "检测结果", "报告时间"),
                                   encoding="gbk"), "结果.csv")
    assert parsed.errors == []
    assert parsed.rows[0].reported_at == AT_0812


def test_afternoon_dates_alone_and_empty_cells(app):
    assert sheet_time("2022/5/6 下午 2:30") == datetime(2022, 5, 6, 14, 30)
    assert sheet_time("2022/5/6 2:30 PM") == datetime(2022, 5, 6, 14, 30)
    assert sheet_time("2022年5月6日") == datetime(2022, 5, 6)
    assert sheet_time("44687") == datetime(2022, 5, 6)
    assert sheet_time("  ") is None


def test_an_xlsx_date_cell_and_a_serial_number_cell_both_read(app):
    book = Workbook()
    sheet = book.active
    sheet.append(["试管编码", "检测结果", "报告时间"])
    sheet.append(["T1", "阴性", datetime(2022, 5, 6, 8, 12)])
    sheet.append(["T2", "阳性", 44687.341666666667])  # the date format lost: a bare number
    out = io.BytesIO()
    book.save(out)
    parsed = parse_results(out.getvalue(), "结果.xlsx")
    assert parsed.errors == [] and [r.reported_at for r in parsed.rows] == [AT_0812, AT_0812]


@pytest.mark.parametrize("written", ["昨天", "2022/13/6 8:12", "2022/5/6 25:00", "5/6/2022", "12345",
                                     "2022/5/6 下午 14:00"])
def test_what_is_not_a_time_is_a_bad_row_explained_in_chinese(app, written):
    parsed = parse_results(lab_csv([("T1", "阴性", written)]), "lab.csv")
    assert parsed.rows == [] and len(parsed.errors) == 1
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        line, message = parsed.errors[0]
        assert line == 2 and str(message).startswith(f"无法识别的报告时间“{written}”")
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(parsed.errors[0][1]).startswith(f"unreadable report time “{written}”")
