"""Every address the project serves, by name: for the tests that must cover each one."""

from collections.abc import Callable

from django.urls import URLResolver, get_resolver

# allauth's sign-in, sign-up and second-factor pages: tested on their own.
SIGN_IN_PREFIXES = ("account_", "mfa_")


def url_names(keep: Callable[[str, str], bool] = lambda namespace, name: True) -> set[str]:
    """Return every named address as "namespace:name" (the sign-in pages left out) for
    which `keep(namespace, name)` holds."""
    names = set()

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, ":".join(filter(None, [namespace, entry.namespace])))
                continue
            name = str(entry.name)
            if not name.startswith(SIGN_IN_PREFIXES) and keep(namespace, name):
                names.add(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver().url_patterns, "")
    return names
