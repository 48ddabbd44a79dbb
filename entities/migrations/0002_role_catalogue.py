"""Seed the role catalogue of seed 003 and its default capability matrix.

docs/capability-matrix.md explains, role by role, how each row follows from the
seed's words. Section codes, in matrix order:

    MD master_data          CA calculation        CH chat
    FE features             AN analytics          AF alpha_features
    PF performance_figures  TA tour_activities    TB tablets
    CC cleaning_categories  QC quality_control    PU plan_upload
    CP cleaning_process     IOT iot
    RP route_planning       US users
    TM tour_modification

The data is frozen here on purpose: later edits of the catalogue happen in the
Django admin, and a migration must replay the same way forever.
"""

from django.db import migrations

SECTIONS = {
    "MD": "master_data",
    "FE": "features",
    "PF": "performance_figures",
    "CC": "cleaning_categories",
    "CP": "cleaning_process",
    "RP": "route_planning",
    "TM": "tour_modification",
    "CA": "calculation",
    "AN": "analytics",
    "TA": "tour_activities",
    "QC": "quality_control",
    "IOT": "iot",
    "US": "users",
    "CH": "chat",
    "AF": "alpha_features",
    "TB": "tablets",
    "PU": "plan_upload",
}
BUSINESS = "MD FE PF CC CP RP TM CA AN TA QC IOT"
NONE, VIEW, EDIT = 0, 1, 2


def rights(edit: str = "", view: str = "", without: str = "") -> dict[str, int]:
    """Section rights from space-separated codes; `without` removes sections from both."""
    result = dict.fromkeys(view.split(), VIEW)
    result.update(dict.fromkeys(edit.split(), EDIT))
    for code in without.split():
        result.pop(code, None)
    return result


# code, name, usage, access right (seed 003 wording), chat, operator only, special, acts on, rights
# fmt: off
ROLES = [
    ("admin", "Admin", "Soobr development", "All access", False, True, False, "all",
     rights(edit=f"{BUSINESS} US AF TB PU")),
    ("superuser-extended", "Superuser extended", "Soobr business user with alpha feature access",
     "sees all business relevant settings", False, True, False, "all",
     rights(edit=f"{BUSINESS} US AF")),
    ("superuser", "Superuser", "Soobr business user", "sees all business relevant settings",
     False, True, False, "all",
     rights(edit=f"{BUSINESS} US")),
    ("projectmanager-extended", "Projectmanager extended", "Expert user from the customer",
     "For expert user of soobr. Normally not needed.", True, False, False, "all",
     rights(edit=f"{BUSINESS} US CH", view="AF")),
    ("projectmanager", "Projectmanager", "Superuser from the customer",
     "Can edit all business entity data and activate the features document manager, material ordering, "
     "quality control and order management. Can create and delete users.", True, False, False, "all",
     rights(edit=f"{BUSINESS} US CH")),
    ("provider-project-manager", "Provider project manager", "Cleaning tour manager incl. performance figures",
     "Can only edit the performance figures in the settings for the area types, he cannot activate or "
     "deactivate any cleaning categories/performance types. Can make all settings relating to route planning. "
     "Can create and delete users.", True, False, False, "all",
     rights(edit="PF RP TM US CH", view=BUSINESS)),
    ("owner-project-manager", "Owner project manager", "Building manager without performance figures",
     "Can make almost all settings for the cleaning process except the performance figures. Cannot make any "
     "settings/changes in the route planning.", True, False, False, "all",
     rights(edit="MD CC CP QC CH", view=BUSINESS, without="PF")),
    ("team-leader", "Team leader", "Teamleader customer", "Is able to edit some data", True, False, False, "all",
     rights(edit="TM TA QC CH", view=BUSINESS, without="PF CA")),
    ("manager", "Manager", "Readonly user", "Sees all features but with no change possibility",
     False, False, False, "all",
     rights(view=f"{BUSINESS} US")),
    ("customer-expanded", "Customer expanded", "End customer",
     "End customer with access right including calculation", False, False, False, "all",
     rights(view=BUSINESS, without="IOT")),
    ("customer-all-without-calculations", "Customer all without calculations", "End customer",
     "All access (readonly) but no calculation", False, False, False, "all",
     rights(view=BUSINESS, without="IOT CA")),
    ("customer", "Customer", "End customer", "End customer with minimal access right", False, False, False, "all",
     rights(view="MD CC AN TA QC")),
    ("customer-analytics-only", "Customer analytics only", "End customer",
     "End customer with only reduced analytics access", False, False, False, "all",
     rights(view="AN")),
    ("quality-feedback-users", "Quality feedback users", "End customer / Quality control user",
     "Able to give feedback on the quality control", False, False, False, "all",
     rights(edit="QC", view="MD")),
    ("customer-tour-activities-and-qc", "Customer tour activities and QC", "End customer",
     'Sees only the "Tour activities" and "Quality control" tabs', True, False, False, "all",
     rights(edit="CH", view="TA QC")),
    ("customer-modify-tour-only", "Customer modify tour only", "End customer or Teamleader",
     "Sees everything, but can only edit the settings that affect the tour modification and not the bill of "
     "quantities", True, False, False, "all",
     rights(edit="TM CH", view=BUSINESS, without="IOT")),
    ("customer-with-iot-access", "Customer with IoT access", "End customer",
     "Sees, in addition to the customer registers, the IoT settings", True, False, False, "all",
     rights(edit="CH", view="MD CC AN TA QC IOT")),
    ("sales", "Sales (soobr)", "Sales soobr", "Demo access only for soobr economic entities",
     True, True, False, "operator_entities",
     rights(edit=f"{BUSINESS} CH")),
    ("sales-read-only", "Sales read only (soobr)", "Sales soobr",
     "Read only access for soobr Sales depending on the customer contract", False, True, False, "operator_entities",
     rights(view=BUSINESS)),
    ("easy-project-leader", "Easy project leader", 'Superuser customer side project form "easy"',
     "Can edit all business entity data of an Easy project", True, False, False, "easy_entities",
     rights(edit=f"{BUSINESS} CH")),
    ("inventory-manager", "Inventory manager", "Soobr CFO", "Is able to manage tablets", False, False, True, "all",
     rights(edit="TB")),
    ("tablet-provider", "Tablet provider", "For external tablet providers", "Can only add tablets to the system",
     False, False, True, "all",
     rights(edit="TB")),
    ("cad-plan-provider", "CAD plan provider", "For external plan provider",
     "Sees only the plan upload for new economic entities", False, False, True, "all",
     rights(edit="PU")),
]
# fmt: on


def seed_roles(apps, schema_editor):
    Role = apps.get_model("entities", "Role")
    Capability = apps.get_model("entities", "Capability")
    for position, (code, name, usage, description, chat, operator_only, special, scope, matrix) in enumerate(ROLES):
        role, _ = Role.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "usage": usage,
                "description": description,
                "chat_allowed": chat,
                "is_operator_only": operator_only,
                "is_special": special,
                "entity_scope": scope,
                "position": (position + 1) * 10,
            },
        )
        for short, section in SECTIONS.items():
            Capability.objects.update_or_create(
                role=role, section=section, defaults={"access": matrix.get(short, NONE)}
            )


def unseed_roles(apps, schema_editor):
    apps.get_model("entities", "Role").objects.filter(code__in=[row[0] for row in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("entities", "0001_initial")]

    operations = [migrations.RunPython(seed_roles, unseed_roles)]
