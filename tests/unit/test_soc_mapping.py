import pytest

from ingestion.source_config import load_source_config
from ingestion.sources.soc_alerts import agency_for_asset, severity

MAPS = load_source_config("soc_alerts").extra["severity_maps"]


@pytest.mark.parametrize(("level", "band"), [("0", "low"), ("4", "low"), ("5", "medium"),
                                             ("7", "medium"), ("8", "high"), ("11", "high"),
                                             ("12", "critical"), ("15", "critical"),
                                             ("16", None), ("x", None)])
def test_wazuh_level_bands(level, band):
    assert severity("wazuh", level, MAPS) == band


@pytest.mark.parametrize(("raw", "band"), [("1", "high"), ("2", "medium"), ("3", "low"),
                                           ("9", None)])
def test_suricata_priorities(raw, band):
    assert severity("suricata", raw, MAPS) == band


def test_portal_levels_with_or_without_diacritics():
    assert severity("soc_portal", "Nghiêm trọng", MAPS) == "critical"
    assert severity("soc_portal", "nghiem trong", MAPS) == "critical"
    assert severity("soc_portal", "Trung bình", MAPS) == "medium"


def test_assets_map_by_cidr_then_host_pattern():
    assert agency_for_asset("10.49.7.20") == "000.00.07.H49"
    assert agency_for_asset("web.stp.quangninh.gov.vn") == "000.00.04.H49"
    assert agency_for_asset("SYT-db01") == "000.00.10.H49"
    assert agency_for_asset(None, "unknown-host", "10.49.3.9") == "000.00.03.H49"
    assert agency_for_asset("172.16.0.1", "nobody") is None
