"""Enforcement documents (执法文书): the on-site inspection record, the rectification order and the
re-inspection opinion, numbered without gaps, rendered to PDF, never changed once issued."""


def init_app(app):
    import documents.models  # noqa: F401 - the tables belong to the metadata
