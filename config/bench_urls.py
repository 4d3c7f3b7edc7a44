"""The production routes plus the floor-django view: ROOT_URLCONF of config.settings.bench only.

The view sits first because config.urls answers everything else under /api/ with a JSON 404.
"""

from typing import cast

from django.urls import URLPattern, URLResolver, path

from bench.floor import FLOOR_PATH, floor_view
from config import urls as production_urls

urlpatterns: list[URLPattern | URLResolver] = [
    path(FLOOR_PATH, floor_view, name="bench-floor"),
    *cast(list[URLPattern | URLResolver], production_urls.urlpatterns),
]

handler400 = production_urls.handler400
handler404 = production_urls.handler404
handler500 = production_urls.handler500
