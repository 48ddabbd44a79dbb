from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from tools.bench_sign_in.command import Command


@pytest.mark.django_db
def test_bench_sign_in_times_both_steps_and_leaves_no_one_behind(role_catalogue):
    out = StringIO()

    call_command(Command(), "--iterations", "3", stdout=out)

    rows = {line.split("|")[0].strip(): line.split("|")[1].strip() for line in out.getvalue().splitlines()[1:]}
    assert rows == {"password step": "3", "second step (authenticator)": "3"}
    assert not User.objects.filter(email__endswith="@bench.example").exists()
