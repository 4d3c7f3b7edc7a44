"""Which requests are the API's: ``/api`` and everything under ``/api/`` (config/urls.py routes them so).

Tested on ``request.path_info``, the path after the deployment's prefix (SCRIPT_NAME), as the URLconf matches it;
``request.path`` starts with the prefix, and under one would tell every API request apart from the API.
"""

API_PREFIX = "/api/"


def is_api_path(path_info: str) -> bool:
    """Whether ``path_info`` (a request's ``path_info``, not its ``path``) is the API's."""
    return path_info.startswith(API_PREFIX) or path_info == "/api"
