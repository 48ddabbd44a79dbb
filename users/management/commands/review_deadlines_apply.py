from django.core.management.base import BaseCommand

from users.reviews import review_deadlines_apply


class Command(BaseCommand):
    help = (
        "Apply every open access review whose deadline has passed, and have the worker apply the others at their "
        "deadline: after restoring a database or a long outage of the worker; harmless at any time."
    )

    def handle(self, *args, **options):
        count = review_deadlines_apply()
        self.stdout.write(f"{count} access review(s) applied; the worker applies the others at their deadline.")
