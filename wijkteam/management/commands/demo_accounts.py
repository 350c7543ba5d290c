from typing import Any

from django.core.management.base import BaseCommand

from organisations.models import Role, User
from wijkteam.seeding import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo accounts and their password."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Demo accounts (password '{DEMO_PASSWORD}'):")
        for user in User.objects.filter(username__startswith="demo-").order_by("username"):
            self.stdout.write(f"  {user.username:<22} {Role(user.role).label}")
