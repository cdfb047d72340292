"""A secret key kept in a file that only its owner can read, made on first use."""

import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MINIMUM_LENGTH = 50


def read_or_create_secret_key(path: Path) -> str:
    """Return the key stored at `path`, generating it the first time.

    The web server and the worker may start at the same moment: the key is
    written to a private temporary file and linked into place, so a second
    process either creates the file or reads the finished one, never a half-written one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")
        try:
            with os.fdopen(descriptor, "w") as file:  # mkstemp makes it 0600
                file.write(secrets.token_urlsafe(MINIMUM_LENGTH) + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < MINIMUM_LENGTH:
        raise ImproperlyConfigured(f"The secret key in {path} is too short: delete the file.")
    return key
