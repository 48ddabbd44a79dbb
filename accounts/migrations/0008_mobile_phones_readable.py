"""Stored numbers the phonenumbers library cannot read would block every later save of their user.

The old check took any "+" and 7 to 15 digits. Numbers it cannot read are cleared
where no SMS sign-in depends on them; those with an SMS device are kept (an operator
corrects them in the admin, where the save names the field) and listed here.
"""

from django.db import migrations


def readable_numbers(apps, schema_editor):
    from django.core.exceptions import ValidationError

    from accounts.phone import normalize_phone, validate_phone

    User = apps.get_model("accounts", "User")
    SMSDevice = apps.get_model("accounts", "SMSDevice")
    kept = []
    for user in User.objects.exclude(mobile_phone="").only("pk", "email", "mobile_phone"):
        number = normalize_phone(user.mobile_phone)
        try:
            validate_phone(number)
        except ValidationError:
            if SMSDevice.objects.filter(user_id=user.pk).exists():
                kept.append(user.email)
                continue
            number = ""
        if number != user.mobile_phone:
            User.objects.filter(pk=user.pk).update(mobile_phone=number)
    if kept:
        print(f"\n  Mobile numbers to correct in the admin (SMS sign-in uses them): {', '.join(kept)}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_phone_numbers_as_typed"),
    ]

    operations = [migrations.RunPython(readable_numbers, migrations.RunPython.noop)]
