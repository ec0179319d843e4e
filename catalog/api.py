from ninja import Router, Schema

from catalog.selectors import category_list

router = Router(tags=["catalog"])


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent_id


@router.get("/categories", response=list[CategoryOut])
def categories(request):
    return list(category_list())
