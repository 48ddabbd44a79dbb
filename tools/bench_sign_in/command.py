"""The sign-in in process: the password step and the second step (an authenticator code), timed per request.

Each sign-in is a person of its own with an authenticator app, because a code counts once per
30-second step (replay protection): N sign-ins need N people. They are made in a company of their
own and removed afterwards. The password step's cost is mostly the password hash (PBKDF2, by
design); the second step should stay below 20 ms at p95 (issue 25).
"""

import gc
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from entities.models import Company, Instance
from tools.bench_access.measure import percentile

PASSWORD = "Bench-Sign-In-2026"


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


class Command(BaseCommand):
    help = "Time the password step and the second step of a sign-in with an authenticator app, in process."

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=200, help="sign-ins to time (each a person of its own)")

    def handle(self, *args, iterations: int, **options):
        instance = Instance.objects.get_or_create(slug="bench-sign-in", defaults={"name": "Sign-in bench"})[0]
        company = Company.objects.get_or_create(instance=instance, name="Sign-in bench AG")[0]
        password_hash = make_password(PASSWORD)  # once: hashing is what the password step measures, not the set-up
        people = []
        with transaction.atomic():
            for number in range(iterations):
                person = User.objects.create(
                    email=f"sign-in-{number}@bench.example",
                    company=company,
                    password=password_hash,
                    otp_required=True,
                    language="en",
                )
                people.append((person, TOTPDevice.objects.create(user=person, name="Authenticator app")))
        host = next((name for name in settings.ALLOWED_HOSTS if name != "*" and not name.startswith(".")), "localhost")
        password_ms, second_ms = [], []
        queries = {"password step": 0, "second step (authenticator)": 0}
        try:
            gc.collect()
            for person, device in people:
                client = Client(REMOTE_ADDR=f"10.{number_octets(person.pk)}", HTTP_HOST=host)
                with CaptureQueriesContext(connection) as password_queries:
                    started = time.perf_counter()
                    answer = client.post(reverse("accounts:login"), {"username": person.email, "password": PASSWORD})
                    password_ms.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 302, answer.status_code
                with CaptureQueriesContext(connection) as second_queries:
                    started = time.perf_counter()
                    answer = client.post(
                        reverse("accounts:second-factor"), {"method": "totp", "code": current_code(device)}
                    )
                    second_ms.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 302 and "second-factor" not in answer["Location"], answer
                queries = {"password step": len(password_queries), "second step (authenticator)": len(second_queries)}
        finally:
            User.objects.filter(company=company).delete()
            company.delete()
            instance.delete()
        self.stdout.write(
            f"{'step':<28} | {'sign-ins':>8} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} | {'queries':>7}"
        )
        for step, samples in (("password step", password_ms), ("second step (authenticator)", second_ms)):
            self.stdout.write(
                f"{step:<28} | {len(samples):>8} | {percentile(samples, 50):>7.2f} | {percentile(samples, 95):>7.2f}"
                f" | {max(samples):>7.2f} | {queries[step]:>7}"
            )


def number_octets(number: int) -> str:
    """A client address of its own per person: the per-IP sign-in limits are not what is timed."""
    return f"{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
