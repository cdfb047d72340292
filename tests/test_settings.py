"""Settings are safe when nothing is set, and nothing runs with a public secret key.

Each test starts a fresh interpreter with a controlled environment, because
settings read the environment once, at import.
"""

import stat
from pathlib import Path

from django.conf import settings

from tests.test_deployment import PROJECT_ROOT, error_message, production_environment, run_python

BASE = "peerlink.settings.base"
DEVELOPMENT = "peerlink.settings.development"
FORMER_PUBLIC_KEY = "development-only-secret-key-change-me-in-production"
PRINT_SETTINGS = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.SETTINGS_MODULE); print(settings.DEBUG); print(settings.SECRET_KEY)"
)


def environment(var_dir: Path, module: str | None, **variables: str) -> dict[str, str]:
    """No variable any settings module reads, this var folder, and `variables`."""
    env = production_environment(var_dir.parent, PEERLINK_VAR_DIR=str(var_dir), **variables)
    if module is None:
        del env["DJANGO_SETTINGS_MODULE"]
    else:
        env["DJANGO_SETTINGS_MODULE"] = module
    return env


def started(env: dict[str, str], *arguments: str) -> list[str]:
    result = run_python(env, *(arguments or ("-c", PRINT_SETTINGS)))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-3:]


def test_base_settings_refuse_to_start_without_a_secret_key_and_name_it(tmp_path):
    result = run_python(environment(tmp_path / "var", BASE), "-c", PRINT_SETTINGS)

    assert result.returncode != 0
    assert error_message(result).startswith("django.core.exceptions.ImproperlyConfigured")
    assert "DJANGO_SECRET_KEY" in error_message(result)


def test_base_settings_are_not_in_debug_when_nothing_says_so(tmp_path):
    env = environment(tmp_path / "var", BASE, DJANGO_SECRET_KEY="k" * 50)

    _, debug, _ = started(env)

    assert debug == "False"


def test_development_settings_generate_a_private_key_on_first_start_and_reuse_it(tmp_path):
    var_dir = tmp_path / "var"

    _, debug, first = started(environment(var_dir, DEVELOPMENT))
    _, _, second = started(environment(var_dir, DEVELOPMENT))

    key_file = var_dir / "secret_key"
    assert debug == "False"
    assert first == second == key_file.read_text().strip()
    assert len(first) >= 50 and first != FORMER_PUBLIC_KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_two_development_folders_never_share_a_key(tmp_path):
    _, _, one = started(environment(tmp_path / "one" / "var", DEVELOPMENT))
    _, _, other = started(environment(tmp_path / "other" / "var", DEVELOPMENT))

    assert one != other


def test_development_settings_use_a_given_secret_key_and_debug_switch(tmp_path):
    given = "given-" + "k" * 50
    env = environment(tmp_path / "var", DEVELOPMENT, DJANGO_SECRET_KEY=given, DJANGO_DEBUG="true")

    _, debug, key = started(env)

    assert (debug, key) == ("True", given)
    assert not (tmp_path / "var" / "secret_key").exists()


def test_manage_py_and_the_worker_default_to_development_settings(tmp_path):
    env = environment(tmp_path / "var", None)

    managed = run_python(
        env,
        "manage.py",
        "shell",
        "-v0",
        "-c",
        "from django.conf import settings; print(settings.SETTINGS_MODULE)",
    )
    worker = run_python(
        env, "-c", "import os, peerlink.celery; print(os.environ['DJANGO_SETTINGS_MODULE'])"
    )

    assert managed.stdout.strip() == DEVELOPMENT, managed.stderr
    assert worker.stdout.strip() == DEVELOPMENT, worker.stderr


def test_the_tests_run_with_a_generated_key_not_a_public_one():
    assert settings.SECRET_KEY != FORMER_PUBLIC_KEY
    sources = "".join(path.read_text() for path in (PROJECT_ROOT / "peerlink").rglob("*.py"))
    assert settings.SECRET_KEY not in sources
    assert len(settings.SECRET_KEY) >= 50
