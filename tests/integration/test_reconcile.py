"""`dti reconcile` reproduces published results of every methodology, says what it could
not recompute, merges provinces the way 2024 results were published, and flags
differences."""

import pytest

from dti.cli.main import main as dti

pytestmark = pytest.mark.dbt

HEADER = ("province,year,methodology,chinh_quyen_so,kinh_te_so,xa_hoi_so,nhan_thuc_so,"
          "the_che_so,ha_tang_so,nhan_luc_so,an_toan_thong_tin_mang,hd_chinh_quyen_so,"
          "hd_kinh_te_so,hd_xa_hoi_so,published_dti,published_rank")
# Decision 1726 (2020): three pillars, 400/300/300 points.
QUANG_NINH_2020 = "Quảng Ninh,2020,DTI-2020,0.4513,0.3019,0.3955,,,,,,,,,0.3897,"
# Decision 922 (2022): the worked examples of docs/methodology.md §2 (Bắc Kạn's values
# are its points over max points).
DA_NANG_2022 = ("Đà Nẵng,2022,DTI-2022,,,,1.0000,0.9000,0.8253,0.8487,0.7578,0.8575,0.7836,"
                "0.5197,0.8002,1")
BAC_KAN_2022 = ("Bắc Kạn,2022,DTI-2022,,,,0.675,0.40,0.4742,0.5807,0.1704,0.3483,0.4554,"
                "0.1742,0.3941,63")
# Two main indices of eight: never compared on a partial sum.
PARTIAL = "Thừa Thiên - Huế,2022,DTI-2022,,,,0.8,0.7,,,,,,,0.7,"
# 2024 (Decision 405) as published in October 2025, DTI only, under printed names: the
# merged Đà Nẵng is the mean of the former Đà Nẵng and Quảng Nam.
DA_NANG_2024 = "TP. Đà Nẵng,2024,DTI-2025,,,,,,,,,,,,0.8335,"
QUANG_NAM_2024 = "Quảng Nam,2024,DTI-2025,,,,,,,,,,,,0.5803,"


def write(tmp_path, *rows):
    path = tmp_path / "published.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_mixed_file_gets_a_verdict_per_row(warehouse_url, tmp_path, capsys):
    path = write(tmp_path, QUANG_NINH_2020, DA_NANG_2022, BAC_KAN_2022, PARTIAL,
                 DA_NANG_2024, QUANG_NAM_2024)
    assert dti(["reconcile", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    quang_ninh, da_nang, bac_kan, hue, da_nang_2024, quang_nam = lines[1:7]  # every row
    assert quang_ninh.startswith("Quảng Ninh ")
    assert "389.74  0.3897    0.3897  +0.0000" in quang_ninh
    assert "800.18  0.8002    0.8002  +0.0000" in da_nang
    assert "394.13  0.3941    0.3941  +0.0000" in bac_kan
    assert hue.startswith("Thừa Thiên Huế ")  # resolved from "Thừa Thiên - Huế"
    assert hue.endswith("not recomputable (2 of 8 main indices)")
    assert da_nang_2024.startswith("Đà Nẵng ")  # from "TP. Đà Nẵng"
    assert da_nang_2024.endswith("published DTI only") and quang_nam.endswith("DTI only")
    merged = [line for line in lines if line.startswith("2024 DTI-2025")]
    assert merged == [next(line for line in lines if "0.7069" in line)]
    assert "Đà Nẵng" in merged[0] and "Quảng Nam, Đà Nẵng" in merged[0]


def test_a_difference_beyond_the_tolerance_fails(warehouse_url, tmp_path, capsys):
    path = write(tmp_path, DA_NANG_2022.replace("0.8002,1", "0.8116,1"))  # unweighted mean
    assert dti(["reconcile", str(path)]) == 1
    assert "MISMATCH Đà Nẵng 2022: DTI 0.8002 vs published 0.8116" in capsys.readouterr().err
    assert dti(["reconcile", str(path), "--tolerance", "0.02"]) == 0


@pytest.mark.parametrize(("row", "message"), [
    (BAC_KAN_2022.replace("0.4742", "n/a"), "published.csv:3: column ha_tang_so: not a number"),
    ("Atlantis,2022,DTI-2022,,,,,,,,,,,,0.5,", "no province is named 'Atlantis'"),
    (QUANG_NINH_2020.replace("2020,DTI", "2021,DTI"),
     "published.csv:3: DTI-2020 scores assessment years 2020-2020, not 2021"),
    (QUANG_NINH_2020.replace("0.3955,,", "0.3955,0.5,"),
     "published.csv:3: nhan_thuc_so is no main index of DTI-2020"),
    ("Hà Nội,2022,DTI-2099,,,,,,,,,,,,0.5,", "published.csv:3: methodology 'DTI-2099'"),
    ("Hà Nội,2022", "published.csv:3: 2 fields, the header has 16"),
    (",2022,DTI-2022,,,,,,,,,,,,0.5,", "published.csv:3: column province is empty"),
    ("Hà Nội,2022,DTI-2022,,,,,,,,,,,,NaN,", "published.csv:3: column published_dti: not a"),
    ("Hà Nội,2022,DTI-2022,,,,,,,,,,,,0.5,first", "column published_rank: not a rank"),
])
def test_a_bad_row_is_named_with_its_line(warehouse_url, tmp_path, capsys, row, message):
    path = write(tmp_path, DA_NANG_2022, row)
    assert dti(["reconcile", str(path)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfeprovince\n", "published.csv: not UTF-8 text (byte 0 is not)"),
    (None, "published.csv: cannot read it: No such file or directory"),
])
def test_an_unreadable_file_is_one_line(warehouse_url, tmp_path, capsys, content, message):
    path = tmp_path / "published.csv"
    if content is not None:
        path.write_bytes(content)
    assert dti(["reconcile", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1
