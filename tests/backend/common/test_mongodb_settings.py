"""config/mongodb.py and the DATABASE_URL switch in config/settings/base.py."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.mongodb import is_mongodb_url, mongodb_database, mongodb_installed_apps
from tests.support.settings_process import PRODUCTION_ENV, settings_process


def _settings_in_subprocess(module: str, code: str, **env_overrides: str) -> str:
    result = settings_process(module, code, unset={"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}, **env_overrides)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    "url",
    [
        "mongodb://127.0.0.1:27017",
        "mongodb://127.0.0.1:27017/",
        "mongodb+srv://user:pw@cluster0.example.net/?retryWrites=true",
        "mongodb://h/a/b",
    ],
)
def test_a_mongodb_url_without_a_database_name_is_refused_with_an_example(url):
    with pytest.raises(ImproperlyConfigured, match="must name the MongoDB database in its path"):
        mongodb_database(url, server_selection_timeout_ms=5000)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mongodb://localhost/db", True),
        ("MONGODB://localhost/db", True),
        ("mongodb+srv://cluster0.example.net/db", True),
        ("postgres://u@localhost/db", False),
        ("sqlite:////tmp/db.sqlite3", False),
        ("mongodbx://localhost/db", False),
        ("", False),
    ],
)
def test_only_the_mongodb_schemes_select_mongodb(url, expected):
    assert is_mongodb_url(url) is expected


def test_an_srv_url_goes_whole_to_host_with_the_database_from_its_path():
    url = "mongodb+srv://app:p%40ss@cluster0.example.net/dash%2Dboard?retryWrites=true&w=majority"

    database = mongodb_database(url, server_selection_timeout_ms=2500)

    assert database == {
        "ENGINE": "django_mongodb_backend",
        "HOST": url,
        "NAME": "dash-board",
        "OPTIONS": {"serverSelectionTimeoutMS": 2500},
        "TEST": {},
    }


def test_a_server_selection_timeout_in_the_url_wins_over_the_setting():
    url = "mongodb://a:27017,b:27017,c:27017/dashboard?replicaSet=rs0&serverSelectionTimeoutMS=900"

    assert mongodb_database(url, server_selection_timeout_ms=5000)["OPTIONS"] == {}


def test_contrib_apps_with_auto_keys_are_swapped_in_place_and_the_rest_kept():
    apps = ["django.contrib.admin", "django.contrib.auth", "django.contrib.sessions", "backend.tasks"]

    assert mongodb_installed_apps(apps) == [
        "config.mongodb_apps.MongoAdminConfig",
        "config.mongodb_apps.MongoAuthConfig",
        "django.contrib.sessions",
        "backend.tasks",
    ]


def test_a_mongodb_database_url_configures_engine_keys_apps_and_migrations():
    out = _settings_in_subprocess(
        "config.settings.test",
        "print(s.DATABASES['default']['ENGINE'], s.DEFAULT_AUTO_FIELD, s.INSTALLED_APPS[s.INSTALLED_APPS.index("
        "'config.mongodb_apps.MongoAuthConfig') + 1],"
        " sorted(s.MIGRATION_MODULES.values()), s.SILENCED_SYSTEM_CHECKS)",
        DATABASE_URL="mongodb://127.0.0.1:27017/dashboard?replicaSet=rs0",
    )

    assert out == (
        "django_mongodb_backend django_mongodb_backend.fields.ObjectIdAutoField "
        "config.mongodb_apps.MongoContentTypesConfig "
        "['backend.mongo_migrations.admin', 'backend.mongo_migrations.auth', 'backend.mongo_migrations.contenttypes'] "
        "['models.W043', 'models.W044']"
    )


def test_sql_settings_never_import_the_mongodb_backend():
    out = _settings_in_subprocess(
        "django",
        "import sys; s.setup(); print('django_mongodb_backend' in sys.modules, 'pymongo' in sys.modules)",
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL="sqlite:////tmp/never-opened.sqlite3",
    )

    assert out == "False False"


def test_production_settings_accept_a_mongodb_url():
    out = _settings_in_subprocess(
        "config.settings.production",
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])",
        **PRODUCTION_ENV,
        DATABASE_URL="mongodb+srv://app:secret@cluster0.example.net/dashboard?retryWrites=true&w=majority",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )

    assert out == "django_mongodb_backend dashboard"
