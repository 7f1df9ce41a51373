"""`dti reconcile` reproduces the published worked examples and flags differences."""

import pytest

from dti.cli.main import main as dti

pytestmark = pytest.mark.dbt

HEADER = ("province,year,methodology,nhan_thuc_so,the_che_so,ha_tang_so,nhan_luc_so,"
          "an_toan_thong_tin_mang,hd_chinh_quyen_so,hd_kinh_te_so,hd_xa_hoi_so,"
          "published_dti,published_rank")
DA_NANG = "Đà Nẵng,2022,DTI-2022,1.0000,0.9000,0.8253,0.8487,0.7578,0.8575,0.7836,0.5197"
# Bắc Kạn 2022, main-index points over their max points.
BAC_KAN = "Bắc Kạn,2022,DTI-2022,0.675,0.40,0.4742,0.5807,0.1704,0.3483,0.4554,0.1742"


def write(tmp_path, *rows):
    path = tmp_path / "published.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_worked_examples_reproduce(warehouse_url, tmp_path, capsys):
    path = write(tmp_path, DA_NANG + ",0.8002,1", BAC_KAN + ",0.3941,63")
    assert dti(["reconcile", str(path)]) == 0
    out = capsys.readouterr().out
    assert "800.18  0.8002    0.8002  +0.0000" in out
    assert "394.13  0.3941    0.3941  +0.0000" in out
    assert "not checked" in out  # two provinces of 63: ranks are shown, not checked


def test_a_difference_beyond_the_tolerance_fails(warehouse_url, tmp_path, capsys):
    path = write(tmp_path, DA_NANG + ",0.8116,1")  # the unweighted mean: wrong
    assert dti(["reconcile", str(path)]) == 1
    assert "MISMATCH Đà Nẵng 2022: DTI 0.8002 vs published 0.8116" in capsys.readouterr().err
    assert dti(["reconcile", str(path), "--tolerance", "0.02"]) == 0


def test_a_malformed_value_names_file_line_and_column(warehouse_url, tmp_path, capsys):
    path = write(tmp_path, DA_NANG + ",0.8002,1", BAC_KAN.replace("0.4742", "n/a") + ",,")
    assert dti(["reconcile", str(path)]) == 2
    assert "published.csv:3: column ha_tang_so: not a number: 'n/a'" in capsys.readouterr().err
