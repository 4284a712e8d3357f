"""The OpenAPI schema documents every error an operation can answer, each with the one error body."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

from .errors import ErrorSerializer

ERRORS = {
    400: "Invalid input: a field, filter or cursor; `fields` says which.",
    401: "No API key, or one that is not valid or revoked.",
    404: "Not found, or another shelter's.",
    409: "The found dog already has its outcome.",
    415: "The body is not of a documented media type.",
    429: "Too many requests for this key: wait `Retry-After` seconds.",
    503: "Matching is unavailable (the photo index or the model is down); nothing was stored.",
}


class ReuniteSchema(AutoSchema):
    def _error_codes(self) -> list[int]:
        codes = [400, 401, 429]
        if "{" in self.path or self._is_list_view():
            codes.append(404)  # another shelter's, or a cursor that is no more
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append(415)
        # Per action of a viewset (None: a plain view's one operation).
        codes += getattr(self.view, "extra_error_codes", {}).get(getattr(self.view, "action", None), ())
        return codes

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            response = self._get_response_for_code(ErrorSerializer, str(code), direction=direction)
            response["description"] = ERRORS[code]
            responses.setdefault(str(code), response)
        return responses
