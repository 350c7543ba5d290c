import io
import random
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.seed import DEMO_TOTP_SECRETS
from accounts.totp import key_to_base32
from organisations.models import User

# The seed drops and rebuilds indexes: it runs as the database owner, as `make seed` does.
pytestmark = [pytest.mark.django_db, pytest.mark.database_owner]

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def seeded() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--scale", "demo", stdout=out)
    return out.getvalue()


def test_every_demo_account_gets_an_app_with_its_documented_key(seeded: str) -> None:
    demo_users = User.objects.filter(username__startswith="demo-")
    keys = {
        device.user.username: key_to_base32(device.key)
        for device in TOTPDevice.objects.filter(user__in=demo_users, confirmed=True).select_related("user")
    }
    assert keys == DEMO_TOTP_SECRETS
    assert set(keys) == set(demo_users.values_list("username", flat=True))


def test_reseeding_leaves_one_app_per_demo_account(seeded: str) -> None:
    call_command("seed_demo", "--scale", "demo", "--reset", stdout=io.StringIO())
    assert TOTPDevice.objects.count() == len(DEMO_TOTP_SECRETS)


def test_the_readme_lists_the_same_keys() -> None:
    table = dict(re.findall(r"^\| `(demo-[a-z-]+)` \| [^|]+\| `([A-Z2-7]{32})` \|", README.read_text(), re.MULTILINE))
    assert table == DEMO_TOTP_SECRETS


def test_other_seeded_professionals_link_an_app_at_their_first_login(seeded: str) -> None:
    others = User.objects.exclude(username__startswith="demo-")
    assert others.exists()
    assert not TOTPDevice.objects.filter(user__in=others).exists()


def test_demo_accounts_prints_each_key(seeded: str) -> None:
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    for username, secret in DEMO_TOTP_SECRETS.items():
        assert re.search(rf"{username}\s.*TOTP key {secret}", out.getvalue()), username


def test_a_demo_key_gives_codes_that_log_in(seeded: str, client: Client) -> None:
    import base64

    from django.urls import reverse

    from common.seeding import DEMO_PASSWORD

    client.post(reverse("login"), {"username": "demo-lead", "password": DEMO_PASSWORD})
    code = f"{totp(base64.b32decode(DEMO_TOTP_SECRETS['demo-lead'])):06d}"
    response = client.post(reverse("login_verify"), {"token": code})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_demo_apps_go_in_with_one_insert(django_assert_num_queries) -> None:
    from accounts.seed import seed
    from common.seeding import SCALES, SeedContext
    from tests.organisations.factories import UserFactory

    users = {username: UserFactory(username=username) for username in DEMO_TOTP_SECRETS}
    ctx = SeedContext(scale=SCALES["demo"], rng=random.Random(0), stdout=io.StringIO(), shared={"demo_users": users})
    with django_assert_num_queries(1):
        seed(ctx)
