import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from time_machine import TimeMachineFixture

from accounts.services import PENDING_KEY, AlreadyEnrolled, totp_enrol
from accounts.totp import key_to_base32, new_key
from tests.accounts.conftest import post_password
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_user(client: Client, personas: Personas) -> Client:
    """The team-A professional at their first login: password given, no app linked yet."""
    assert post_password(client, "prof-a")["Location"] == reverse("login_enrol")
    return client


def shown_secret(html: str) -> str:
    match = re.search(r'<code class="totp-secret" translate="no">([A-Z2-7 ]+)</code>', html)
    assert match, "the key should be shown as text"
    return match.group(1).replace(" ", "")


def code_from(secret: str) -> str:
    return f"{totp(base64.b32decode(secret)):06d}"


def test_enrolment_shows_the_qr_code_inline_and_the_key_as_text(new_user: Client) -> None:
    html = new_user.get(reverse("login_enrol")).content.decode()
    svg = re.search(r"<svg [^>]*>.*?</svg>", html, re.DOTALL)
    assert svg, "the QR code should be inline SVG"
    assert 'role="img"' in svg.group(0) and 'aria-label="QR-code om te scannen' in svg.group(0)
    assert "<img" not in html and "style=" not in svg.group(0) and "<script" not in svg.group(0)
    assert len(shown_secret(html)) == 32
    assert TOTPDevice.objects.count() == 0, "nothing is saved before a code confirms the app"


def test_the_key_stays_the_same_until_the_app_is_linked(new_user: Client) -> None:
    first = shown_secret(new_user.get(reverse("login_enrol")).content.decode())
    second = shown_secret(new_user.get(reverse("login_enrol")).content.decode())
    assert first == second


def test_a_wrong_code_is_explained_next_to_the_field_and_saves_nothing(new_user: Client) -> None:
    secret = shown_secret(new_user.get(reverse("login_enrol")).content.decode())
    wrong = f"{(int(code_from(secret)) + 1) % 1_000_000:06d}"

    response = new_user.post(reverse("login_enrol"), {"token": wrong})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_token_error"' in html and 'id="id_token_helptext"' in html
    described_by = html.split('name="token"', 1)[1].split('aria-describedby="', 1)[1].split('"', 1)[0].split()
    assert set(described_by) == {"id_token_error", "id_token_helptext"}
    assert "Deze code klopt niet" in html
    assert shown_secret(html) == secret
    assert TOTPDevice.objects.count() == 0
    assert new_user.get(reverse("home")).status_code == 302


def test_the_right_code_links_the_app_and_completes_the_login(new_user: Client, personas: Personas) -> None:
    secret = shown_secret(new_user.get(reverse("login_enrol")).content.decode())

    response = new_user.post(reverse("login_enrol"), {"token": code_from(secret)})

    assert response.status_code == 302 and response["Location"] == reverse("home")
    device = TOTPDevice.objects.get(user=personas.professional)
    assert device.confirmed and key_to_base32(device.key) == secret
    assert PENDING_KEY not in new_user.session
    assert new_user.get(reverse("cases:caseload")).status_code == 200


def test_the_code_used_to_link_the_app_cannot_log_in_again(
    new_user: Client, personas: Personas, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to("2026-03-02 09:00:05+00:00", tick=False)
    secret = shown_secret(new_user.get(reverse("login_enrol")).content.decode())
    code = code_from(secret)
    new_user.post(reverse("login_enrol"), {"token": code})

    other = Client()
    post_password(other, "prof-a")
    assert other.post(reverse("login_verify"), {"token": code}).status_code == 200


def test_a_user_with_an_app_cannot_link_another_to_skip_the_code(client: Client, personas: Personas) -> None:
    TOTPDevice.objects.create(user=personas.professional, name="app", confirmed=True)
    post_password(client, "prof-a")
    assert client.get(reverse("login_enrol"))["Location"] == reverse("login_verify")

    key = new_key()
    with pytest.raises(AlreadyEnrolled):
        totp_enrol(user=personas.professional, key=key, token=f"{totp(bytes.fromhex(key)):06d}")
    assert TOTPDevice.objects.filter(user=personas.professional).count() == 1


def test_an_unconfirmed_leftover_device_is_replaced_by_the_linked_app(personas: Personas) -> None:
    TOTPDevice.objects.create(user=personas.professional, name="old", confirmed=False)
    key = new_key()
    device = totp_enrol(user=personas.professional, key=key, token=f"{totp(bytes.fromhex(key)):06d}")
    assert list(TOTPDevice.objects.filter(user=personas.professional)) == [device]
