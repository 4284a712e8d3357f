from .models import is_shelter_staff


def roles(request):
    return {"is_shelter_staff": is_shelter_staff(getattr(request, "user", None))}
