from datetime import date

from ingestion.registry import active, code_for_name, load_registry, resolve

ICT = "000.00.20.H49"  # Sở Thông tin và Truyền thông, merged into Sở KH&CN on 1/3/2025
SCIENCE = "000.00.08.H49"
HA_LONG = "000.00.31.H49"  # a city, district level, abolished on 1/7/2025


def test_codes_are_unique_per_version_and_successors_exist():
    codes = [(a.agency_code, a.valid_from) for a in load_registry()]
    assert len(codes) == len(set(codes))
    known = {a.agency_code for a in load_registry()}
    assert all(a.successor_code in known for a in load_registry() if a.successor_code)


def test_departments_before_and_after_the_march_2025_merger():
    assert len(active("department", date(2025, 3, 1))) == 14
    assert len(active("department", date(2024, 12, 1))) == 20
    assert len(active("district", date(2025, 6, 1))) == 13
    assert active("district", date(2025, 7, 1)) == []
    communes = active("commune", date(2025, 7, 1))
    # Scheme 373/ĐA-CP as enacted in June 2025: 30 wards, 22 communes and 2 special zones.
    kinds = [a.name_vi.split()[4] for a in communes]
    assert (kinds.count("phường"), kinds.count("xã"), kinds.count("đặc")) == (30, 22, 2)
    assert active("commune", date(2025, 6, 30)) == []


def test_a_merged_department_resolves_to_its_successor_for_later_periods():
    assert resolve(ICT, date(2024, 12, 1)) == ICT
    assert resolve(ICT, date(2025, 3, 1)) == SCIENCE
    assert resolve(HA_LONG, date(2025, 6, 30)) == HA_LONG
    assert resolve(HA_LONG, date(2025, 7, 1)) is None  # no single successor
    assert resolve("000.00.99.H49", date(2025, 3, 1)) is None


def test_names_resolve_with_or_without_diacritics():
    assert code_for_name("Sở Tư pháp") == "000.00.04.H49"
    assert code_for_name("SO TU PHAP") == "000.00.04.H49"
    assert code_for_name("Sở Thông tin và Truyền thông", date(2024, 5, 1)) == ICT
    assert code_for_name("Sở Thông tin và Truyền thông", date(2025, 5, 1)) is None
    # The new Hạ Long ward is not the abolished city of the same name.
    ward = code_for_name("Uy ban nhan dan phuong Ha Long", date(2025, 8, 1))
    assert ward is not None and ward.startswith("000.01.")
