"""What every bench script shares: its own database, Django set up on it, timing, percentiles, printing.

A bench database is created from DATABASE_URL's server and labelled with the dataset it holds, so that ``--keep``
can reuse one built with the same parameters. The scripts run as ``python bench/x.py``; durations are measured in
seconds and reported in milliseconds.
"""

import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


# --- Database and Django ------------------------------------------------------------------------------


def bench_database_url(name: str) -> str:
    """DATABASE_URL (environment first, then .env, as the settings read it) pointing at the database ``name``."""
    import environ

    environ.Env.read_env(ROOT / ".env", overwrite=False)
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("DATABASE_URL is not set (environment or .env)")
    parts = urlsplit(url)
    if parts.path.lstrip("/") == name:
        return url
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connect(url: str, dbname: str):
    import environ
    import psycopg2

    cfg = environ.Env.db_url_config(url)
    conn = psycopg2.connect(
        dbname=dbname,
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
    )
    conn.autocommit = True
    return conn


def prepare_database(url: str, *, name: str, label: str, keep: bool) -> bool:
    """Create database ``name`` (or with ``keep`` reuse it when it holds ``label``); True when it can be reused."""
    conn = admin_connect(url, "postgres")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
            row = cur.fetchone()
            if keep and row and row[0] == label:
                return True
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    return False


def mark_dataset(url: str, *, name: str, label: str) -> None:
    """Label database ``name`` as holding ``label`` (once its data is complete)."""
    conn = admin_connect(url, "postgres")
    try:
        with conn.cursor() as cur:
            cur.execute(f"COMMENT ON DATABASE \"{name}\" IS '{label}'")
    finally:
        conn.close()


def setup_django(url: str, *, name: str, env: dict[str, str] | None = None, quiet: bool = False) -> None:
    """Django on database ``name`` of ``url``, DEBUG off (its query log costs every query time production does not
    pay), ``env`` set first; exits unless Django really points at ``name``. ``quiet`` keeps the kombu memory
    broker's missing host, Django's log of every 4xx a case means to get and whitenoise's uncollected static files
    out of the output (errors are still logged)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "chefu.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ.update(env or {})
    import django

    django.setup()
    from django.db import connection

    if connection.settings_dict["NAME"] != name:
        sys.exit(f"refusing to run: Django is configured for {connection.settings_dict['NAME']!r}")
    if quiet:
        import logging
        import warnings

        logging.getLogger("kombu.connection").setLevel(logging.ERROR)
        logging.getLogger("django.request").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")


def migrate(name: str) -> None:
    from django.core.management import call_command

    with step(f"migrating {name}"):
        call_command("migrate", verbosity=0)


# --- Measuring ----------------------------------------------------------------------------------------


@contextmanager
def step(label: str) -> Iterator[None]:
    print(f"{label} ...", end=" ", flush=True)
    t0 = time.perf_counter()
    yield
    print(f"{time.perf_counter() - t0:.1f} s", flush=True)


def timed(fn: Callable[..., object], *args: object) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - t0, result


def rank(xs: list, p: float):
    """Nearest-rank ``p``-th percentile of ``xs``."""
    ordered = sorted(xs)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def pct(xs: list[float], p: float) -> float:
    """Percentile of durations in seconds, in milliseconds."""
    return rank(xs, p) * 1000


def describe(xs: list[float]) -> str:
    return (
        f"p50={pct(xs, 50):.2f} p90={pct(xs, 90):.2f} p99={pct(xs, 99):.2f} "
        f"mean={statistics.fmean(xs) * 1000:.2f} max={max(xs) * 1000:.2f} ms (n={len(xs)})"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# --- Printing -----------------------------------------------------------------------------------------


def load_average() -> str:
    """Other processes on the machine shift the numbers; say how busy it was."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def every_case(cases: dict[str, Callable], ctx) -> list[str]:
    """The summaries of every case of ``cases`` but ``all``, each under its name."""
    lines = []
    for name, case in cases.items():
        if name != "all":
            lines += [f"-- {name}", *case(ctx)]
    return lines


def print_summary(case: str, lines: list[str], *, started: float) -> None:
    print(f"\n=== {case} ===")
    for line in lines:
        print(line)
    print(f"(total {time.perf_counter() - started:.0f} s; load average {load_average()})")
