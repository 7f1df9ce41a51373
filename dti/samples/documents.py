"""Sample document-management (e-office) logs, as CSV or JSON Lines.

Rows are generated and written one at a time, so the benchmarks can write millions
without holding them. About 0.5% of documents are state secrets ("Mật"): they are in
the export, as in real e-office systems, and the loader must exclude them.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from dti.samples.clock import vietnam_now
from ingestion.registry import active

CSV_HEADERS = ["Mã văn bản", "Mã cơ quan", "Loại", "Kênh", "Chữ ký số",
               "Xử lý trên môi trường mạng", "Thời gian nhận", "Hạn xử lý",
               "Thời gian hoàn thành", "Người xử lý", "Email người xử lý", "Độ mật"]

_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
_MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Thanh"]
_GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam",
          "Phương", "Quân", "Sơn", "Trang", "Tuấn"]
_CHANNEL = [("Trục liên thông", 0.78), ("Thư điện tử", 0.12), ("Giấy", 0.10)]
_SIGNATURE = [("Chữ ký số chuyên dùng", 0.86), ("Chữ ký số công cộng", 0.06), ("Không", 0.08)]


@dataclass(frozen=True)
class DocumentEvent:
    document_id: str
    agency_code: str
    direction: str  # "Đến" / "Đi" as exported
    channel: str
    signature: str
    electronic: bool
    received_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    handler: str
    handler_email: str
    secret: str  # "" or "Mật"


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def document_events(seed: int, months: list[date], per_agency_month: int = 40
                    ) -> Iterator[DocumentEvent]:
    rng = random.Random(seed)
    serial = 0
    now = vietnam_now()
    for month in months:
        for agency in active("department", month):
            short = agency.agency_code.split(".")[2]
            handlers = [f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
                        for _ in range(4)]
            for _ in range(per_agency_month):
                serial += 1
                direction = "Đến" if rng.random() < 0.6 else "Đi"
                received = datetime(month.year, month.month, rng.randint(1, 28),
                                    rng.randint(7, 17), rng.randint(0, 59))
                due = received + timedelta(days=rng.choice([3, 5, 7, 10, 15]))
                completed = (received + timedelta(hours=rng.randint(2, 24 * 18))
                             if rng.random() < 0.9 else None)
                if completed and completed > now:  # not yet: still open in the export
                    completed = None
                handler = rng.choice(handlers)
                yield DocumentEvent(
                    document_id=f"VB-{month:%Y%m}-{serial:07d}",
                    agency_code=agency.agency_code,
                    direction=direction,
                    channel=_pick(rng, _CHANNEL),
                    signature=_pick(rng, _SIGNATURE) if direction == "Đi" else "Không",
                    electronic=rng.random() < 0.95,
                    received_at=received,
                    due_at=due,
                    completed_at=completed,
                    handler=handler,
                    handler_email=f"cb{short}.{serial % 97}@quangninh.gov.vn",
                    secret="Mật" if rng.random() < 0.005 else "",
                )


def _vn_time(t: datetime | None) -> str:
    return f"{t:%d/%m/%Y %H:%M}" if t else ""


def write_document_csv(path: Path, events: Iterator[DocumentEvent]) -> int:
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(CSV_HEADERS)
        for e in events:
            w.writerow([e.document_id, e.agency_code, e.direction, e.channel, e.signature,
                        "Có" if e.electronic else "Không", _vn_time(e.received_at),
                        _vn_time(e.due_at), _vn_time(e.completed_at), e.handler,
                        e.handler_email, e.secret])
            n += 1
    return n


def write_document_jsonl(path: Path, events: Iterator[DocumentEvent]) -> int:
    """The JSON Lines layout of an e-office API export: ISO times with +07:00."""
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for e in events:
            fh.write(json.dumps({
                "document_id": e.document_id,
                "agency": {"code": e.agency_code},
                "direction": "in" if e.direction == "Đến" else "out",
                "channel": e.channel,
                "signature": {"kind": e.signature},
                "processed_electronically": e.electronic,
                "received_at": e.received_at.isoformat() + "+07:00",
                "due_at": e.due_at.isoformat() + "+07:00" if e.due_at else None,
                "completed_at": e.completed_at.isoformat() + "+07:00" if e.completed_at else None,
                "handler": {"name": e.handler, "email": e.handler_email},
                "security_class": e.secret or None,
            }, ensure_ascii=False) + "\n")
            n += 1
    return n
