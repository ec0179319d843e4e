"""A test-only app that adds a payment purpose from its ``AppConfig.ready()``, touching nothing in payments.

Installed by ``chefu/settings/test.py`` only: it is the proof that a purpose is a plug-in (issue 14).
"""
