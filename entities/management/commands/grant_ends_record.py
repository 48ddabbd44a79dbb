from django.core.management.base import BaseCommand

from entities.services import grant_ends_record


class Command(BaseCommand):
    help = (
        "Remove every role whose end date has come, recording each in the history, and have the worker tell of and "
        "remove the others when their time comes: after restoring a database or a long outage of the worker; "
        "harmless at any time."
    )

    def handle(self, *args, **options):
        count = grant_ends_record()
        self.stdout.write(f"{count} ended role(s) removed; the worker removes the others when they end.")
