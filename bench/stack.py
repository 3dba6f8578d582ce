"""A private PostgreSQL cluster and Redis for benchmarks that restart or stop them.

The machine's own servers (5432, 6379) serve other people's tests, so a campaign that kills
backends, restarts PostgreSQL or stops Redis runs against servers of its own: `initdb` into a
temp directory as the postgres user with trust auth, `pg_ctl` on port 5433, and
`redis-server` on 6380 without persistence. Both are stopped and deleted on exit.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
RESERVED_PORTS = {5432, 6379}  # the machine's shared servers: never ours to touch


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + args, check=True, capture_output=True, text=True, **kwargs)


class PrivatePostgres:
    """One PostgreSQL cluster in a temp directory: start, stop, restart, terminate backends."""

    def __init__(self, port: int = 5433):
        if port in RESERVED_PORTS:
            raise SystemExit(f"port {port} is the machine's shared server; pick another")
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="parts-pg-"))
        self.data = self.dir / "data"
        shutil.chown(self.dir, "postgres", "postgres") if os.geteuid() == 0 else None
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--no-sync"])
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                       "max_connections = 200\nfsync = off\nfull_page_writes = off\nshared_buffers = 128MB\n")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "start"])

    def stop(self, mode: str = "fast") -> None:
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def restart(self) -> None:
        """An abrupt stop (`immediate`: no checkpoint, crash recovery at start) and a start."""
        self.stop("immediate")
        self.start()

    def terminate_backends(self, database: str) -> int:
        """pg_terminate_backend on every other connection to `database`; how many went."""
        out = _as_postgres([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-tAc",
                            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"])
        return int(out.stdout.strip() or 0)

    def create_database(self, name: str) -> None:
        _as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name])

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """redis-server on its own port, no persistence (as the suggested broker set-up)."""

    def __init__(self, port: int = 6380):
        if port in RESERVED_PORTS:
            raise SystemExit(f"port {port} is the machine's shared server; pick another")
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="parts-redis-"))
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        pidfile = self.dir / "redis.pid"
        pidfile.unlink(missing_ok=True)
        subprocess.run(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--daemonize", "yes", "--dir", str(self.dir),
                        "--pidfile", str(pidfile), "--logfile", str(self.dir / "log")], check=True)
        for _ in range(100):
            if self.ping():
                self.pid = int(pidfile.read_text())
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis on {self.port} did not start")

    def ping(self) -> bool:
        return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                              text=True).stdout.strip() == "PONG"

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        for _ in range(100):
            if not self.ping():
                return
            time.sleep(0.05)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def private_servers(pg_port: int = 5433, redis_port: int = 6380):
    """Both servers up for the length of a block, gone afterwards (also on error)."""
    pg, redis = PrivatePostgres(pg_port), PrivateRedis(redis_port)
    try:
        pg.start()
        redis.start()
        yield pg, redis
    finally:
        redis.remove()
        pg.remove()
