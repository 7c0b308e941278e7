"""Strong passwords, generated in the worker and handed on only as ``SecretStr``.

The alphabet leaves out look-alikes (``0/O``, ``1/l/I``) because people copy these by eye
from a DM, and leaves out quotes, backslash, ``$``, space and ``,``/``=``/``;`` so the value
survives shells, cloud-init YAML and property strings unquoted.
"""

from __future__ import annotations

import secrets
import string

from pydantic import SecretStr

_LOWER = "".join(c for c in string.ascii_lowercase if c not in "lo")
_UPPER = "".join(c for c in string.ascii_uppercase if c not in "IO")
_DIGITS = "23456789"
_SYMBOLS = "-_.!@#%+*"
_CLASSES = (_LOWER, _UPPER, _DIGITS, _SYMBOLS)
ALPHABET = "".join(_CLASSES)
MIN_LENGTH = 12
DEFAULT_LENGTH = 20


def generate_password(length: int = DEFAULT_LENGTH) -> SecretStr:
    """A random password with at least one character of each class (~115 bits at 20)."""
    if length < MIN_LENGTH:
        raise ValueError(f"password length must be at least {MIN_LENGTH}, got {length}")
    while True:
        candidate = "".join(secrets.choice(ALPHABET) for _ in range(length))
        # Rejection sampling keeps the distribution uniform over qualifying passwords.
        if all(any(c in cls for c in candidate) for cls in _CLASSES):
            return SecretStr(candidate)
