"""TOTP secrets for enrolment: a new key, the otpauth:// URI an app scans, and its QR code as SVG."""

import re
from base64 import b32decode, b32encode
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django_otp.oath import TOTP
from django_otp.util import random_hex

KEY_BYTES = 20  # RFC 4226 recommends 160 bits
DIGITS = 6
STEP = 30
# One step either side: a phone clock a little off, or a code typed as it changed.
TOLERANCE = 1


def new_key() -> str:
    """A random key, hex-encoded as django-otp's TOTPDevice stores it."""
    return random_hex(KEY_BYTES)


def key_to_base32(key: str) -> str:
    """The key as authenticator apps want it typed in (RFC 4648 base32, no padding)."""
    return b32encode(bytes.fromhex(key)).decode("ascii").rstrip("=")


def base32_to_key(secret: str) -> str:
    cleaned = re.sub(r"\s", "", secret).upper()
    return b32decode(cleaned + "=" * (-len(cleaned) % 8)).hex()


def grouped(secret: str) -> str:
    """ABCD EFGH …: easier to read aloud and to type over."""
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def otpauth_uri(*, key: str, account: str) -> str:
    """The Key URI Format that Google Authenticator, FreeOTP, Microsoft Authenticator … scan."""
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = quote(f"{issuer}:{account}")
    params = urlencode(
        {"secret": key_to_base32(key), "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP}
    )
    return f"otpauth://totp/{label}?{params}"


def qr_svg(data: str, *, label: str) -> SafeString:
    """The QR code as inline SVG: no image request, no script, nothing for the CSP to allow."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    svg = image.to_string(encoding="unicode")
    # The SVG comes from the qrcode library (no user input); the label is escaped.
    accessible = f'<svg class="qr-code" role="img" aria-label="{escape(label)}" focusable="false" '
    return mark_safe(svg.replace("<svg ", accessible, 1))  # noqa: S308


def token_matches(*, key: str, token: str) -> int | None:
    """The time step at which the token is right for this key, or None."""
    try:
        number = int(token)
    except ValueError:
        return None
    totp = TOTP(bytes.fromhex(key), step=STEP, digits=DIGITS)
    if totp.verify(number, tolerance=TOLERANCE):
        return int(totp.t())
    return None
