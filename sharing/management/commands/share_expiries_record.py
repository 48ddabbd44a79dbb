from django.core.management.base import BaseCommand

from sharing.expiry import share_expiries_record


class Command(BaseCommand):
    help = (
        "Record in the history every Cockpit Share that has run out and have the worker record the others when they "
        "do: once after upgrading to a release whose worker records expiries; harmless at any time."
    )

    def handle(self, *args, **options):
        count = share_expiries_record()
        self.stdout.write(f"{count} expired share(s) recorded; the worker records the others when they run out.")
