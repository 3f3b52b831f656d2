from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    full_name: str


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    return request.user
