"""An internationalised domain has several spellings that SMTP delivers to one mailbox: its Unicode form
(``bücher.de``), its IDNA ASCII form (``xn--bcher-kva.de``), an ideographic full stop for a dot (``例子。广告``), and
IDNA 2003's mappings (``straße.de`` is sent to ``strasse.de``). The accounts app reads them all as one address,
stored in the Unicode spelling of where the mail goes (normalization.normalize_email)."""

import encodings.idna
import importlib

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.normalization import normalize_email
from tests.backend.accounts.helpers import email_change_ask, email_change_confirm, email_change_link_token, login
from tests.conftest import signed_in_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent on commit

UNICODE = "user@bücher.de"
ACE = "user@xn--bcher-kva.de"  # the same domain as IDNA (punycode) spells it, and as SMTP is sent it
PASSWORD = "a-Strong-passphrase-42"


def register(email: str):
    return APIClient().post("/api/auth/register/", {"email": email, "password": PASSWORD}, format="json")


def test_every_spelling_of_an_internationalised_domain_normalises_to_the_unicode_one_mail_is_sent_to():
    spellings = {
        UNICODE: UNICODE,
        ACE: UNICODE,
        "User@XN--BCHER-KVA.DE": UNICODE,
        "user@bü\u00adcher.de": UNICODE,  # a soft hyphen, which IDNA drops
        "user@例子。广告": "user@例子.广告",  # an ideographic full stop, which IDNA reads as a dot
        "user@xn--fsqu00a.xn--4rr70v": "user@例子.广告",
        "user@straße.de": "user@strasse.de",  # IDNA 2003, as django.utils.encoding.punycode sends it
        "user@example.com": "user@example.com",
        "user@xn--zz.com": "user@xn--zz.com",  # not IDNA at all: left for validate_email to judge
    }

    normalised = {spelling: normalize_email(spelling) for spelling in spellings}

    assert normalised == spellings
    assert {email: normalize_email(email) for email in normalised.values()} == {
        email: email for email in normalised.values()
    }  # idempotent


# Labels IDNA 2003 decodes to characters its Unicode 3.2 did not have, which today's NFKC reads as others: "xᴬ"
# (U+1D2C) is "xa" to NFKC, "ᵕᵒ" is "ᴗo". Mail to each goes to the ASCII spelling, its only fixed point.
UNSTABLE_ACE = ["user@xn--x-q8l.example.com", "user@xn--29ff.example.com"]


@pytest.mark.parametrize("address", UNSTABLE_ACE)
def test_an_ace_domain_whose_unicode_spelling_nfkc_would_change_is_kept_in_ascii(address):
    assert normalize_email(address) == address
    assert normalize_email(normalize_email(address.upper())) == address


def test_an_email_change_stores_the_address_its_link_was_sent_to_when_the_domain_decodes_to_an_nfkc_variant(smtp):
    # Given an account asking to change its address to one whose ACE label decodes to "xᴬ"
    user = UserFactory(email="before@example.com")
    client, _ = signed_in_client(user)
    new = UNSTABLE_ACE[0]
    assert email_change_ask(client, new).status_code == 202

    # When the link mailed to that mailbox is followed
    response = email_change_confirm(email_change_link_token(smtp, to=new))

    # Then the account has the address whose mailbox confirmed it (not "user@xa.example.com", another domain), and
    # signs in with it as shown
    assert response.status_code == 200
    assert response.json()["user"]["email"] == new
    user.refresh_from_db()
    assert (user.email, user.email_verified) == (new, True)
    assert login(APIClient(), new).status_code == 200


def test_an_address_longer_than_a_domain_can_be_is_not_handed_to_the_idna_codec(monkeypatch):
    # Given the codec's encoder refusing any label it cannot encode: its punycode step takes time that grows with the
    # square of the label's length (minutes for the username a 256 KiB admin sign-in form can carry)
    encode = encodings.idna.ToASCII

    def to_ascii(label: str) -> bytes:
        assert len(label) <= 63, f"the IDNA codec was asked to encode a label of {len(label)} characters"
        return encode(label)

    monkeypatch.setattr(encodings.idna, "ToASCII", to_ascii)
    overlong = "user@" + "例" * 80_000

    # When such an address is normalised (as the admin's sign-in does for its rate-limit identity, unvalidated)
    normalised = normalize_email(overlong)

    # Then it is left as it is, for validate_email to refuse, and a real domain is still encoded
    assert normalised == overlong
    assert normalize_email("user@例子。广告") == "user@例子.广告"


@pytest.mark.parametrize(("existing", "registering"), [(UNICODE, ACE), (ACE, UNICODE)], ids=["ace", "unicode"])
def test_registering_another_spelling_of_a_domain_in_use_is_400_already_exists(smtp, existing, registering):
    # Given an account registered with one spelling of an internationalised domain
    assert register(existing).status_code == 201

    # When another registration gives the other spelling of the same mailbox
    response = register(registering)

    # Then it is refused as the address itself would be, and the one account has the Unicode spelling
    assert response.status_code == 400
    assert response.json() == {"email": ["An account with this email already exists."]}
    assert list(User.objects.values_list("email", flat=True)) == [UNICODE]


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (UNICODE, ACE),
        (UNICODE, "USER@BÜCHER.DE"),
        ("user@例子.广告", "user@例子。广告"),  # as a Chinese input method types the dot
        ("user@例子.广告", "user@xn--fsqu00a.xn--4rr70v"),
    ],
    ids=["ace", "upper-case", "ideographic-full-stop", "ace-cjk"],
)
def test_an_account_signs_in_with_another_spelling_of_its_domain(stored, typed):
    UserFactory(email=stored)

    response = login(APIClient(), typed)

    assert response.status_code == 200
    assert response.json()["user"]["email"] == stored


def test_a_password_reset_asked_for_the_ace_spelling_reaches_the_account(smtp):
    user = UserFactory(email=UNICODE)

    response = APIClient().post("/api/auth/password-reset/", {"email": ACE}, format="json")

    assert (response.status_code, response.content) == (202, b"")
    [message] = smtp.wait_for(to=ACE, subject="Reset your password")
    assert message["To"] == ACE
    user.refresh_from_db()
    assert user.email == UNICODE


def test_an_email_change_to_the_ace_spelling_of_ones_own_address_is_400_already_yours(smtp):
    user = UserFactory(email=UNICODE)
    client, _ = signed_in_client(user)

    response = email_change_ask(client, ACE)

    assert response.status_code == 400
    assert response.json() == {"new_email": ["This is already your email address."]}
    assert smtp.messages == []


def test_the_migration_rewrites_stored_ace_spellings_unless_another_account_has_the_address():
    # Given accounts stored before domains were normalised: an ACE spelling of a free address, an ACE spelling of an
    # address in use, and an address already normal
    migration = importlib.import_module("backend.accounts.migrations.0008_stored_domains_as_delivered")
    free = UserFactory(email="placeholder-1@example.com")
    clash = UserFactory(email="placeholder-2@example.com")
    owner = UserFactory(email=UNICODE)
    User.objects.filter(pk=free.pk).update(email="moved@xn--bcher-kva.de")
    User.objects.filter(pk=clash.pk).update(email=ACE)

    # When the migration runs
    left = migration.domains_as_delivered(apps, None)

    # Then the free one is rewritten, the clash is left for an operator (and named), the normal one untouched
    assert User.objects.get(pk=free.pk).email == "moved@bücher.de"
    assert User.objects.get(pk=clash.pk).email == ACE
    assert left == [str(clash.pk)]
    assert User.objects.get(pk=owner.pk).email == UNICODE
