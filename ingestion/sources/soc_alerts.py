"""SOC alerts from Suricata EVE, Wazuh alerts.json and a SOC portal CSV, in one schema.

The three readers fill the canonical columns through soc_alerts.yaml; this module
adds what no single field holds: which system the alert came from, its severity on
one scale, an id where the system gives none (Suricata), the status where the system
has none (a fresh alert is open), and the agency, from the asset map.
"""

from __future__ import annotations

import fnmatch
import hashlib
import ipaddress
from collections.abc import Iterator
from functools import cache, partial
from pathlib import Path

import yaml

from ingestion import CONFIG_DIR
from ingestion.limits import limits as current_limits
from ingestion.source_config import SourceConfig
from ingestion.sources.base import Extract, LineTally
from ingestion.sources.json_records import parse_json_line, read_json_records
from ingestion.sources.tabular import read_tabular
from ingestion.sources.text_lines import json_lines
from ingestion.text import fold, remembered


@cache
def _asset_map() -> tuple[list[tuple[ipaddress.IPv4Network, str]], list[tuple[str, str]]]:
    doc = yaml.safe_load((CONFIG_DIR / "asset_map.yaml").read_text(encoding="utf-8"))
    nets, hosts = [], []
    for code, spec in doc["agencies"].items():
        nets += [(ipaddress.ip_network(c), code) for c in spec.get("cidrs", [])]
        hosts += [(h.lower(), code) for h in spec.get("hosts", [])]
    return nets, hosts


def agency_for_asset(*candidates: str | None) -> str | None:
    """Agency owning the first candidate (host name or IP) the asset map knows."""
    for value in candidates:
        if value:
            code = _agency_of(value)
            if code is not None:
                return code
    return None


def _agency_match(value: str) -> str | None:
    nets, hosts = _asset_map()
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        name = value.lower()
        return next((code for pattern, code in hosts if fnmatch.fnmatch(name, pattern)), None)
    return next((code for net, code in nets if ip in net), None)


# A million alerts name a few thousand assets and addresses: each is matched against
# the map once (the match was ~60% of reading a Wazuh export).
_agency_of = remembered(_agency_match, 1 << 16)


def severity(system: str, raw: str | None, maps: dict) -> str | None:
    if raw is None:
        return None
    if system == "suricata":
        return maps["suricata"].get(raw.strip())
    if system == "wazuh":
        try:
            level = int(raw)
        except ValueError:
            return None
        return next((name for lo, hi, name in maps["wazuh_bands"] if lo <= level <= hi), None)
    key = fold(raw)
    return next((name for name, aliases in maps["soc_portal"].items()
                 if key == name or key in {fold(a) for a in aliases}), None)


def detect_system(path: Path, lines_to_try: int = 100) -> str:
    """Which system wrote the file, from its first readable JSON record."""
    if path.suffix.lower() == ".csv":
        return "soc_portal"
    limits = current_limits()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for n, line in json_lines(fh, limits, "UTF-8", LineTally()):
            if n > lines_to_try:
                break
            if not line or not line.strip():
                continue
            first, error = parse_json_line(line, limits)
            if error is not None:
                continue
            if isinstance(first, dict) and "event_type" in first:
                return "suricata"
            if isinstance(first, dict) and "rule" in first:
                return "wazuh"
            break
    return "soc_portal"


def read_soc_alerts(path: Path, config: SourceConfig) -> Extract:
    system = detect_system(path)
    if system == "soc_portal":
        extract = read_tabular(path, config)
    else:
        keep = {"event_type": "alert"} if system == "suricata" else None
        extract = read_json_records(path, config, keep=keep, keep_reason="not_an_alert")
    extract.stream = system
    cols = {name: i for i, name in enumerate(extract.columns)}
    # A few hundred distinct raw severities at most: each graded once.
    grade = remembered(partial(severity, system, maps=config.extra["severity_maps"]), 4096)
    inner = extract.rows

    def derived() -> Iterator[tuple[int, list[str | None]]]:
        for n, values in inner:
            if values[cols["_parse_error"]] is not None:
                yield n, values
                continue
            get = values.__getitem__
            values[cols["source_system"]] = get(cols["source_system"]) or system
            raw = get(cols["severity_raw"])
            values[cols["severity"]] = None if raw is None else grade(raw)
            if not get(cols["alert_id"]):
                key = "|".join(str(get(cols[c])) for c in
                               ("detected_at", "src_ip", "dest_ip", "signature"))
                values[cols["alert_id"]] = f"{system}-{hashlib.sha1(key.encode()).hexdigest()[:16]}"
            if not get(cols["status"]):
                values[cols["status"]] = "open"
            if not get(cols["agency_code"]):
                values[cols["agency_code"]] = agency_for_asset(
                    get(cols["asset"]), get(cols["dest_ip"]), get(cols["src_ip"]))
            yield n, values

    extract.rows = derived()
    return extract
