"""What a JWT signing key must be, and the stand-in a developer machine gets without one.

Whoever knows the key mints tokens, admin ones included, so a key that can be guessed
(a published placeholder, "aaaa…", "abcd…", a repeated block, a counter in hex, too few
random bytes) is refused, and no environment falls back to a key written down anywhere.
"""

import itertools
import math
import secrets
import string
from collections.abc import Sequence, Set
from functools import cache

MIN_KEY_BYTES = 32
# An estimate, not a measurement (see estimated_bits). secrets.token_urlsafe(48) scores
# about 400 and never below ~290; token_hex(32) about 230, never below ~165.
MIN_ESTIMATED_BITS = 128
# Fragments of the well-known placeholders; a key containing one was never random.
PLACEHOLDER_FRAGMENTS = ("change-me", "changeme", "change_me", "secret", "password")
GENERATE_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
PER_PROCESS_KEY_WARNING = (
    "JWT_SECRET_KEY is not set: signing tokens with a random key made for this process "
    "(APP_ENV=local only). Tokens will not survive a restart and do not work across "
    f"several workers; set JWT_SECRET_KEY in .env to keep them: {GENERATE_HINT}"
)
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYBOARD_NEIGHBOURS = frozenset(
    frozenset(pair) for row in _KEYBOARD_ROWS for pair in itertools.pairwise(row)
)
_HEX_ALPHABETS = (frozenset("0123456789abcdef"), frozenset("0123456789ABCDEF"))


@cache
def per_process_key() -> str:
    """One random key per process, so every app a process builds verifies the same tokens."""
    return secrets.token_urlsafe(48)


def is_placeholder(key: str) -> bool:
    return any(fragment in key.lower() for fragment in PLACEHOLDER_FRAGMENTS)


def _alphabet_size(key: str) -> int:
    characters = set(key)
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    size = sum(len(chars) for chars in classes if characters & set(chars))
    if any(not (character.isascii() and character.isalnum()) for character in key):
        size += len(string.punctuation) + 1
    # Hex digits span digits and letters, but only 16 of them occur.
    hexadecimal = any(characters <= alphabet for alphabet in _HEX_ALPHABETS)
    return min(size, 16) if hexadecimal else size


def _free_symbols(symbols: Sequence[int], predictable: Set[int] = frozenset()) -> int:
    """How many of `symbols` do not continue a pattern of the ones before them.

    `predictable` holds positions already known to be guessable (keyboard neighbours).
    """
    steps = [after - before for before, after in itertools.pairwise(symbols)]
    seen_blocks: set[tuple[int, ...]] = set()
    seen_step_pairs: set[tuple[int, int]] = set()
    free = 0
    for index in range(len(symbols)):
        if index >= 2:
            block = tuple(symbols[index - 2 : index + 1])
            step_pair = (steps[index - 2], steps[index - 1])
            repeated = step_pair[0] == step_pair[1] or block in seen_blocks
            repeated = repeated or step_pair in seen_step_pairs
            seen_blocks.add(block)
            seen_step_pairs.add(step_pair)
            if repeated:
                continue
        if index not in predictable:
            free += 1
    return free


def _hex_bytes(key: str) -> bytes | None:
    """The bytes a hex key spells (secrets.token_hex), or None if it is not one."""
    if len(key) % 2 or not any(set(key) <= alphabet for alphabet in _HEX_ALPHABETS):
        return None
    return bytes.fromhex(key)


def estimated_bits(key: str) -> float:
    """Bits an attacker has to guess: unpredictable characters times bits per character.

    A character is predictable when it continues a pattern of the characters before it:
    the same step again ("aaaa", "abcd", "0246"), a 3-character block seen earlier
    ("abcabc", "abab"), a pair of steps seen earlier ("aabbcc"), or the next key on a
    keyboard row ("qwerty"). Each other character counts log2 of the alphabet its kinds
    of character span (16 for hex, 62 for letters and digits, ...). A hex key is judged
    by its bytes as well, 8 bits each, so a counter written in hex ("000102...") is
    caught although its characters look irregular.
    """
    if not key:
        return 0.0
    keyboard = {
        index
        for index in range(1, len(key))
        if frozenset(key[index - 1 : index + 1].lower()) in _KEYBOARD_NEIGHBOURS
    }
    bits = _free_symbols([ord(character) for character in key], keyboard) * math.log2(
        _alphabet_size(key)
    )
    raw = _hex_bytes(key)
    return bits if raw is None else min(bits, 8.0 * _free_symbols(raw))


def key_problem(key: str, environment: str) -> str | None:
    """Why `key` may not sign tokens in `environment`, or None when it may."""
    if environment == "local":
        if not is_placeholder(key):
            return None
        # A developer may pick any key of their own, but never the published example.
        return (
            "JWT_SECRET_KEY must not be a placeholder (this one contains a published example): "
            "remove the line to sign with a random key made at each start, or generate one "
            f"with: {GENERATE_HINT}"
        )
    if not key.strip():
        why = "it is not set"
    elif is_placeholder(key):
        why = "this one is a placeholder"
    elif len(key.encode()) < MIN_KEY_BYTES:
        why = "this one is too short"
    elif (bits := estimated_bits(key)) < MIN_ESTIMATED_BITS:
        why = (
            f"this one is too predictable: an estimated {bits:.0f} random bits of the "
            f"{MIN_ESTIMATED_BITS} needed, from too few random bytes, such as token_hex(16)'s, "
            "or from characters that repeat or run in sequence"
        )
    else:
        return None
    return (
        f"JWT_SECRET_KEY must be a random value of at least {MIN_KEY_BYTES} bytes "
        f"when APP_ENV is {environment} ({why}); generate one with: {GENERATE_HINT} "
        "(or name a file that holds it in JWT_SECRET_KEY_FILE)"
    )
