"""Real exports mangled at random places, for the readers' property tests: cells quoted
over several lines, cells replaced by the values the plain-line checks are about, and
quotes, line breaks, NULs and separators put in or taken out."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import strategies as st

from tests import hostile


def write(data: bytes, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="dti-prop-"))
    path = folder / f"export_2025-04{suffix}"
    path.write_bytes(data)
    return path


def _base(source: str) -> bytes:
    folder = Path(tempfile.mkdtemp(prefix="dti-base-"))
    path = (hostile.report(folder) if source == "public_services"
            else hostile.document_log(folder, per_agency=2))
    return path.read_bytes()


BASES = {s: _base(s) for s in ("public_services", "document_logs")}
NASTY = ['"', "\n", "\r", ",", "\x00", '""', "\r\n", ";", "\ufeff", "Đ", "\t", "9" * 30]

EDITS = st.lists(st.tuples(st.floats(0, 1), st.sampled_from(NASTY), st.booleans()),
                 max_size=8)
CELLS = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 20),
                           st.text(alphabet="ab\n\r,\"", max_size=12)), max_size=4)
# Values the plain lines' checks are about: blanks, state secrets, unreadable times.
# (Column 0 opens a row; 11 is the log's secrecy mark. A few fixed places put two
# edits in one block.)
PLAIN = st.lists(st.tuples(st.sampled_from([0.5, 0.55, 0.6]) | st.floats(0, 1),
                           st.sampled_from([0, 11]) | st.integers(0, 20),
                           st.sampled_from(
    ["", " ", "\u00a0", "Mật", "TỐI MẬT", "31/02/2025 10:00", "hôm qua", "x", "a\\b",
     "a\tb"])), max_size=12)


def _set_cell(text: str, where: float, column: int, value: str) -> str:
    """Replace one cell of one line (the line at ``where`` of the text) by ``value``."""
    lines = text.split("\r\n")
    i = int(where * (len(lines) - 1))
    cells = lines[i].split(",")
    cells[column % len(cells)] = value
    lines[i] = ",".join(cells)
    return "\r\n".join(lines)


def mangled(source: str, edits, cells, plain=()) -> bytes:
    """The base export of ``source`` with ``plain`` cells set, ``cells`` quoted (which may
    span lines) and ``edits`` (a piece put in or a character taken out) applied."""
    text = BASES[source].decode("utf-8-sig")
    for where, column, value in plain:
        text = _set_cell(text, where, column, value)
    for where, column, value in cells:
        text = _set_cell(text, where, column, '"' + value.replace('"', '""') + '"')
    for where, piece, insert in edits:
        at = int(where * len(text))
        text = text[:at] + piece + text[at:] if insert else text[:at] + text[at + 1:]
    return ("\ufeff" + text).encode("utf-8", "surrogatepass")
