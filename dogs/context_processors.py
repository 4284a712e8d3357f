from .models import can_see_contacts


def roles(request):
    return {"is_shelter_staff": can_see_contacts(getattr(request, "user", None))}
