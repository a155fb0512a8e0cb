"""A dish's photo."""

from __future__ import annotations

from flask_smorest.fields import Upload

from core.sdk import Schema


class PhotoUploadSchema(Schema):
    # Optional here so that the dish is looked up first: another school's dish is a 404
    # whatever the request holds; a missing file is then refused naming the field.
    photo = Upload(metadata={"description": "a PNG, JPEG or WebP image"})
