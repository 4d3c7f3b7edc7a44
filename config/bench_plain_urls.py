"""The floor view alone: ROOT_URLCONF of config.settings.bench_plain (floor-plain), never of the app."""

from django.urls import path

from bench.floor import FLOOR_PATH, floor_view

urlpatterns = [path(FLOOR_PATH, floor_view, name="bench-floor")]
