"""What bcrypt is given: a fixed-size digest of the password, so that any length counts.

bcrypt reads 72 bytes at most: a passphrase in a script of 3- or 4-byte characters
would be cut after 18 to 24 characters, or refused. Hashing the password first with
HMAC-SHA-256 gives bcrypt 44 characters whatever the length; the key is no secret, it
keeps the digest apart from a plain SHA-256 of the password, whose leaked lists could
otherwise be tried against the bcrypt hashes directly ("hash shucking"). NFKC is applied
once, at every set and every check, so that one passphrase typed on two keyboards (a
precomposed "é" or "e" with a combining accent, full-width letters) is the same password.
"""

import base64
import hashlib
import hmac
import unicodedata

PREHASH_KEY = b"password-prehash/hmac-sha256/v1"


def prehashed(password: str) -> bytes:
    """The bytes bcrypt hashes for `password`: base64, since bcrypt stops at a zero byte."""
    normalised = unicodedata.normalize("NFKC", password)
    digest = hmac.new(PREHASH_KEY, normalised.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest)
