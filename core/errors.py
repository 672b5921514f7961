"""Domain exceptions. Services raise these; ``core.api`` maps them to HTTP in one place."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message, *, field: str | tuple | None = None, errors: dict | None = None):
        """``field`` names where the input is wrong: a name, or a path into the body as marshmallow nests its
        own errors (``("signatures", 1, "image")`` → ``{"json": {"signatures": {"1": {"image": [...]}}}}``)."""
        super().__init__(message)
        self.field = field
        self.errors = errors  # field errors nested deeper than one field (``{"json": {...}}``), when given
        if isinstance(field, tuple):
            self.field = str(field[0])
            self.errors = node = {"json": {}}
            for key in ("json", *map(str, field[:-1])):
                node = node.setdefault(key, {})
            node[str(field[-1])] = [self.message]

    @property
    def message(self) -> str:
        """In the request's language where the service gave a translatable text (``lazy_gettext``): the pages
        show it in Chinese or English, the API answers in English unless the caller asks for Chinese."""
        return str(self.args[0])


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """The request is valid but clashes with the stored state (duplicate, wrong status...)."""

    status = 409


class Invalid(DomainError):
    """Input that passed the schema but breaks a domain rule; ``field`` names where."""

    status = 422
