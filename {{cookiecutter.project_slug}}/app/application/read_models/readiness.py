from typing import Literal

from pydantic import BaseModel


class ReadinessReadModel(BaseModel):
    status: Literal["ready"] = "ready"
    database: Literal["ok"] = "ok"
