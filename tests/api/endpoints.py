"""The API's endpoints as the URL resolver knows them: what the IDOR matrix and the
docs check walk, so that a new endpoint cannot slip past either."""

from django.urls import URLPattern, URLResolver, get_resolver


def api_v1_patterns() -> dict[str, URLPattern]:
    """Every URL pattern named under the `api:v1` namespace, by name."""
    found = {}

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, ":".join(filter(None, [namespace, entry.namespace])))
            elif namespace == "api:v1" and entry.name:
                found[entry.name] = entry

    walk(get_resolver().url_patterns, "")
    return found


def id_parameters(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.converters)


def view_class(pattern: URLPattern):
    return pattern.callback.view_class


def allowed_methods(pattern: URLPattern) -> list[str]:
    """The methods the endpoint's view takes (OPTIONS aside; HEAD wherever GET is)."""
    cls = view_class(pattern)
    methods = [m for m in cls.http_method_names if m != "options" and hasattr(cls, m)]
    if "get" in methods and "head" not in methods:
        methods.append("head")
    return methods
