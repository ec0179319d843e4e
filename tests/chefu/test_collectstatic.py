"""The static files collect under the storage production and the demo use (hashed names, every reference inside a
CSS or JS file resolved): a vendored file that names a missing one (a source map, an image) breaks `make run`'s
collectstatic, which the tests' plain storage would never notice."""

import pytest
from django.core.management import call_command
from django.test import override_settings

MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.mark.slow  # every file of every app hashed and compressed: about a minute on two shared cores
def test_every_static_file_collects_under_the_manifest_storage(tmp_path):
    with override_settings(STORAGES=MANIFEST, STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)

    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/leaflet-1.9.4/leaflet.js" in manifest and "css/site.css" in manifest
