import pytest

from ingestion.text import fold, normalise_count, strip_diacritics


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
