"""``manage.py backup [--to DIR]``: the database and the media into one folder (chefu.backups)."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chefu.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format) and the media into a new folder, with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, help="The folder to write (default var/backups/<UTC time>).")

    def handle(self, *args, to: Path | None, **options):
        to = to or Path(settings.BASE_DIR) / "var" / "backups" / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        try:
            manifest = backup_create(to=to)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written: {manifest.parent}"))
