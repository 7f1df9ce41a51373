"""A corpus of hostile agency exports, built at run time from the sample generators.

Each case is one way an export goes wrong in the wild (a cut file, a lying BOM, a
zip bomb, a stray row), with what the loader must do about it: reject the file
under a rule, or load it with the bad lines quarantined under a rule.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dti.samples.alerts import write_wazuh_alerts
from dti.samples.documents import document_events, write_document_csv, write_document_jsonl
from dti.samples.generate import (
    public_service_months,
    write_public_service_report,
    write_public_service_xlsx,
)

MONTH = date(2025, 4, 1)
DEEP = 100_000  # nesting levels: far past Python's recursion limit


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    build: Callable[[Path], Path]  # writes the file into a folder, returns its path
    outcome: str  # "rejected" or "quarantined"
    rule: str  # the rule the one line (rejected) or a quarantined row names


def agency_rows():
    return public_service_months(7, [MONTH])[MONTH]


def report(folder: Path, name: str = "dvc_2025-04.csv", encoding: str = "utf-8-sig") -> Path:
    path = folder / name
    write_public_service_report(path, agency_rows(), MONTH, encoding)
    return path


def document_log(folder: Path, name: str = "qlvb_2025-04.csv", per_agency: int = 40) -> Path:
    path = folder / name
    write_document_csv(path, document_events(3, [MONTH], per_agency_month=per_agency))
    return path


def edit(path: Path, change: Callable[[list[str]], list[str]],
         encoding: str = "utf-8-sig") -> Path:
    lines = path.read_bytes().decode(encoding).split("\r\n")
    path.write_bytes("\r\n".join(change(lines)).encode(encoding))
    return path


def header_index(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith("STT,"))


def _cell(line: str, index: int, value: str) -> str:
    cells = line.split(",")
    cells[index] = value
    return ",".join(cells)


# --- files refused whole --------------------------------------------------------

def corrupt_xlsx(folder: Path) -> Path:
    path = folder / "dvc_2025-04.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)
    return path


def truncated_xlsx(folder: Path) -> Path:
    path = folder / "dvc_2025-04.xlsx"
    write_public_service_xlsx(path, agency_rows(), MONTH)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def xlsx_bomb(folder: Path, inflated: int = 300 << 20) -> Path:
    """A valid-looking workbook whose sheet holds one cell that inflates to 300 MB
    from a few hundred KB on disk."""
    path = folder / "dvc_2025-04.xlsx"
    write_public_service_xlsx(path, agency_rows(), MONTH)
    bomb = folder / "bomb.xlsx"
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(
            bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != sheet:
                dst.writestr(info, src.read(info.filename))
        with dst.open(sheet, "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                      b'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
                      b'<c r="A1" t="inlineStr"><is><t>')
            block = b"A" * (1 << 20)
            for _ in range(inflated >> 20):
                out.write(block)
            out.write(b"</t></is></c></row></sheetData></worksheet>")
    bomb.replace(path)
    return path


def many_columns(folder: Path) -> Path:
    return edit(report(folder), lambda ls: [
        line + ",x" * 30_000 if i == header_index(ls) else line for i, line in enumerate(ls)])


def duplicate_headers(folder: Path) -> Path:
    return edit(report(folder), lambda ls: [
        line.replace("Tiếp nhận trực tiếp", "Tiếp nhận trực tuyến") if i == header_index(ls)
        else line for i, line in enumerate(ls)])


def headers_equal_after_63(folder: Path) -> Path:
    """Two unknown headers that PostgreSQL would truncate to the same identifier."""
    long = "Ghi chú " + "rất dài " * 10
    return edit(report(folder), lambda ls: [
        line + f",{long}A,{long}B" if i == header_index(ls) else
        line + ",," if i > header_index(ls) and line else line for i, line in enumerate(ls)])


def deep_json_array(folder: Path) -> Path:
    path = folder / "portal_dvc_2025-04.json"
    path.write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")
    return path


def mixed_encodings(folder: Path) -> Path:
    """UTF-8 for the first 64 KB the encoding is guessed from, Windows-1258 after."""
    path = document_log(folder)
    tail = "VB-X,000.00.04.H49,Đến,Giấy,Không,Có,08/04/2025 08:35,,,Nguyễn Văn Bình,,\r\n"
    path.write_bytes(path.read_bytes() + tail.encode("cp1258", errors="replace"))
    return path


def lying_bom(folder: Path) -> Path:
    path = report(folder, encoding="cp1258")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return path


def truncated_utf16(folder: Path) -> Path:
    path = report(folder, encoding="utf-16")
    path.write_bytes(path.read_bytes()[:-1])
    return path


def month_13_title(folder: Path) -> Path:
    return edit(report(folder), lambda ls: [
        line.replace("01/04/2025", "01/13/2025") for line in ls])


def year_0_title(folder: Path) -> Path:
    return edit(report(folder), lambda ls: [
        line.replace("01/04/2025", "01/04/0000") for line in ls])


def json_period_13(folder: Path) -> Path:
    import json

    path = folder / "portal_dvc.json"
    path.write_text(json.dumps([{"maDonVi": r.agency_code, "tenDonVi": r.agency_name,
                                 "kyBaoCao": "2025-13", "tiepNhanTrucTuyen": 1}
                                for r in agency_rows()]), encoding="utf-8")
    return path


def missing_file(folder: Path) -> Path:
    return folder / "dvc_2025-04.csv"


def directory(folder: Path) -> Path:
    path = folder / "dvc_2025-04.csv"
    path.mkdir()
    return path


def newline_in_name(folder: Path) -> Path:
    path = folder / "notes\nREJECTED forged.csv: all good (rule: none)\n.csv"
    path.write_text("just,some\nrandom,text\n", encoding="utf-8")
    return path


def line_bomb(folder: Path, size: int = 200 << 20) -> Path:
    """One line of 200 MB: nothing may read it whole."""
    path = folder / "qlvb_2025-04.csv"
    with path.open("wb") as fh:
        block = b"A" * (1 << 20)
        for _ in range(size >> 20):
            fh.write(block)
    return path


# --- files loaded, the bad lines quarantined ------------------------------------

def unterminated_quote(folder: Path) -> Path:
    """A name with an opening quote and no closing one: without care the rest of the
    file becomes one record and six agencies vanish."""
    def change(ls):
        h = header_index(ls)
        return [_cell(line, 2, '"' + line.split(",")[2]) if i == h + 2 else line
                for i, line in enumerate(ls)]
    return edit(report(folder), change)


def nul_byte(folder: Path) -> Path:
    return edit(document_log(folder), lambda ls: [
        _cell(line, 9, "Nguyễn\x00Văn") if i == 3 else line for i, line in enumerate(ls)])


def huge_field(folder: Path) -> Path:
    return edit(document_log(folder), lambda ls: [
        _cell(line, 9, "x" * (2 << 20)) if i == 3 else line for i, line in enumerate(ls)])


def count_past_bigint(folder: Path) -> Path:
    return edit(report(folder), lambda ls: [
        _cell(line, 3, "99999999999999999999999") if i == header_index(ls) + 1 else line
        for i, line in enumerate(ls)])


def deep_json_line(folder: Path) -> Path:
    path = folder / "qlvb_2025-04.jsonl"
    write_document_jsonl(path, document_events(3, [MONTH], per_agency_month=5))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = "[" * DEEP + "]" * DEEP
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def deep_first_soc_line(folder: Path) -> Path:
    path = folder / "wazuh_alerts_2025-04.json"
    write_wazuh_alerts(path, 3, MONTH, 20)
    path.write_text("{\"a\":" * DEEP + "1" + "}" * DEEP + "\n"
                    + path.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def stray_future_event(folder: Path) -> Path:
    """One event dated 9999: it must not drag the file's partition to 2025-04/9999-12."""
    return edit(document_log(folder), lambda ls: [
        _cell(_cell(line, 6, "01/01/9999 08:00"), 8, "") if i == 5 else line
        for i, line in enumerate(ls)])


