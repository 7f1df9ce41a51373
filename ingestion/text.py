"""Text helpers for Vietnamese exports: folding headers and reading numbers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# 1.234.567 (dot thousands) or a plain run of digits, optionally negative.
_VN_INT = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+)$")


def strip_diacritics(text: str) -> str:
    """'Sở Tư pháp' -> 'So Tu phap'. đ/Đ are letters, not accented d: map them by hand."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


# Texts up to this long are remembered by the readers' caches: any name, address,
# label or time is shorter, and a hostile file's megabyte cells cannot fill the memory.
SHORT = 256


class _Remembered(dict):
    """Answers by text; a text not seen yet is worked out by ``__missing__``."""

    def __init__(self, work: Callable[[str], object], maxsize: int):
        super().__init__()
        self.work, self.maxsize = work, maxsize

    def __missing__(self, text: str) -> object:
        value = self.work(text)
        if len(text) <= SHORT:
            if len(self) >= self.maxsize:  # past it the memory starts afresh
                self.clear()
            self[text] = value
        return value


def remembered(work: Callable[[str], T], maxsize: int) -> Callable[[str], T]:
    """``work`` with its answers for up to ``maxsize`` short texts remembered; a longer
    text is worked out each time. A remembered answer costs one dictionary look-up in
    C (the dictionary's own ``__getitem__``; a Python wrapper around ``lru_cache`` cost
    a Wazuh alert ~2 us more)."""
    return _Remembered(work, maxsize).__getitem__


def _fold(text: str) -> str:
    return _NON_WORD.sub(" ", strip_diacritics(text).lower()).strip()


# A comparison key for headers and labels: ascii, lower case, single spaces.
fold = remembered(_fold, 65536)


_VN_DECIMAL = re.compile(r"^\d+([.,]\d+)?$")


def normalise_decimal(value: str) -> str:
    """'8,5' -> '8.5' (Vietnamese decimal comma). Anything else is returned stripped, so
    validation can report it as received."""
    v = value.strip().replace("\u00a0", "").replace(" ", "")
    if _VN_DECIMAL.match(v):
        return v.replace(",", ".")
    return value.strip()


def normalise_count(value: str) -> str:
    """'1.234' -> '1234'. Anything not a Vietnamese-formatted integer is returned
    stripped but otherwise untouched, so validation can report it as received."""
    v = value.strip().replace("\u00a0", "").replace(" ", "")
    if _VN_INT.match(v):
        return v.replace(".", "")
    return value.strip()


# Windows-1258 has the Vietnamese base letters (â ê ô ă ơ ư đ) precomposed but the
# tone marks only as combining characters.
_CP1258_BASE_MARKS = {"\u0302", "\u0306", "\u031b"}


def to_cp1258_form(text: str) -> str:
    """Text in the decomposed form Windows-1258 can encode ('ự' -> 'ư' + dot below)."""
    out: list[str] = []
    tones: list[str] = []  # combining marks waiting behind the current base letter
    for ch in unicodedata.normalize("NFD", text):
        if ch in _CP1258_BASE_MARKS and out:
            out[-1] = unicodedata.normalize("NFC", out[-1] + ch)
        elif unicodedata.combining(ch):
            tones.append(ch)
        else:
            out[-1:] = [out[-1] + "".join(tones)] if out else []
            tones = []
            out.append(ch)
    if out:
        out[-1] += "".join(tones)
    return "".join(out)


VIETNAM = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has no daylight saving


class Invalid(str):
    """A value a normaliser could not read, kept as received; the reader notes it in
    the row's _invalid_values, so validation needs no regular expression per row."""

    __slots__ = ()


_VN_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_VN_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


@lru_cache(maxsize=16384)
def _vn_date(text: str) -> str | None:
    """'08/03/2025' -> '2025-03-08'; None unless a real date in that form."""
    m = _VN_DATE.fullmatch(text)
    if not m:
        return None
    d, mo, y = m.groups()
    try:
        date(int(y), int(mo), int(d))
        return f"{y}-{int(mo):02d}-{int(d):02d}"
    except ValueError:
        return None


@lru_cache(maxsize=131072)
def _vn_clock(text: str) -> str | None:
    """'8:35' -> '08:35:00'; None unless a real time of day in that form."""
    m = _VN_CLOCK.fullmatch(text)
    if not m or int(m[1]) > 23 or int(m[2]) > 59 or int(m[3] or 0) > 59:
        return None
    return f"{int(m[1]):02d}:{m[2]}:{m[3] or '00'}"


def normalise_timestamp(value: str) -> str:
    """'08/03/2025 08:35' or any ISO 8601 form -> '2025-03-08 08:35:00+07:00'.

    A time without an offset is Vietnam time. Text that is not a real date-time
    (31/02/2025, 'hôm qua') is returned as it came, marked Invalid."""
    v = value.strip()
    if not v:
        return v
    # Vietnamese d/m/yyyy[ H:MM[:SS]] through caches: a million events share a few
    # thousand days and at most 86,400 times of day. The date part holds no ' ' or 'T'.
    cut = v.find(" ")
    if cut < 0:
        cut = v.find("T")
    day = _vn_date(v if cut < 0 else v[:cut])
    if day is not None:
        clock = "00:00:00" if cut < 0 else _vn_clock(v[cut + 1:])
        if clock is not None:
            return f"{day} {clock}+07:00"
    try:  # ISO 8601; a d/m/yyyy that is not a real date-time fails here too
        t = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return Invalid(v)
    if t.tzinfo is None:
        t = t.replace(tzinfo=VIETNAM)
    return t.isoformat(sep=" ")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def printable(text: object) -> str:
    """Text safe for one output line: control, format and line-separator characters
    escaped ('a\\nb'), so a file name or a value from a file cannot forge a line."""
    s = str(text)
    if s.isprintable():
        return s
    return "".join(ch if ch.isprintable() or ch == " " else
                   ch.encode("unicode_escape").decode("ascii") for ch in s)


MONTH_PATTERN = r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])"  # YYYY-MM, as periods are written


def is_month(text: object) -> bool:
    return isinstance(text, str) and re.fullmatch(MONTH_PATTERN, text) is not None


def vietnam_month(value: object) -> str | None:
    """The Vietnam-time month (YYYY-MM) of a timestamp as exports write it, or None
    when it is not one: a record without a readable time goes to no month file."""
    if not isinstance(value, str):
        return None
    text = normalise_timestamp(value)
    if not text or isinstance(text, Invalid):
        return None
    return vietnam_month_of(datetime.fromisoformat(text))


def vietnam_month_of(instant: datetime) -> str:
    """The month (YYYY-MM) an aware instant falls in, in Vietnam time."""
    return f"{instant.astimezone(VIETNAM):%Y-%m}"
