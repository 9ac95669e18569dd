from pydantic import BaseModel, ConfigDict


class ResponseModel(BaseModel):
    """A response body. A field with a default is still always sent, so the published
    schema marks it required: clients may rely on every documented field being there."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)
