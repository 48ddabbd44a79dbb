from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from entities.access import explain_access
from entities.models import BusinessEntity


class Command(BaseCommand):
    help = "Explain why a user sees a business entity with a role (or why not)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("entity_id", type=int)

    def handle(self, *args, email, entity_id, **options):
        user = User.objects.select_related("company", "all_entities_role").filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No user with the email address {email!r}.")
        entity = (
            BusinessEntity.objects.select_related("owner", "service_provider", "customer").filter(pk=entity_id).first()
        )
        if entity is None:
            raise CommandError(f"No business entity with the ID {entity_id}.")
        explanation = explain_access(user.access_subject(), entity)
        self.stdout.write(f"{user.email} on {explanation.entity} (#{entity_id})")
        for grant in explanation.grants:
            state = "DECIDES" if grant.decided else ("matches" if grant.applies else "does not apply")
            company = f" {grant.company}" if grant.company else ""
            note = f"  ({grant.note})" if grant.note else ""
            self.stdout.write(f"  {grant.level_label}{company}: {grant.role.label} - {state}{note}")
        if not explanation.grants:
            self.stdout.write("  no grant of this user concerns this entity")
        self.stdout.write(explanation.reason)
        if explanation.visible:
            for label, access in explanation.rights_rows():
                self.stdout.write(f"  {label:<22} {access}")
