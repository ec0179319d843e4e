"""make backup / make restore (chefu.backups): a backup restored into a fresh database and fresh media folders holds
the same rows and files, and reconciles."""

import datetime as dt
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from bookings import services
from bookings.models import Booking, Photo
from bookings.photos import photo_add
from chefu.backups import MANIFEST, backup_check
from payments.models import Payment
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.bookings.floor_fixtures import image_bytes, staff_of
from tests.factories import UserFactory, VehicleFactory
from tests.payments.paying import pay

pytestmark = pytest.mark.django_db(transaction=True)


def _count(database: str, table_where: str) -> int:
    """Rows of ``table_where`` (a table and its WHERE) in another database of the test server."""
    db = settings.DATABASES["default"]
    other = psycopg2.connect(
        dbname=database, host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"]
    )
    try:
        with other.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table_where}")
            return cursor.fetchone()[0]
    finally:
        other.close()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "live-media"


@pytest.fixture
def restored_name():
    name = f"{settings.DATABASES['default']['NAME']}_restored"
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _paid_booking_with_a_photo() -> tuple[Booking, Photo]:
    store = make_shop()
    owner = UserFactory(roles=["owner"])
    booking = book(owner, store, local(tomorrow(), 10), vehicle=VehicleFactory(owner=owner))
    pay(booking)
    tech = staff_of(store)
    services.booking_check_in(booking_id=booking.pk, by=tech, now=booking.start - dt.timedelta(minutes=30))
    upload = SimpleUploadedFile("before.png", image_bytes(color="gray"), content_type="image/png")
    return booking, photo_add(booking_id=booking.pk, by=tech, upload=upload)


def test_a_backup_restores_into_a_fresh_database_that_reconciles(tmp_path, restored_name, capfd):
    booking, photo = _paid_booking_with_a_photo()
    photo_bytes = Path(settings.PRIVATE_MEDIA_ROOT, photo.image.name).read_bytes()

    call_command("backup", to=tmp_path / "backup")
    call_command(
        "restore",
        source=tmp_path / "backup",
        into=restored_name,
        media_root=tmp_path / "media",
        private_media_root=tmp_path / "private-media",
    )

    # then the restored database has the booking and its payment, reconciled (the command ran reconcile on it)
    assert "The books reconcile." in capfd.readouterr().out
    assert _count(restored_name, f"bookings_booking WHERE id = {booking.pk}") == 1
    assert _count(restored_name, "payments_payment") == Payment.objects.count() == 1
    # and the photo is there, byte for byte
    assert (tmp_path / "private-media" / photo.image.name).read_bytes() == photo_bytes


def test_a_damaged_backup_is_refused_before_anything_is_created(tmp_path, restored_name):
    _paid_booking_with_a_photo()
    call_command("backup", to=tmp_path / "backup")
    with (tmp_path / "backup" / "database.dump").open("r+b") as dump:
        dump.seek(100)
        dump.write(b"\x00\x01\x02")

    with pytest.raises(CommandError, match="not the file the backup wrote"):
        call_command("restore", source=tmp_path / "backup", into=restored_name, media_root=tmp_path / "m",
                     private_media_root=tmp_path / "p")  # fmt: skip

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [restored_name])
        assert cursor.fetchone()[0] == 0
    assert not (tmp_path / "m").exists()


def test_restoring_over_the_live_database_or_an_existing_one_is_refused(tmp_path, restored_name):
    call_command("backup", to=tmp_path / "backup")
    with pytest.raises(CommandError, match="the database this process uses"):
        call_command("restore", source=tmp_path / "backup", into=settings.DATABASES["default"]["NAME"],
                     media_root=tmp_path / "m", private_media_root=tmp_path / "p", reconcile=False)  # fmt: skip
    call_command("restore", source=tmp_path / "backup", into=restored_name, media_root=tmp_path / "m",
                 private_media_root=tmp_path / "p", reconcile=False)  # fmt: skip
    with pytest.raises(CommandError, match="createdb failed"):
        call_command("restore", source=tmp_path / "backup", into=restored_name, media_root=tmp_path / "m2",
                     private_media_root=tmp_path / "p2", reconcile=False)  # fmt: skip
    assert backup_check(tmp_path / "backup")["files"]["database.dump"]["bytes"] > 0
    assert (tmp_path / "backup" / MANIFEST).is_file()
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", to=tmp_path / "backup")
