"""A text export decoded in blocks: read line by line, or many plain lines at once.

The careful reading of a CSV export (``text_lines``) passes one physical line at a
time through Python, which costs several times PostgreSQL's COPY of the same rows.
Most lines of an export are plain: no NUL, no carriage return other than the one
ending the line, none near the length limits. A block of plain lines is split into
cells in C at once: at the commas when no line holds a quote, else by ``csv.reader``
(``text_lines``), which gives back the lines from the first whose quote runs on past
its end. Every other line is read as ``readline`` of a file opened with
``newline=''`` reads it, from the same decoded text.

The decoding is done here, in blocks, so a byte the encoding cannot read is
reported on the line that holds it.
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO

from ingestion.sources.base import ReportFormatError

BLOCK_BYTES = 1 << 16
_LINE_END = re.compile(r"[\r\n]")
_LONE_CR = re.compile("\r(?!\n)")


def _line_ends(text: str) -> int:
    """Line ends in text: "\\r\\n", "\\r" and "\\n" each end one line."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _split_lines(block: str) -> list[str]:
    """The lines of text ending in "\\n" or "\\r\\n" (no lone "\\r"), without their ends."""
    if "\r" not in block:
        return block.split("\n")
    if block.count("\r") == block.count("\n"):  # every line ends in "\r\n"
        return block.split("\r\n")
    return block.replace("\r\n", "\n").split("\n")


class DecodedText:
    """The decoded text of a binary file, consumed from the front."""

    def __init__(self, raw: BinaryIO, encoding: str):
        self.raw, self.encoding = raw, encoding
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.text, self.pos = "", 0
        self.block_start, self.quoted = 0, False  # of the last block of plain lines
        self.ended = False
        self.bytes_read = 0

    def _fill(self) -> bool:
        """Append the next decoded block to the buffer; False once the file has ended."""
        if self.ended:
            return False
        data = self.raw.read(BLOCK_BYTES)
        try:
            chunk = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            # exc.object is the bytes held back from the last block, then this block.
            offset = self.bytes_read - (len(exc.object) - len(data)) + exc.start
            raise ReportFormatError(
                f"line {self._line_at(offset)} is not valid {self.encoding} "
                f"(byte {exc.object[exc.start:exc.start + 1]!r})", "encoding") from None
        self.bytes_read += len(data)
        self.ended = not data
        self.text, self.pos = self.text[self.pos:] + chunk, 0
        return True

    def _line_at(self, offset: int) -> int:
        """The line that holds the byte at ``offset``: the file read again up to it
        (a file with such a byte is refused, so this runs once)."""
        self.raw.seek(0)
        decoder = codecs.getincrementaldecoder(self.encoding)("replace")
        ends, last = 0, ""
        while offset > 0:
            data = self.raw.read(min(offset, BLOCK_BYTES))
            if not data:
                break
            offset -= len(data)
            text = last + decoder.decode(data)
            # A "\r" at the end may be the first half of a "\r\n": kept for the next.
            text, last = (text[:-1], "\r") if text.endswith("\r") else (text, "")
            ends += _line_ends(text)
        return ends + bool(last) + 1

    def readline(self, limit: int) -> str:
        """The next line with its line end, at most ``limit`` characters; "" at the end."""
        while True:
            found = _LINE_END.search(self.text, self.pos)
            if found is not None:
                end = found.end()
                if found.group() == "\r":
                    if end == len(self.text) and self._fill():
                        continue  # the "\n" of a "\r\n" may come in the next block
                    if end < len(self.text) and self.text[end] == "\n":
                        end += 1
                break
            if len(self.text) - self.pos > limit or not self._fill():
                end = len(self.text)
                break
        end = min(end, self.pos + limit)
        line = self.text[self.pos:end]
        self.pos = end
        return line

    def _first_not_plain(self, end: int) -> int:
        """Where, before ``end``, the first character that makes a line not plain is
        (-1 if none): a NUL (the careful reading marks it), a carriage return not
        before "\\n"."""
        text, pos = self.text, self.pos
        nul = text.find("\x00", pos, end)
        until = end if nul < 0 else nul + 1  # with the character after, for a "\r\n"
        if text.count("\r", pos, until) != text.count("\r\n", pos, until):
            lone = _LONE_CR.search(text, pos, until)
            if lone is not None:
                return lone.start()
        return nul

    def plain_lines(self, longest: int) -> list[str] | None:
        """The plain lines from here on, without their line ends, each at most
        ``longest`` characters: up to the first line that is not plain or the end of
        the buffered text. None when the next line is not plain; [] at the end."""
        while True:
            if self.pos == len(self.text):
                if not self._fill():
                    return []
                continue
            cut = self.text.rfind("\n", self.pos) + 1
            if cut:
                break
            if len(self.text) - self.pos > longest:
                return None
            if not self._fill():  # the last line, without a line end
                cut = len(self.text)
                break
        bad = self._first_not_plain(cut)
        if bad >= 0:
            cut = self.text.rfind("\n", self.pos, bad) + 1
            if not cut:
                return None
        block = self.text[self.pos:cut]
        self.block_start, self.quoted = self.pos, '"' in block
        lines = _split_lines(block)
        if block.endswith("\n"):
            lines.pop()
        if max(map(len, lines)) > longest:
            lines = lines[:next(i for i, line in enumerate(lines) if len(line) > longest)]
            if not lines:
                return None
            self.give_back(len(lines))
            return lines
        self.pos = cut
        return lines

    def give_back(self, kept: int) -> None:
        """Of the last block of plain lines keep the first ``kept`` (each ends in a
        line break): the next read starts at the line after them."""
        cut = self.block_start
        for _ in range(kept):
            cut = self.text.index("\n", cut) + 1
        self.pos = cut
