"""A test-only app that adds a service kind from its ``AppConfig.ready()``, touching neither catalog nor bookings.

Installed by ``chefu/settings/test.py`` only: it is the proof that a kind is a plug-in (issue 3, item 2).
"""