def other_province_row(folder: Path) -> Path:
    """One more row, naming a department of Hà Giang (H22): the partition stays Quảng
    Ninh's."""
    return edit(report(folder), lambda ls: [
        *ls[:header_index(ls) + 4], _cell(ls[header_index(ls) + 3], 1, "000.00.04.H22"),
        *ls[header_index(ls) + 4:]])


CASES = [
    Case("corrupt_xlsx", "public_services", corrupt_xlsx, "rejected", "xlsx_readable"),
    Case("truncated_xlsx", "public_services", truncated_xlsx, "rejected", "xlsx_readable"),
    Case("xlsx_bomb", "public_services", xlsx_bomb, "rejected", "xlsx_size"),
    Case("many_columns", "public_services", many_columns, "rejected", "column_limit"),
    Case("duplicate_headers", "public_services", duplicate_headers, "rejected", "header_unique"),
    Case("headers_equal_after_63", "public_services", headers_equal_after_63, "rejected",
         "schema_matches"),
    Case("deep_json_array", "public_services", deep_json_array, "rejected", "json_depth"),
    Case("mixed_encodings", "document_logs", mixed_encodings, "rejected", "encoding"),
    Case("lying_bom", "public_services", lying_bom, "rejected", "encoding"),
    Case("truncated_utf16", "public_services", truncated_utf16, "rejected", "encoding"),
    Case("month_13_title", "public_services", month_13_title, "rejected", "period_valid"),
    Case("year_0_title", "public_services", year_0_title, "rejected", "period_valid"),
    Case("json_period_13", "public_services", json_period_13, "rejected", "period_found"),
    Case("missing_file", "public_services", missing_file, "rejected", "file_readable"),
    Case("directory", "public_services", directory, "rejected", "file_readable"),
    Case("newline_in_name", "public_services", newline_in_name, "rejected", "header_found"),
    Case("line_bomb", "document_logs", line_bomb, "rejected", "header_found"),
    Case("unterminated_quote", "public_services", unterminated_quote, "quarantined",
         "record_readable"),
    Case("nul_byte", "document_logs", nul_byte, "quarantined", "record_readable"),
    Case("huge_field", "document_logs", huge_field, "quarantined", "record_readable"),
    Case("count_past_bigint", "public_services", count_past_bigint, "quarantined",
         "count_non_negative_integer"),
    Case("deep_json_line", "document_logs", deep_json_line, "quarantined", "record_readable"),
    Case("deep_first_soc_line", "soc_alerts", deep_first_soc_line, "quarantined",
         "record_readable"),
    Case("stray_future_event", "document_logs", stray_future_event, "quarantined",
         "row_in_partition"),
    Case("other_province_row", "public_services", other_province_row, "quarantined",
         "agency_in_registry"),
]
