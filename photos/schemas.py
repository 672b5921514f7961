from marshmallow import EXCLUDE, Schema, fields, validate

from core.api import Boolean
from photos.models import VARIANTS


class PhotoSchema(Schema):
    id = fields.Integer()
    sha256 = fields.String()
    format = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    size_bytes = fields.Integer()
    taken_dt = fields.AwareDateTime(allow_none=True, metadata={"description": "capture time from EXIF"})
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    has_original = Boolean()


class PhotoUploadSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # other parts of the form are ignored (the document says so: no additionalProperties)

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class FindingPhotoSchema(Schema):
    photo_id = fields.Integer()
    kind = fields.String()
    created_dt = fields.AwareDateTime()


class VariantSchema(Schema):
    variant = fields.String(validate=validate.OneOf(VARIANTS))
