"""Write the payment sandbox's two RSA key pairs (merchant and platform) where settings.PAYMENT_SANDBOX says."""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payments.providers import signing
from payments.providers.sandbox import KEY_ROLES, key_paths


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 600 from the first byte, replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp creates with mode 600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = (
        "Generate the payment sandbox's key pairs (the merchant's, and the platform's that stands for Alipay's) "
        "as PEM files in PAYMENT_KEYS_DIR."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--if-missing", action="store_true", help="Only write the pairs that are missing; keep existing keys."
        )
        mode.add_argument("--force", action="store_true", help="Replace existing keys.")

    def handle(self, *args, if_missing, force, **options):
        keys_dir = Path(settings.PAYMENT_KEYS_DIR)
        keys_dir.mkdir(parents=True, exist_ok=True)
        keys_dir.chmod(0o700)
        paths = key_paths()
        for role in KEY_ROLES:
            private_path, public_path = paths[role]
            present = private_path.exists() and public_path.exists()
            if present and if_missing:
                self.stdout.write(f"Sandbox {role} key pair present in {private_path.parent}.")
                continue
            if (private_path.exists() or public_path.exists()) and not (force or if_missing):
                raise CommandError(
                    f"{private_path} or {public_path} exists; use --force to replace (notifications signed with "
                    "the old keys stop verifying) or --if-missing to keep it."
                )
            private_pem, public_pem = signing.generate_key_pair()
            # Both files with mode 600: the public one is no secret, but one rule for the directory is simpler.
            _write_private(private_path, private_pem)
            _write_private(public_path, public_pem)
            self.stdout.write(self.style.SUCCESS(f"Wrote the sandbox {role} key pair: {private_path}, {public_path}."))
