from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shelters.acting import acting_shelter

from . import accounts, services
from .access import own_dog, staff_required
from .forms import DogForm, OwnerForm, PhotoUploadForm, SignUpForm
from .models import Dog, DogPhoto, is_shelter_staff
from .pagination import paginate
from .photos import image_response, rendition_response

MY_DOGS_PER_PAGE = 24


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dogs:my_dogs")
    form = SignUpForm(request.POST or None, language=get_language())
    if request.method == "POST" and form.is_valid():
        user = form.save()
        accounts.send_verification(user.owner)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _(
                "Welcome to Reunite! Register your dog so shelters can find you. We sent a link to %(email)s: "
                "open it so that alerts about found dogs can reach you."
            )
            % {"email": user.email},
        )
        return redirect("dogs:create")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    owner = services.owner_for(request.user)
    # As saved: validating the form changes the instance, even when the form is then refused.
    saved_email = {"address": owner.email, "verified": owner.email_verified}
    form = OwnerForm(request.POST or None, instance=owner)
    if request.method == "POST" and form.is_valid():
        if accounts.save_contact(form):
            messages.success(
                request,
                _("Your details are saved. Open the link we sent to %(email)s to confirm it.") % {"email": owner.email},
            )
        else:
            messages.success(request, _("Your contact details are saved."))
        return redirect("dogs:my_dogs")
    return render(request, "dogs/profile.html", {"form": form, "saved_email": saved_email})


@login_required
def my_dogs(request: HttpRequest) -> HttpResponse:
    page = paginate(request, Dog.objects.owned_by(request.user).prefetch_related("photos"), MY_DOGS_PER_PAGE)
    return render(request, "dogs/my_dogs.html", {"dogs": page})


@login_required
@require_http_methods(["GET", "POST"])
def dog_create(request: HttpRequest) -> HttpResponse:
    form = DogForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        dog = form.save(commit=False)
        photos = services.register_dog(dog, services.owner_for(request.user), form.checked_photos())
        messages.success(
            request,
            ngettext(
                "%(name)s is registered with %(count)s photo.",
                "%(name)s is registered with %(count)s photos.",
                len(photos),
            )
            % {"name": dog.name, "count": len(photos)},
        )
        return redirect(dog)
    return render(request, "dogs/dog_form.html", {"form": form, "creating": True})


def _detail(request: HttpRequest, dog: Dog, upload_form: PhotoUploadForm | None = None, status: int = 200):
    is_owner = dog.owner is not None and dog.owner.user_id == request.user.pk
    show_contact = is_owner
    if not is_owner and is_shelter_staff(request.user):
        shown = [(dog.owner, "the dog's page")]
        show_contact = services.log_contact_views(request.user, shown, request.path, acting_shelter(request))
    context = {
        "dog": dog,
        "photos": dog.photos.all(),
        "is_owner": is_owner,
        "show_contact": show_contact,
        "upload_form": (upload_form or PhotoUploadForm()) if is_owner else None,
        "open_lost_report": dog.lost_reports.filter(closed_at__isnull=True).first(),
    }
    return render(request, "dogs/dog_detail.html", context, status=status)


@login_required
def dog_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(Dog.objects.visible_to(request.user).select_related("owner"), pk=pk))


@login_required
@require_http_methods(["GET", "POST"])
def dog_edit(request: HttpRequest, pk: int) -> HttpResponse:
    dog = own_dog(request.user, pk)
    form = DogForm(request.POST or None, request.FILES or None, instance=dog, photos_required=False)
    if request.method == "POST" and form.is_valid():
        form.save()
        services.add_photos(dog, form.checked_photos())
        messages.success(request, _("%(name)s's details are saved.") % {"name": dog.name})
        return redirect(dog)
    return render(request, "dogs/dog_form.html", {"form": form, "dog": dog, "creating": False})


@login_required
@require_http_methods(["GET", "POST"])
def dog_delete(request: HttpRequest, pk: int) -> HttpResponse:
    dog = own_dog(request.user, pk)
    if request.method == "POST":
        name = dog.name
        dog.delete()
        messages.success(request, _("%(name)s and all their photos are deleted.") % {"name": name})
        return redirect("dogs:my_dogs")
    return render(request, "dogs/dog_confirm_delete.html", {"dog": dog})


@login_required
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    dog = own_dog(request.user, pk)
    form = PhotoUploadForm(request.POST, request.FILES)
    if form.is_valid():
        photos = services.add_photos(dog, form.cleaned_data["photos"])
        messages.success(
            request,
            ngettext("Added %(count)s photo.", "Added %(count)s photos.", len(photos)) % {"count": len(photos)},
        )
        return redirect(dog)
    return _detail(request, dog, upload_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(DogPhoto.objects.filter(dog__in=Dog.objects.owned_by(request.user)), pk=pk)
    dog = photo.dog
    if request.method == "POST":
        if dog.photos.count() <= 1:
            messages.error(request, _("A dog needs at least one photo. Add another photo before deleting this one."))
        else:
            photo.delete()
            messages.success(request, _("Photo deleted."))
        return redirect(dog)
    return render(request, "dogs/photo_confirm_delete.html", {"photo": photo, "dog": dog})


def _visible_photo(request: HttpRequest, pk: int) -> DogPhoto:
    return get_object_or_404(DogPhoto.objects.filter(dog__in=Dog.objects.visible_to(request.user)), pk=pk)


@login_required
def photo_image(request: HttpRequest, pk: int) -> HttpResponse:
    """An original photo, for its owner and for staff only."""
    return image_response(_visible_photo(request, pk).image, cache_control="private, max-age=3600")


@login_required
def photo_rendition(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """The JPEG a page shows of a photo (thumbnail, display size or the dog's crop), for its owner and staff only."""
    return rendition_response(_visible_photo(request, pk), field, cache_control="private, max-age=3600")


@staff_required
@require_POST
def owner_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """An owner's contact shown on a member of staff's request, for a match too weak to show it by itself."""
    dog = get_object_or_404(Dog.objects.registered().select_related("owner").exclude(owner=None), pk=pk)
    page = request.POST.get("page", "")[:150] or request.path
    # From a found dog's page, for that dog's shelter (if the member works for it); else the one acted for.
    shelter = acting_shelter(request, request.POST.get("shelter"))
    shown = services.log_contact_views(request.user, [(dog.owner, "asked for: unlikely match")], page, shelter)
    return render(request, "dogs/owner_contact.html", {"dog": dog, "show_contact": shown})
