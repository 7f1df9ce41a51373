"""Sample SOC alerts in the three layouts the loader reads: Suricata EVE JSON,
Wazuh alerts.json, and the SOC portal's CSV export."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from dti.samples.clock import vietnam_now
from ingestion.registry import active

PORTAL_HEADERS = ["Mã cảnh báo", "Thời gian phát hiện", "Mức độ", "Loại", "Mô tả", "Tài sản",
                  "Mã đơn vị", "IP nguồn", "IP đích", "Trạng thái", "Thời gian tiếp nhận",
                  "Thời gian xử lý xong"]

_SIGNATURES = [
    ("ET SCAN Suspicious inbound to MSSQL port 1433", "Attempted Information Leak", 2),
    ("ET EXPLOIT Apache log4j RCE Attempt (CVE-2021-44228)",
     "Attempted Administrator Privilege Gain", 1),
    ("ET WEB_SERVER SQL Injection Attempt", "Web Application Attack", 1),
    ("ET POLICY Outdated Windows Update Agent", "Potential Corporate Privacy Violation", 3),
    ("ET MALWARE Possible Phishing Landing Page", "Potentially Bad Traffic", 2),
]
_WAZUH_RULES = [
    ("5710", "sshd: Attempt to login using a non-existent user", 5, ["sshd", "invalid_login"]),
    ("5712", "sshd: brute force trying to get access to the system", 10, ["sshd", "brute_force"]),
    ("31103", "SQL injection attempt.", 7, ["web", "attack", "sql_injection"]),
    ("550", "Integrity checksum changed.", 7, ["ossec", "syscheck"]),
    ("87105", "Multiple Windows logon failures.", 12, ["windows", "authentication_failures"]),
]
_PORTAL_LEVELS = ["Thấp", "Trung bình", "Cao", "Nghiêm trọng"]


@dataclass(frozen=True)
class Asset:
    agency_code: str
    ip: str
    host: str


# An asset no map knows: an alert on it must be quarantined, not guessed.
UNKNOWN_ASSET = Asset("", "10.250.0.7", "unknown-host")


class Written(NamedTuple):
    alerts: int
    defects: int


class _AssetPicker:
    """Picks the asset of each alert; a ``defect_rate`` share gets UNKNOWN_ASSET."""

    def __init__(self, seed: int, defect_rate: float) -> None:
        self.hosts, self.rate = assets(), defect_rate
        self.defect_rng = random.Random(seed * 31 + 1)
        self.defects = 0

    def __call__(self, rng: random.Random) -> Asset:
        asset = rng.choice(self.hosts)
        if self.rate and self.defect_rng.random() < self.rate:
            self.defects += 1
            return UNKNOWN_ASSET
        return asset


def assets() -> list[Asset]:
    out = []
    for a in active("department", date(2025, 7, 1)):
        n = int(a.agency_code.split(".")[2])
        out.append(Asset(a.agency_code, f"10.49.{n}.{10 + n}", f"srv{n:02d}"))
    return out


def _times(rng: random.Random, month: date, count: int) -> Iterator[datetime]:
    for _ in range(count):
        yield datetime(month.year, month.month, rng.randint(1, 28), rng.randint(0, 23),
                       rng.randint(0, 59), rng.randint(0, 59))


def write_suricata_eve(path: Path, seed: int, month: date, count: int = 60,
        defect_rate: float = 0.0) -> Written:
    """EVE JSON lines: mostly alerts, with the flow and dns events a sensor also logs."""
    rng = random.Random(seed)
    pick = _AssetPicker(seed, defect_rate)
    with path.open("w", encoding="utf-8") as fh:
        for i, t in enumerate(_times(rng, month, count)):
            asset = pick(rng)
            sig, cat, sev = rng.choice(_SIGNATURES)
            base = {"timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+0700",
                    "flow_id": rng.randint(10**15, 10**16), "in_iface": "eth1",
                    "src_ip": f"203.0.113.{rng.randint(1, 254)}",
                    "src_port": rng.randint(1024, 65535),
                    "dest_ip": asset.ip, "dest_port": rng.choice([80, 443, 1433, 22]),
                    "proto": "TCP"}
            if i % 5 == 4:
                fh.write(json.dumps({**base, "event_type": "flow"}) + "\n")
            fh.write(json.dumps({**base, "event_type": "alert", "alert": {
                "action": "allowed", "gid": 1, "signature_id": 2000000 + i, "rev": 1,
                "signature": sig, "category": cat, "severity": sev}}) + "\n")
    return Written(count, pick.defects)


def write_wazuh_alerts(path: Path, seed: int, month: date, count: int = 40,
        defect_rate: float = 0.0) -> Written:
    rng = random.Random(seed)
    pick = _AssetPicker(seed, defect_rate)
    with path.open("w", encoding="utf-8") as fh:
        for i, t in enumerate(_times(rng, month, count)):
            asset = pick(rng)
            rule_id, desc, level, groups = rng.choice(_WAZUH_RULES)
            fh.write(json.dumps({
                "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randint(0, 999):03d}+0700",
                "rule": {"level": level, "description": desc, "id": rule_id, "groups": groups},
                "agent": {"id": f"{i % 50:03d}", "name": asset.host + ".stp.quangninh.gov.vn"
                          if asset.agency_code.endswith("04.H49") else asset.host,
                          "ip": asset.ip},
                "manager": {"name": "wazuh-manager"},
                "id": f"{int(t.timestamp())}.{rng.randint(1000, 999999)}",
                "data": {"srcip": f"198.51.100.{rng.randint(1, 254)}"},
                "location": "/var/log/auth.log",
            }) + "\n")
    return Written(count, pick.defects)


def write_portal_csv(path: Path, seed: int, month: date, count: int = 30,
        defect_rate: float = 0.0) -> Written:
    """The SOC portal's export: Vietnamese headers, dd/mm/yyyy times, a status workflow."""
    rng = random.Random(seed)
    pick = _AssetPicker(seed, defect_rate)
    now = vietnam_now()
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(["TRUNG TÂM GIÁM SÁT, ĐIỀU HÀNH AN TOÀN THÔNG TIN TỈNH QUẢNG NINH"])
        w.writerow(["DANH SÁCH CẢNH BÁO AN TOÀN THÔNG TIN"])
        w.writerow(PORTAL_HEADERS)
        for i, t in enumerate(_times(rng, month, count), start=1):
            asset = pick(rng)
            sig, cat, _ = rng.choice(_SIGNATURES)
            status = rng.choice(["Mới", "Đang xử lý", "Đã xử lý", "Đã xử lý", "Cảnh báo sai"])
            ack = t + timedelta(minutes=rng.randint(5, 240)) if status != "Mới" else None
            done = (ack + timedelta(hours=rng.randint(1, 72))
                    if ack and status in ("Đã xử lý", "Cảnh báo sai") else None)
            # What has not happened yet is not in the export: the alert is still open.
            if done and done > now:
                done, status = None, "Đang xử lý"
            if ack and ack > now:
                ack, status = None, "Mới"
            w.writerow([f"SOC-{month:%Y%m}-{i:05d}", f"{t:%d/%m/%Y %H:%M:%S}",
                        rng.choice(_PORTAL_LEVELS), cat, sig, asset.host, asset.agency_code,
                        f"192.0.2.{rng.randint(1, 254)}", asset.ip, status,
                        f"{ack:%d/%m/%Y %H:%M:%S}" if ack else "",
                        f"{done:%d/%m/%Y %H:%M:%S}" if done else ""])
    return Written(count, pick.defects)
