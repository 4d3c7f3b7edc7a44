"""WSGI entry point. Containers run production settings unless told otherwise."""

import os

from django.core.wsgi import get_wsgi_application

from config.startup_checks import refuse_bad_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()
# gunicorn runs no system checks: the settings' own run here (config/startup_checks.py).
refuse_bad_settings()
