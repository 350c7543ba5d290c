from typing import Any

from django.core.management.base import BaseCommand
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.totp import key_to_base32
from common.seeding import DEMO_PASSWORD
from organisations.models import Role, User


class Command(BaseCommand):
    help = "Print the demo accounts, their password and the key of their authenticator app."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Demo accounts (password '{DEMO_PASSWORD}', then a code from an authenticator app):")
        users = User.objects.filter(username__startswith="demo-").order_by("username")
        keys = {
            device.user_id: key_to_base32(device.key)
            for device in TOTPDevice.objects.filter(user__in=users, confirmed=True).order_by("pk")
        }
        for user in users:
            secret = keys.get(user.pk, "(links an app at first login)")
            self.stdout.write(f"  {user.username:<22} {Role(user.role).label!s:<34} TOTP key {secret}")
        self.stdout.write("Add a key to an authenticator app, or print the current code with: oathtool --totp -b KEY")
