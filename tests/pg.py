"""A throwaway PostgreSQL cluster with PostGIS for the tests: Debian's ``initdb`` and
``pg_ctl`` run as the ``postgres`` user (the server refuses root), the data folder and the
unix socket in a temporary folder, the server on a free local port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

BIN = Path("/usr/lib/postgresql/15/bin")
"""Debian's PostgreSQL 15 programs (packages ``postgresql`` and ``postgis``)."""
DATABASE = "regie_test"


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its folder, port and the URL of its test database."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        """The test database, over TCP on localhost."""
        return f"postgresql://postgres@localhost:{self.port}/{DATABASE}"

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        self.stop_server()
        shutil.rmtree(self.folder, ignore_errors=True)

    def stop_server(self) -> None:
        """Stop the server (every connection to it is lost), keeping its data."""
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop")

    def start_server(self) -> None:
        """Start the server again on the same port (after :meth:`stop_server`)."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=localhost -c fsync=off"
        data, log = str(self.folder / "data"), str(self.folder / "log")
        _as_postgres(str(BIN / "pg_ctl"), "-D", data, "-o", options, "-l", log, "-w", "start")

    def restart(self) -> None:
        """Restart the server: the connections made before are lost, the data is kept."""
        self.stop_server()
        self.start_server()


def available() -> str | None:
    """Why no cluster can be started here (None when one can)."""
    if not (BIN / "initdb").exists():
        return f"PostgreSQL 15 is not installed ({BIN} is missing)"
    if shutil.which("runuser") is None:
        return "runuser is missing"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return int(sock.getsockname()[1])


def _as_postgres(*args: str) -> None:
    as_root = os.geteuid() == 0
    command = ["runuser", "-u", "postgres", "--", *args] if as_root else list(args)
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def start(folder: Path) -> Cluster:
    """Create a cluster in ``folder`` (a fresh folder in /tmp, handed to ``postgres``; its
    parents must be open to it), start it on a free
    port with trust authentication on localhost, and create the test database with PostGIS."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    _as_postgres(
        str(BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"
    )
    cluster = Cluster(folder, _free_port())
    cluster.start_server()
    port = cluster.port
    _as_postgres(str(BIN / "createdb"), "-h", "localhost", "-p", str(port), DATABASE)
    _as_postgres(
        str(BIN / "psql"),
        "-h",
        "localhost",
        "-p",
        str(port),
        "-d",
        DATABASE,
        "-c",
        "CREATE EXTENSION postgis",
    )
    return cluster


def c_order(value: Any) -> tuple[bool, bytes]:
    """A text's place in PostgreSQL's "C" collation, as a sort key: its UTF-8 bytes, a missing
    value (None, NaN, ``pd.NA``) last, as ``ORDER BY`` puts NULL."""
    missing = bool(pd.isna(value))
    return missing, b"" if missing else str(value).encode()
