"""The role catalogue in German: name, usage and access right of every role of 0002, by role code.

Swiss German (no ß, «» quotes) in gender-neutral forms, as the rest of the product. Frozen
here like 0002: later wording changes happen in the Django admin, where operators edit
both languages. Going back leaves the German empty, so English is read again.
"""

from django.db import migrations

# code: (name, usage, access right)
GERMAN = {
    "admin": ("Admin", "Entwicklung soobr", "Voller Zugriff"),
    "superuser-extended": (
        "Superuser erweitert",
        "Fachliche Nutzung bei soobr mit Zugriff auf Alpha-Funktionen",
        "Sieht alle geschäftsrelevanten Einstellungen",
    ),
    "superuser": ("Superuser", "Fachliche Nutzung bei soobr", "Sieht alle geschäftsrelevanten Einstellungen"),
    "projectmanager-extended": (
        "Projektleitung erweitert",
        "Erfahrene Fachperson auf Kundenseite",
        "Für erfahrene Fachpersonen von soobr. Normalerweise nicht nötig.",
    ),
    "projectmanager": (
        "Projektleitung",
        "Superuser auf Kundenseite",
        "Kann alle Daten der Wirtschaftseinheit bearbeiten und die Funktionen Dokumentenverwaltung, "
        "Materialbestellung, Qualitätskontrolle und Auftragsverwaltung aktivieren. Kann Benutzende anlegen und "
        "löschen.",
    ),
    "provider-project-manager": (
        "Projektleitung Dienstleisterseite",
        "Tourenverantwortung inkl. Leistungskennzahlen",
        "Kann in den Einstellungen der Flächenarten nur die Leistungskennzahlen bearbeiten, aber keine "
        "Reinigungskategorien oder Leistungsarten aktivieren oder deaktivieren. Kann alle Einstellungen der "
        "Tourenplanung vornehmen. Kann Benutzende anlegen und löschen.",
    ),
    "owner-project-manager": (
        "Projektleitung Eigentümerseite",
        "Gebäudeverwaltung ohne Leistungskennzahlen",
        "Kann fast alle Einstellungen des Reinigungsprozesses vornehmen, ausser den Leistungskennzahlen. Kann in "
        "der Tourenplanung keine Einstellungen oder Änderungen vornehmen.",
    ),
    "team-leader": ("Teamleitung", "Teamleitung auf Kundenseite", "Kann einige Daten bearbeiten"),
    "manager": ("Management", "Nur lesender Zugriff", "Sieht alle Funktionen, ohne etwas ändern zu können"),
    "customer-expanded": (
        "Kundschaft erweitert",
        "Endkundschaft",
        "Endkundschaft mit Zugriff einschliesslich Kalkulation",
    ),
    "customer-all-without-calculations": (
        "Kundschaft alles ohne Kalkulation",
        "Endkundschaft",
        "Voller Zugriff (nur lesen), aber ohne Kalkulation",
    ),
    "customer": ("Kundschaft", "Endkundschaft", "Endkundschaft mit minimalem Zugriff"),
    "customer-analytics-only": (
        "Kundschaft nur Auswertungen",
        "Endkundschaft",
        "Endkundschaft mit nur eingeschränktem Zugriff auf Auswertungen",
    ),
    "quality-feedback-users": (
        "Qualitätsfeedback",
        "Endkundschaft / Qualitätskontrolle",
        "Kann Feedback zur Qualitätskontrolle geben",
    ),
    "customer-tour-activities-and-qc": (
        "Kundschaft Touraktivitäten und Qualitätskontrolle",
        "Endkundschaft",
        "Sieht nur die Reiter «Touraktivitäten» und «Qualitätskontrolle»",
    ),
    "customer-modify-tour-only": (
        "Kundschaft nur Tourenanpassung",
        "Endkundschaft oder Teamleitung",
        "Sieht alles, kann aber nur die Einstellungen bearbeiten, die die Tourenanpassung betreffen, nicht das "
        "Leistungsverzeichnis",
    ),
    "customer-with-iot-access": (
        "Kundschaft mit IoT-Zugriff",
        "Endkundschaft",
        "Sieht zusätzlich zu den Registern der Kundschaft die IoT-Einstellungen",
    ),
    "sales": ("Vertrieb (soobr)", "Vertrieb soobr", "Demozugriff nur auf Wirtschaftseinheiten von soobr"),
    "sales-read-only": (
        "Vertrieb nur lesen (soobr)",
        "Vertrieb soobr",
        "Nur lesender Zugriff für den Vertrieb von soobr, je nach Kundenvertrag",
    ),
    "easy-project-leader": (
        "Projektleitung Easy",
        "Superuser auf Kundenseite, Projektform «Easy»",
        "Kann alle Daten der Wirtschaftseinheit eines Easy-Projekts bearbeiten",
    ),
    "inventory-manager": ("Inventarverwaltung", "CFO soobr", "Kann Tablets verwalten"),
    "tablet-provider": (
        "Tablet-Bereitstellung",
        "Für externe Tablet-Lieferfirmen",
        "Kann dem System nur Tablets hinzufügen",
    ),
    "cad-plan-provider": (
        "CAD-Planlieferung",
        "Für externe Planlieferfirmen",
        "Sieht nur den Plan-Upload für neue Wirtschaftseinheiten",
    ),
}


def add_german(apps, schema_editor):
    Role = apps.get_model("entities", "Role")
    for code, (name, usage, description) in GERMAN.items():
        Role.objects.filter(code=code).update(name_de=name, usage_de=usage, description_de=description)


def remove_german(apps, schema_editor):
    apps.get_model("entities", "Role").objects.filter(code__in=GERMAN).update(
        name_de="", usage_de="", description_de=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("entities", "0007_role_german"),
    ]

    operations = [migrations.RunPython(add_german, remove_german)]
