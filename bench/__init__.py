"""Load benchmark of the API under the production gunicorn config (``make bench``; docs/performance.md)."""
