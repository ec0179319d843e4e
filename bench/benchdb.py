"""The benchmarks' own databases: created from DATABASE_URL's server, labelled with the dataset they hold so that
``--keep`` can reuse one built with the same parameters. Shared by the bench scripts (run as ``python bench/x.py``)."""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


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
