"""The API's only request parser: DRF's JSON parser, hardened."""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """JSONParser that reports pathologically nested documents as a 400 instead of a 500.

    ``json.loads`` raises RecursionError (not ValueError) on a 2 KB body like ``[[[[…]]]]``,
    and DRF only converts ValueError.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
