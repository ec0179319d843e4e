"""Backups: the database as ``pg_dump`` custom format and the media (public and private) as one tar, with a manifest
that lets a restore check what it reads; and the restore into a fresh database and media folders.

A backup folder holds ``database.dump``, ``media.tar.gz`` (``media/…`` and ``private-media/…``) and
``manifest.json`` (when, from which database, each file's size and SHA-256, the last migration of each app). The
dump is taken in one snapshot (``pg_dump`` runs in a repeatable-read transaction), so it is consistent whatever runs
meanwhile; media written while the tar is made may or may not be in it (files are only ever added under new names).
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

DUMP = "database.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"
# Top-level folder in the tar for each media root.
MEDIA_ROOTS = {"media": "MEDIA_ROOT", "private-media": "PRIVATE_MEDIA_ROOT"}


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


@dataclass(frozen=True)
class Connection:
    """How ``pg_dump``/``pg_restore``/``createdb`` reach a database: the arguments and the environment."""

    name: str
    args: list[str]
    env: dict[str, str]

    @classmethod
    def of(cls, database: dict, name: str | None = None) -> "Connection":
        args = []
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if database.get(key):
                args += [option, str(database[key])]
        env = {**os.environ}
        if database.get("PASSWORD"):
            env["PGPASSWORD"] = str(database["PASSWORD"])
        return cls(name=name or database["NAME"], args=args, env=env)


def _run(command: list[str], conn: Connection) -> None:
    done = subprocess.run(command, env=conn.env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _last_migrations() -> dict[str, str]:
    rows = MigrationRecorder.Migration.objects.order_by("app", "applied", "id").values_list("app", "name")
    return dict(rows)  # the last applied per app wins


def backup_create(*, to: Path, database: str = "default") -> Path:
    """Write a backup of ``database`` and the media roots into the folder ``to`` (made; it must not exist or be
    empty). Returns the manifest's path."""
    to = Path(to)
    if to.exists() and any(to.iterdir()):
        raise BackupError(f"{to} is not empty.")
    to.mkdir(parents=True, exist_ok=True)
    conn = Connection.of(settings.DATABASES[database])
    _run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *conn.args, f"--file={to / DUMP}", conn.name],
        conn,
    )
    with tarfile.open(to / MEDIA, "w:gz") as tar:
        for folder, setting in MEDIA_ROOTS.items():
            root = Path(getattr(settings, setting))
            if root.is_dir():
                tar.add(root, arcname=folder)
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": conn.name,
        "postgres": connection.cursor().connection.server_version,
        "files": {name: {"bytes": (to / name).stat().st_size, "sha256": _sha256(to / name)} for name in (DUMP, MEDIA)},
        "migrations": _last_migrations(),
    }
    (to / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return to / MANIFEST


def backup_check(folder: Path) -> dict:
    """The backup's manifest, once each file's size and SHA-256 match it (BackupError otherwise)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {exc}") from exc
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != expected["bytes"] or _sha256(path) != expected["sha256"]:
            raise BackupError(f"{path} is missing or not the file the backup wrote.")
    return manifest


def backup_restore(
    *, source: Path, into: str, media_root: Path, private_media_root: Path, replace: bool = False
) -> dict:
    """Restore the backup in ``source`` into a new database ``into`` (on the default database's server) and the two
    media folders. An existing database or non-empty folder is refused unless ``replace``; then they are dropped and
    emptied first. Returns the manifest."""
    manifest = backup_check(source)
    conn = Connection.of(settings.DATABASES["default"], name=into)
    if into == settings.DATABASES["default"]["NAME"] and not replace:
        raise BackupError(f"{into} is the database this process uses: name another one, or pass replace.")
    targets = {"media": Path(media_root), "private-media": Path(private_media_root)}
    for path in targets.values():
        if path.exists() and any(path.iterdir()) and not replace:
            raise BackupError(f"{path} is not empty.")
    if replace:
        _run(["dropdb", "--if-exists", *conn.args, into], conn)
        for path in targets.values():
            shutil.rmtree(path, ignore_errors=True)
    _run(["createdb", "--template=template0", "--encoding=UTF8", *conn.args, into], conn)
    _run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--jobs=2", *conn.args, f"--dbname={into}",
         str(Path(source) / DUMP)],
        conn,
    )  # fmt: skip
    with tarfile.open(Path(source) / MEDIA, "r:gz") as tar:
        for member in tar.getmembers():
            top, _, rest = member.name.partition("/")
            if top not in targets or not (member.isfile() or member.isdir()):
                continue
            member.name = rest or "."
            tar.extract(member, targets[top], filter="data")
    return manifest
