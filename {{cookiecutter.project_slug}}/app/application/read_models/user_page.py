from pydantic import BaseModel, ConfigDict

from app.application.read_models.user import UserReadModel


class UserPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: tuple[UserReadModel, ...]
    # False on the last page: nothing lies after its last item (as of this read).
    has_more: bool
