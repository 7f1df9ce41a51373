from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingestion.text import (
    SHORT,
    Invalid,
    fold,
    normalise_count,
    normalise_timestamp,
    remembered,
    strip_diacritics,
)


def test_strip_diacritics_maps_d_with_stroke():
    assert strip_diacritics("Sở Giáo dục và Đào tạo") == "So Giao duc va Dao tao"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Tiếp nhận trực tuyến", "tiep nhan truc tuyen"),
        ("  TIẾP NHẬN  TRỰC TUYẾN ", "tiep nhan truc tuyen"),
        ("Trong đó: trực tuyến toàn trình", "trong do truc tuyen toan trinh"),
        ("Tiep nhan truc tuyen", "tiep nhan truc tuyen"),
    ],
)
def test_fold_makes_headers_comparable(header, expected):
    assert fold(header) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234", "1234"),
        ("1.234.567", "1234567"),
        ("12", "12"),
        (" 7 ", "7"),
        ("-3", "-3"),
        ("1\u00a0234", "1234"),
        ("1.23", "1.23"),  # not a thousands pattern: left for validation to reject
        ("abc", "abc"),
        ("", ""),
    ],
)
def test_normalise_count(raw, expected):
    assert normalise_count(raw) == expected


@given(year=st.integers(1, 9999), month=st.integers(0, 13), day=st.integers(0, 32),
       hour=st.integers(0, 25), minute=st.integers(0, 61), second=st.one_of(
           st.none(), st.integers(0, 61)), pad=st.booleans(),
       clock=st.sampled_from(["", " ", "T"]))
def test_vietnamese_times_are_read_as_datetime_reads_them(year, month, day, hour, minute,
                                                          second, pad, clock):
    """'d/m/yyyy[ H:MM[:SS]]' is Vietnam time when it is a real date-time, else Invalid,
    whether it comes through the cached common case or the general one."""
    text = (f"{day:02d}/{month:02d}" if pad else f"{day}/{month}") + f"/{year:04d}"
    if clock:
        text += f"{clock}{hour}:{minute:02d}" + (f":{second:02d}" if second is not None else "")
    got = normalise_timestamp(text)
    try:
        when = datetime(year, month, day, *((hour, minute, second or 0) if clock else ()),
                        tzinfo=timezone(timedelta(hours=7)))
    except ValueError:
        assert type(got) is Invalid and got == text
        return
    assert type(got) is str
    assert datetime.fromisoformat(got) == when
    assert got == when.isoformat(sep=" ")


def test_remembered_works_out_a_short_text_once_and_a_long_one_each_time():
    """The readers' caches: a short text's answer is remembered, a hostile file's long
    cells are not (they would fill the memory), and a full cache starts afresh."""
    calls: list[str] = []

    def work(text: str) -> str:
        calls.append(text)
        return text.upper()

    upper = remembered(work, 3)
    long = "x" * (SHORT + 1)
    assert [upper(t) for t in ["a", "a", long, long, "b", "c", "a"]] == [
        "A", "A", long.upper(), long.upper(), "B", "C", "A"]
    assert calls == ["a", long, long, "b", "c"]
    assert upper("d") == "D" and upper("a") == "A"  # "d" filled it: it started afresh
    assert calls[-2:] == ["d", "a"]
