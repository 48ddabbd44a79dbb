"""Test settings: the production settings with fast hashing, in-memory email, the fake SMS gateway, tasks at once."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("SMS_GATEWAY", "outbox.sms.FakeGateway")
# A test process is the only one serving its test database: its own memory may hold sessions and counters.
os.environ.setdefault("SINGLE_PROCESS", "1")

from cockpit.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_GATEWAY = "outbox.sms.FakeGateway"
# Messages are sent at once, when the change commits; the queue's own tests use the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SECURE_SSL_REDIRECT = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Plan files of tests (seed_demo's demo plan among them) never land in the checkout's var/plans.
STORAGES["plans"] = {"BACKEND": "django.core.files.storage.InMemoryStorage"}  # noqa: F405
