from django.core.management.base import BaseCommand

from users.inactivity import inactive_people_record


class Command(BaseCommand):
    help = (
        "Warn and switch off the inactive people of every cockpit whose inactivity policy is on, as the worker does "
        "each morning: after restoring a database or a long outage of the worker; harmless at any time (nobody is "
        "warned twice, nobody is switched off sooner than a week after their warning)."
    )

    def handle(self, *args, **options):
        counts = inactive_people_record()
        self.stdout.write(f"{counts['warned']} person(s) warned, {counts['ended']} switched off for inactivity.")
