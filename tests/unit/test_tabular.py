from datetime import date

import pytest

from dti.samples.generate import HEADERS
from ingestion.source_config import load_source_config
from ingestion.sources.base import ReportFormatError
from ingestion.sources.tabular import read_layout, read_tabular
from ingestion.text import to_cp1258_form

CONFIG = load_source_config("public_services")


def write(path, lines, encoding="utf-8"):
    text = "\r\n".join(lines) + "\r\n"
    if encoding == "cp1258":
        text = to_cp1258_form(text)
    path.write_bytes(text.encode(encoding))
    return path


REPORT = [
    "UBND TỈNH QUẢNG NINH",
    "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ",
    "Kỳ báo cáo: từ ngày 01/04/2025 đến ngày 30/04/2025",
    "",
    ",".join(HEADERS[:12]),  # a layout without the optional measures
    "1,000.00.04.H49,Sở Tư pháp,1.234,600,100,6,500,700,10,20,3",
    "2,000.00.13.H49,Thanh tra tỉnh,4,1,2,0,1,3,0,0,0",
    ",,Tổng cộng,1.238,601,102,6,501,703,10,20,3",
]


def test_header_found_below_title_rows_and_period_read(tmp_path):
    layout = read_layout(write(tmp_path / "r.csv", REPORT), CONFIG)
    assert layout.header_row == 5
    assert layout.period == date(2025, 4, 1)
    assert layout.columns[:3] == ["agency_code", "agency_name", "received_online"]
    assert "unmapped" not in " ".join(layout.columns)


def test_rows_have_line_numbers_numbers_normalised_and_total_skipped(tmp_path):
    extract = read_tabular(write(tmp_path / "r.csv", REPORT), CONFIG)
    rows = list(extract.rows)
    assert [n for n, _ in rows] == [6, 7]
    first = dict(zip(extract.columns, rows[0][1], strict=True))
    assert first["agency_code"] == "000.00.04.H49"
    assert first["received_online"] == "1234"
    assert first["agency_name"] == "Sở Tư pháp"
    # Optional measures this layout lacks are landed empty; the row was readable.
    assert first["paid_online"] is None and first["_parse_error"] is None


def test_headers_without_diacritics_map_the_same(tmp_path):
    from ingestion.text import strip_diacritics

    ascii_report = [*REPORT[:4], strip_diacritics(REPORT[4]), *REPORT[5:]]
    layout = read_layout(write(tmp_path / "r.csv", ascii_report), CONFIG)
    assert layout.columns == read_layout(write(tmp_path / "s.csv", REPORT), CONFIG).columns


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1258"])
def test_encodings(tmp_path, encoding):
    path = write(tmp_path / "r.csv", REPORT, encoding=encoding)
    extract = read_tabular(path, CONFIG)
    rows = list(extract.rows)
    assert rows[0][1][1] == "Sở Tư pháp"
    assert extract.period == date(2025, 4, 1)


def test_unknown_header_is_kept_as_unmapped_for_validation_to_reject(tmp_path):
    lines = [*REPORT[:4], REPORT[4] + ",Ghi chú", *REPORT[5:]]
    layout = read_layout(write(tmp_path / "r.csv", lines), CONFIG)
    assert layout.columns[-1] == "unmapped_13__ghi_chu"


def test_file_without_header_is_a_format_error_naming_the_rule(tmp_path):
    path = write(tmp_path / "notes.csv", ["just,some", "random,text"])
    with pytest.raises(ReportFormatError, match=r"no header row.*header_found") as info:
        read_layout(path, CONFIG)
    assert info.value.rule == "header_found"


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_file_separated_otherwise_is_read_with_its_separator(tmp_path, separator):
    """Excel on a Windows set to Vietnamese saves CSV with semicolons (the comma is the
    decimal mark there): the same rows as the comma file, a quoted separator kept."""
    def other(line: str) -> str:
        return line.replace(",", separator)

    quoted = '"Sở Tư pháp, Hộ tịch"'
    comma = [*REPORT[:5], REPORT[5].replace("Sở Tư pháp", quoted), *REPORT[6:]]
    twin = [*map(other, REPORT[:5]), other(REPORT[5]).replace("Sở Tư pháp", quoted),
            *map(other, REPORT[6:])]
    layout = read_layout(write(tmp_path / "s.csv", twin), CONFIG)
    assert (layout.delimiter, layout.header_row) == (separator, 5)
    expected = read_tabular(write(tmp_path / "c.csv", comma), CONFIG)
    got = read_tabular(tmp_path / "s.csv", CONFIG)
    rows = list(got.rows)
    assert rows == list(expected.rows)
    assert rows[0][1][1] == "Sở Tư pháp, Hộ tịch"
    assert got.period == expected.period and got.lines == expected.lines


def test_row_longer_than_its_header_is_marked_unreadable(tmp_path):
    lines = [*REPORT[:5], REPORT[5] + ",stray", *REPORT[6:]]
    extract = read_tabular(write(tmp_path / "r.csv", lines), CONFIG)
    rows = dict(extract.rows)
    assert rows[6][-2] == "13 cells, header has 12 (rule: cells_match_header)"
    assert rows[7][-2] is None


def test_two_row_header_with_merged_cells(tmp_path):
    lines = [
        *REPORT[:4],
        "STT,Mã cơ quan,Tên cơ quan,Số hồ sơ tiếp nhận,,,,Đã giải quyết,,,Đang giải quyết,",
        ",,,Trực tuyến,Trực tuyến toàn trình,Trực tiếp,Bưu chính,Trước hạn,Đúng hạn,"
        "Quá hạn,Trong hạn,Quá hạn",
        *REPORT[5:],
    ]
    extract = read_tabular(write(tmp_path / "r.csv", lines), CONFIG)
    assert extract.columns[:11] == [
        "agency_code", "agency_name", "received_online", "received_full_online",
        "received_in_person", "received_postal", "resolved_early", "resolved_on_time",
        "resolved_late", "in_progress_within_deadline", "in_progress_overdue"]
    rows = list(extract.rows)
    assert [n for n, _ in rows] == [7, 8]
    assert rows[0][1][2] == "1234"


def test_derived_total_and_percentage_columns_are_ignored(tmp_path):
    lines = [*REPORT[:4], REPORT[4] + ",Tổng số hồ sơ,Tỷ lệ đúng hạn (%)",
             *(line + ',"1.244","75,3%"' for line in REPORT[5:7]), REPORT[7]]
    extract = read_tabular(write(tmp_path / "r.csv", lines), CONFIG)
    assert not any(c.startswith("unmapped") for c in extract.columns)
    assert all(row[-2] is None for _, row in extract.rows)
