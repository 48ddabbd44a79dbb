import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tools.bench_people.command import Command


@pytest.mark.django_db
def test_bench_people_asks_for_the_bench_data_set_first():
    with pytest.raises(CommandError, match="seed it first"):
        call_command(Command(), "--iterations", "1")
