"""The partition a file replaces, decided from its rows when nothing else states it."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from ingestion.partition import decide
from ingestion.registry import sync_registry

LANDING = sql.Identifier("landing", "partition_case")

# Province: one Quảng Ninh department (H49) with five rows against two Hà Giang
# departments (H22) with three: rows decide, not agencies. Month: two events written in
# UTC late on 30 April are 1 May in Vietnam, so May has three events to April's two (in
# UTC April would win); the year-9999 events, three, do not vote.
EVENTS = [
    ("000.00.04.H49", "2025-04-10 08:00+07"),
    ("000.00.04.H49", "2025-04-12 08:00+07"),
    ("000.00.04.H49", "2025-04-30 17:30+00"),
    ("000.00.04.H49", "2025-04-30 20:00+00"),
    ("000.00.04.H49", "2025-05-02 08:00+07"),
    ("000.00.04.H22", "9999-01-01 08:00+07"),
    ("000.00.05.H22", "9999-01-02 08:00+07"),
    ("000.00.05.H22", "9999-01-03 08:00+07"),
]


def test_month_and_province_come_from_most_rows_in_vietnam_time(warehouse_url):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        sync_registry(conn)
        for code in ("000.00.04.H22", "000.00.05.H22"):
            conn.execute("insert into meta.agencies (agency_code, name_vi, name_ascii, level, "
                         "province_code, valid_from) values (%s, 'Sở khác', 'So khac', "
                         "'department', '000.00.00.H22', '2008-01-01')", (code,))
        conn.execute(sql.SQL("create table {} (agency_code text, received_at timestamptz)")
                     .format(LANDING))
        with conn.cursor().copy(sql.SQL("copy {} from stdin").format(LANDING)) as copy:
            for row in EVENTS:
                copy.write_row(row)
        part = decide(conn, LANDING, Path("nhat_ky_van_ban.csv"), None, "received_at")
    assert (part.province, part.period, part.basis) == (
        "000.00.00.H49", "2025-05", "month of most events")
