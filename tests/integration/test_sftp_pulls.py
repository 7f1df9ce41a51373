"""Pulling an agency's SFTP drop folder, against a real SFTP server on 127.0.0.1."""

from __future__ import annotations

import os
import time
from pathlib import Path

import asyncssh
import psycopg
import pytest

from dti.samples.generate import generate_public_services
from ingestion.inbox import discover, process_file
from ingestion.ledger import file_sha256
from ingestion.pulls import ledger
from ingestion.pulls.connections import Endpoint
from ingestion.pulls.run import PullsFailed, pull_source, settle_source
from tests.sftp_server import SftpServer

SOURCE, CONNECTION = "public_services", "dti_sftp_public_services"
HOUR_AGO = time.time() - 3600


@pytest.fixture
def drop(tmp_path):
    """The server's folder ``exports/`` with three monthly reports uploaded an hour ago."""
    remote = tmp_path / "remote"
    folder = remote / "exports"
    folder.mkdir(parents=True)
    made = generate_public_services(tmp_path / "made", seed=7)
    files = [folder / p.name for p in made[:3]]
    for source, path in zip(made, files, strict=False):
        path.write_bytes(source.read_bytes())
        os.utime(path, (HOUR_AGO, HOUR_AGO))
    server = SftpServer(remote)
    yield server, folder, files, made[3:]
    server.close()


def endpoint(server: SftpServer, **extra) -> Endpoint:
    return Endpoint(CONNECTION, "sftp", "127.0.0.1", server.port, "agency", "s3cret",
                    "exports", {"host_key": server.public_key, "settle_seconds": 60, **extra})


def pull(e: Endpoint, root: Path, month: str | None = None) -> list[Path]:
    outcomes = pull_source(SOURCE, root, month, resolve=lambda c: e if c == CONNECTION else None)
    return [p for o in outcomes for p in o.delivered]


def load_inbox(root: Path) -> list[str]:
    return [process_file(SOURCE, p, root).status for p in discover(SOURCE, root)]


def pulled(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("select remote_path, sha256 from meta.pulled_files "
                            "order by pulled_file_id").fetchall()


def test_first_all_second_nothing_then_the_new_and_a_correction(drop, tmp_path, warehouse_url):
    server, folder, files, later = drop
    (folder / "dvc_upload.csv.part").write_text("still uploading")
    growing = folder / later[0].name  # being written now
    growing.write_bytes(later[0].read_bytes())
    e = endpoint(server, after_load="delete")

    first = pull(e, tmp_path)
    assert sorted(p.name for p in first) == sorted(p.name for p in files)
    # Hashed and in the ledger before it entered the inbox, with the server's bytes.
    assert pulled(warehouse_url) == [(f"exports/{p.name}", file_sha256(p))
                                     for p in sorted(files)]
    assert load_inbox(tmp_path) == ["loaded"] * 3

    assert pull(e, tmp_path) == []  # the growing file and the .part are left alone
    os.utime(growing, (HOUR_AGO, HOUR_AGO))  # the upload finished
    assert [p.name for p in pull(e, tmp_path)] == [growing.name]
    assert load_inbox(tmp_path) == ["loaded"]

    # A corrected report under the same name is taken again and supersedes the first.
    corrected = files[0]
    corrected.write_bytes(corrected.read_bytes().replace(b"\r\n", b"\n"))
    os.utime(corrected, (HOUR_AGO + 60, HOUR_AGO + 60))
    assert [p.name for p in pull(e, tmp_path)] == [corrected.name]
    assert load_inbox(tmp_path) == ["loaded"]
    with psycopg.connect(warehouse_url) as conn:
        statuses = dict(conn.execute("select status, count(*) from meta.batches group by 1"))
    assert statuses == {"loaded": 4, "superseded": 1}

    # After the verified loads the server's copies are removed; the upload stays.
    removed = settle_source(SOURCE, resolve=lambda c: e if c == CONNECTION else None)
    assert sorted(removed) == sorted(f"exports/{p.name}" for p in [*files, growing])
    assert sorted(p.name for p in folder.iterdir()) == ["dvc_upload.csv.part"]
    assert settle_source(SOURCE, resolve=lambda c: e if c == CONNECTION else None) == []


def test_a_pull_killed_midway_loses_nothing_and_doubles_nothing(drop, tmp_path, warehouse_url,
                                                                monkeypatch):
    server, _, files, _ = drop
    e = endpoint(server)
    moves = []
    real_move = ledger._move

    def killed_on_second(staged, target):
        moves.append(staged.name)
        if len(moves) == 2:  # recorded in the ledger, not yet in the inbox
            raise KeyboardInterrupt
        real_move(staged, target)

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(ledger, "_move", killed_on_second)
        pull(e, tmp_path)
    assert len(discover(SOURCE, tmp_path)) == 1
    again = pull(e, tmp_path)
    assert len(again) == 2  # the recorded one moved on, the third one fetched
    assert sorted(p.name for p in discover(SOURCE, tmp_path)) == sorted(p.name for p in files)
    assert len(pulled(warehouse_url)) == 3
    assert load_inbox(tmp_path) == ["loaded"] * 3
    assert pull(e, tmp_path) == []


def test_backfill_of_a_month_takes_that_month_again(drop, tmp_path, warehouse_url):
    server, _, files, _ = drop
    e = endpoint(server)
    pull(e, tmp_path)
    lost = next(p for p in discover(SOURCE, tmp_path) if files[0].stem in p.name)
    lost.unlink()  # lost before it was loaded
    assert load_inbox(tmp_path) == ["loaded"] * 2
    assert pull(e, tmp_path) == []  # a normal run never takes a file twice
    month = files[0].stem[-7:]
    assert [p.name for p in pull(e, tmp_path, month=month)] == [files[0].name]
    assert load_inbox(tmp_path) == ["loaded"]
    # A month the warehouse already has is not taken again by a backfill.
    assert pull(e, tmp_path, month=files[1].stem[-7:]) == []


def test_an_unknown_or_wrong_server_is_refused_in_one_line(drop, tmp_path, warehouse_url):
    server, _, _, _ = drop
    other_key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    cases = {
        "no host key to check 127.0.0.1 against": Endpoint(
            CONNECTION, "sftp", "127.0.0.1", server.port, "agency", "s3cret", "exports", {}),
        "host key is not the one configured": endpoint(server, host_key=other_key),
        "the server refused the credentials": Endpoint(
            CONNECTION, "sftp", "127.0.0.1", server.port, "agency", "wrong", "exports",
            {"host_key": server.public_key}),
        # Refused before anything is taken, not after the loads when it would settle.
        "extra after_load 'burn' is not keep, delete or move:<folder>": endpoint(
            server, after_load="burn"),
    }
    for expected, e in cases.items():
        with pytest.raises(PullsFailed) as failed:
            pull(e, tmp_path)
        (line,) = failed.value.failures
        assert expected in line and "\n" not in line, line
        assert line.count(CONNECTION) == 1, line  # named once, by the failure's prefix
    assert discover(SOURCE, tmp_path) == []
