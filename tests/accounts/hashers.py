"""A real password hasher that counts how often it hashes, for tests that must prove a path never hashes."""

import threading

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class CountingPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256"
    calls = 0
    _lock = threading.Lock()

    def encode(self, password, salt, iterations=None):
        with type(self)._lock:
            type(self).calls += 1
        return super().encode(password, salt, iterations)
