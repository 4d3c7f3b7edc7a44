"""How an email address and a password are normalized before they are stored, compared or hashed: one form of each
(normalize_email, normalize_password), and the check of an address an account can have (email_address_normalized)."""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def normalize_email(email: str) -> str:
    """The one form of an address that is stored and compared: NFKC-normalized, trimmed, lowercased, and its
    domain spelled as the mail is delivered (_domain_as_delivered).

    NFKC because Django's login form and ``AbstractBaseUser.clean`` apply it, and because SMTP's IDNA encoding does
    too: an address spelled with a fullwidth letter (U+FF41 for "a") signs in as, and is delivered to, its ASCII
    twin, so anything that stored or compared it as another address would let one account take over another's
    mailbox notices, rate limits and known devices. Trimmed after NFKC, which can turn a character into a space.
    Idempotent, and the same as login_limits.login_email_identity()."""
    normalized = unicodedata.normalize("NFKC", email or "").strip().lower()
    local, at, domain = normalized.rpartition("@")
    return f"{local}{at}{_domain_as_delivered(domain)}" if at else normalized


def _domain_as_delivered(domain: str) -> str:
    """``domain`` (lowercased) in Unicode, as the IDNA encoding Django's SMTP backend sends to spells it.

    Mail to ``user@bücher.de`` and to ``user@xn--bcher-kva.de`` goes to one mailbox, as it does for ``例子。广告``
    (an ideographic full stop) and ``例子.广告``, or ``straße.de`` and ``strasse.de`` (IDNA 2003's mapping, which
    django.utils.encoding.punycode applies): stored as typed, each spelling could be an account of its own, and a
    password reset asked for one spelling would reach the other's owner. So a domain is stored as its IDNA
    (ASCII) form decoded again: the Unicode spelling of exactly where the mail goes. One IDNA cannot encode
    (an empty label, a broken ``xn--`` one, one longer than a domain can be) is left as it is, for validate_email
    to judge.

    The ASCII form is kept when its Unicode spelling would not read back as itself: IDNA 2003 decodes some ``xn--``
    labels to characters its Unicode 3.2 did not have, which today's NFKC maps to others (``xn--x-q8l`` is "xᴬ",
    and NFKC reads "xᴬ" as "xa", another domain). Spelled in Unicode, such an address would be another on its next
    normalization: an email change confirmed at one mailbox would store the other, and an account could not sign
    in with its address as shown."""
    if domain.isascii() and "xn--" not in domain:
        return domain  # IDNA leaves it as it is: the fast path for nearly every address
    if len(domain) > _DOMAIN_MAX_LENGTH:
        return domain  # not deliverable; and the codec's time grows with the square of a label's length
    try:
        ascii_form = domain.encode("idna")
        unicode_form = ascii_form.decode("idna").lower()
        reads_back = (
            unicodedata.normalize("NFKC", unicode_form).strip().lower() == unicode_form
            and unicode_form.encode("idna") == ascii_form
        )
    except UnicodeError:
        return domain
    return unicode_form if reads_back else ascii_form.decode("ascii")


# A domain longer than this as given is in an address longer than any form or column takes (254 characters in all):
# every form refuses it before a password is checked, whatever IDNA would make of it (it drops soft hyphens).
# Checked before the codec, which takes seconds for a label of 10,000 characters (its punycode step is quadratic)
# and minutes for what fits in a request body: the admin's sign-in reads the rate-limit identity of its username,
# normalize_email(), before the form checks its length.
_DOMAIN_MAX_LENGTH = 254


def normalize_password(password: str) -> str:
    """A password in NFC, the form it is hashed in (User.set_password) and checked in (User.check_password).

    One visible password has several code point spellings: "é" is U+00E9 from most keyboards, "e" and U+0301 (a
    combining accent) from others (Vietnamese input on Windows, text pasted from a macOS file name), and a hash of
    one never matched the other, so the same password typed on another device did not sign in. NFC, not the NFKC
    of addresses: NFKC would also change what keyboards type on purpose ("²" and "µ" on a German one), turning
    passwords set before into other passwords."""
    return unicodedata.normalize("NFC", password)


# RFC 5321's limit on a path (256 octets, angle brackets included) and so User.email's column: validate_email allows
# 320 (RFC 3696's figure, since corrected), which could be mailed a link but never stored.
EMAIL_MAX_LENGTH = 254


def email_address_normalized(email: str) -> str:
    """normalize_email(email), if that is an address an account can have; else ValidationError saying why.

    The one rule for every address that is stored or mailed (registration, the admin, an email change and its link):
    judged once normalized, as it is kept, since NFKC can break an address (a fullwidth "@" becomes a second "@")
    or lengthen it past EMAIL_MAX_LENGTH (the ligature "\ufb03" becomes "ffi") after it was checked as typed."""
    normalized = normalize_email(email)
    validate_email(normalized)
    if len(normalized) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            "Enter an email address of at most %(limit)d characters (this one has %(length)d once ligatures and "
            "full-width letters are spelled out).",
            code="max_length",
            params={"limit": EMAIL_MAX_LENGTH, "length": len(normalized)},
        )
    return normalized
