"""Demo data for the login: every demo account gets an authenticator app with a fixed, documented key.

The keys are in the README and printed by `manage.py demo_accounts`, so anyone
trying the demo can add them to an authenticator app (or run
`oathtool --totp -b KEY`). Other seeded professionals get no app: they would
link one at their first login.
"""

from django_otp.plugins.otp_totp.models import TOTPDevice

from common.seeding import SeedContext

from . import totp

# base32, 32 characters = 160 bits; readable on purpose. Demo data only.
DEMO_TOTP_SECRETS = {
    "demo-professional": "WIJKTEAMDEMOPROFESSIONALAAAAAAAA",
    "demo-professional-b": "WIJKTEAMDEMOPROFESSIONALBBBBBBBB",
    "demo-lead": "WIJKTEAMDEMOTEAMLEADAAAAAAAAAAAA",
    "demo-bureau": "WIJKTEAMDEMOPROGRAMMABUREAUAAAAA",
    "demo-auditor": "WIJKTEAMDEMOAUDITORAAAAAAAAAAAAA",
    "demo-privacy": "WIJKTEAMDEMOPRIVACYAAAAAAAAAAAAA",
    "demo-admin": "WIJKTEAMDEMOADMINAAAAAAAAAAAAAAA",
}


def seed(ctx: SeedContext) -> None:
    with ctx.step("demo authenticator apps"):
        users = ctx.shared["demo_users"]
        TOTPDevice.objects.bulk_create(
            TOTPDevice(
                user=users[username],
                name="authenticator",
                key=totp.base32_to_key(secret),
                step=totp.STEP,
                digits=totp.DIGITS,
                tolerance=totp.TOLERANCE,
                confirmed=True,
            )
            for username, secret in DEMO_TOTP_SECRETS.items()
        )
