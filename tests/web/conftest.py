"""A small enriched seed marketplace shared by the web tests, and a real server on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import gigsight


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "seed.duckdb"
    gigsight.simulate(str(path), "seed-q3", scale=0.01, validate=False)
    gigsight.enrich(str(path))
    gigsight.refresh(str(path))  # as `gigsight enrich` leaves it: the API answers from the kept facts
    return path


def serve(db: Path) -> Iterator[str]:
    """``gigsight serve``'s app for ``db`` under uvicorn in a thread; yields its base URL until closed."""
    import uvicorn

    from gigsight.web.app import create_app

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start in 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def server(web_db: Path) -> Iterator[str]:
    """The shared seed store's server; yields its base URL."""
    yield from serve(web_db)
