"""``manage.py restore --from DIR --into NAME``: a backup into a new database and media folders (chefu.backups), then
``reconcile`` run on the new database (a child process whose DATABASE_URL names it)."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chefu.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder into a new database on the same server and into media folders; then run reconcile "
        "on it (DATABASE_URL naming the new database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", type=Path, required=True, help="The backup folder.")
        parser.add_argument("--into", required=True, help="The database to create (refused when it exists).")
        parser.add_argument("--media-root", type=Path, default=None, help="Default: MEDIA_ROOT.")
        parser.add_argument("--private-media-root", type=Path, default=None, help="Default: PRIVATE_MEDIA_ROOT.")
        parser.add_argument("--replace", action="store_true", help="Drop the database and empty the folders first.")
        parser.add_argument("--no-reconcile", dest="reconcile", action="store_false", help="Skip the reconcile.")

    def handle(self, *args, source, into, media_root, private_media_root, replace, reconcile, **options):
        try:
            manifest = backup_restore(
                source=source,
                into=into,
                media_root=media_root or Path(settings.MEDIA_ROOT),
                private_media_root=private_media_root or Path(settings.PRIVATE_MEDIA_ROOT),
                replace=replace,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored the backup of {manifest['created_at']} into {into}."))
        if reconcile:
            env = {**os.environ, "DATABASE_URL": _url(into), "MEDIA_ROOT": str(media_root or settings.MEDIA_ROOT)}
            done = subprocess.run([sys.executable, "manage.py", "reconcile"], cwd=settings.BASE_DIR, env=env)
            if done.returncode != 0:
                raise CommandError(f"The restored database {into} does not reconcile (see above).")


def _url(name: str) -> str:
    """DATABASE_URL of the database ``name`` on the default database's server, as its user."""
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(str(db["PASSWORD"]), safe="")
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgis://{credentials}@{host}/{quote(name, safe='')}"
