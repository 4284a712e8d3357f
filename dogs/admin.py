from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from .forms import PhotoField
from .models import ContactView, Dog, DogPhoto, Owner


class DogPhotoAdminForm(forms.ModelForm):
    """Staff uploads take the owners' path: the same checks and messages, a safe name, the photo's EXIF kept."""

    # A plain file input: the current photo shows as a preview, never as a link to its stored path.
    image = PhotoField(label="Photo", widget=forms.FileInput)

    class Meta:
        model = DogPhoto
        fields = ("dog", "image", "taken_at", "latitude", "longitude")

    def clean(self):
        data = super().clean()
        if isinstance(data.get("image"), tuple):
            upload, checked = data["image"]
            data["image"] = upload
            # What the photo says fills what staff left empty.
            metadata = checked.metadata
            for field, value in (("taken_at", metadata.taken_at), ("latitude", metadata.latitude),
                                 ("longitude", metadata.longitude)):  # fmt: skip
                if data.get(field) is None:
                    data[field] = value
        return data


def thumbnail(photo: DogPhoto, size: int = 80) -> str:
    if not photo.pk:
        return "-"
    url = reverse("dogs:photo_thumbnail", args=[photo.pk])
    return format_html('<img src="{}" alt="" style="max-height:{}px;max-width:{}px">', url, size, size)


class DogPhotoInline(admin.TabularInline):
    model = DogPhoto
    form = DogPhotoAdminForm
    extra = 1
    fields = ("preview", "image", "taken_at", "latitude", "longitude", "embedding_model")
    readonly_fields = ("preview", "embedding_model")

    @admin.display(description="Photo")
    def preview(self, photo: DogPhoto) -> str:
        return thumbnail(photo)


class DogInline(admin.TabularInline):
    model = Dog
    extra = 0
    fields = ("name", "breed", "sex", "microchip")
    show_change_link = True


@admin.register(Owner)
class OwnerAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "email_verified", "phone", "address", "dog_count")
    search_fields = ("name", "email", "phone", "address", "user__username")
    inlines = [DogInline]
    raw_id_fields = ("user",)
    # Set only by the owner opening the link sent to the address.
    readonly_fields = ("email_verified_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(num_dogs=Count("dogs"))

    @admin.display(description="Email confirmed", boolean=True)
    def email_verified(self, owner: Owner) -> bool:
        return owner.email_verified

    @admin.display(description="Dogs", ordering="num_dogs")
    def dog_count(self, owner: Owner) -> int:
        return owner.num_dogs


@admin.register(Dog)
class DogAdmin(admin.ModelAdmin):
    list_display = ("name", "preview", "breed", "sex", "colour", "owner", "microchip", "created_at")
    list_filter = ("sex", "breed", "created_at")
    search_fields = ("name", "breed", "colour", "microchip", "owner__name", "owner__email", "external_id")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    inlines = [DogPhotoInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("photos")

    @admin.display(description="Photo")
    def preview(self, dog: Dog) -> str:
        photos = list(dog.photos.all())
        return thumbnail(photos[0], 48) if photos else "-"


@admin.register(DogPhoto)
class DogPhotoAdmin(admin.ModelAdmin):
    form = DogPhotoAdminForm
    list_display = ("__str__", "preview", "dog", "embedding_model", "taken_at", "created_at")
    list_filter = ("embedding_model", "created_at")
    search_fields = ("dog__name", "dog__breed", "dog__owner__name")
    list_select_related = ("dog",)
    raw_id_fields = ("dog",)
    readonly_fields = ("preview", "width", "height", "embedding_model", "created_at", "updated_at")

    @admin.display(description="Photo")
    def preview(self, photo: DogPhoto) -> str:
        return thumbnail(photo)


@admin.register(ContactView)
class ContactViewAdmin(admin.ModelAdmin):
    """Who saw which owner's contact details, when, on which page, and for which shelter."""

    list_display = ("viewed_at", "viewer", "shelter", "owner", "reason", "page")
    list_filter = ("viewed_at", "reason", "shelter")
    search_fields = ("viewer__username", "owner__name", "page", "reason")
    readonly_fields = ("viewer", "shelter", "owner", "reason", "page", "viewed_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
