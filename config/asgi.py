"""ASGI entry point, for an ASGI server (the image serves config/wsgi.py with gunicorn). Production settings unless
told otherwise."""

import os

from django.core.asgi import get_asgi_application

from config.startup_checks import refuse_bad_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_asgi_application()
# An ASGI server runs no system checks, as gunicorn runs none: the settings' own run here (config/startup_checks.py).
refuse_bad_settings()
