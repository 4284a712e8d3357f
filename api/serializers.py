"""What the API sends and accepts. Uploads are validated by the pages' own forms (api.intake), not here."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dogs.models import Dog
from reunions.models import FoundReport, LostReport, rounded_point
from reunions.services import OUTCOMES
from search.labels import Strength


class DogSerializer(serializers.ModelSerializer):
    """A dog as staff may see it in a match: never its microchip or notes, which are its owner's."""

    class Meta:
        model = Dog
        fields = ("id", "name", "breed", "sex", "size", "colour")


class FoundDogDetailsSerializer(DogSerializer):
    class Meta(DogSerializer.Meta):
        fields = (*DogSerializer.Meta.fields, "microchip", "notes")


class FoundDogSerializer(serializers.ModelSerializer):
    dog = FoundDogDetailsSerializer()
    days_left = serializers.IntegerField(help_text="Days until the stray hold ends (negative: overdue).")
    photo_count = serializers.SerializerMethodField()

    class Meta:
        model = FoundReport
        fields = (
            "id",
            "status",
            "shelter",
            "found_at",
            "place",
            "latitude",
            "longitude",
            "hold_until",
            "days_left",
            "notes",
            "from_photo",
            "created_at",
            "closed_at",
            "photo_count",
            "dog",
        )
        extra_kwargs = {"from_photo": {"help_text": "What the first photo's EXIF filled in: date, place, or both."}}

    def get_photo_count(self, report: FoundReport) -> int:
        return len(report.dog.photos.all())


def _text(max_length: int | None = None, **kwargs) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length, **kwargs)


class IntakeSerializer(serializers.Serializer):
    """The multipart body of an intake, as documented; the intake forms check it, with the pages' messages."""

    photos = serializers.ListField(
        child=serializers.FileField(),
        min_length=1,
        max_length=settings.PHOTOS_PER_FORM,
        help_text="One or more photos (the `photos` part repeated): JPEG, PNG, WebP, GIF, BMP, HEIC or TIFF, "
        "each at most PHOTO_MAX_UPLOAD_BYTES.",
    )
    name = serializers.CharField(max_length=100, help_text="Name or shelter reference.")
    breed = _text(100)
    sex = serializers.ChoiceField(choices=Dog.Sex.choices, default=Dog.Sex.UNKNOWN)
    size = serializers.ChoiceField(choices=Dog.Size.choices, default=Dog.Size.UNKNOWN)
    colour = _text(100)
    microchip = _text(32)
    dog_notes = _text(help_text="About the dog (marks, collar).")
    found_at = serializers.DateTimeField(required=False, help_text="Empty: when the first photo was taken (EXIF).")
    place = serializers.CharField(max_length=200, help_text="Where found (place name).")
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90, help_text="Empty: the photo's GPS.")
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    hold_until = serializers.DateField(required=False, help_text="Empty: the shelter's hold period from the day found.")
    notes = _text(help_text="About the finding.")


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(value, FoundReport.Status(value).label) for value in OUTCOMES])
    dog = serializers.PrimaryKeyRelatedField(
        queryset=Dog.objects.registered(),
        required=False,
        allow_null=True,
        help_text="With `reunited`: the registered dog it turned out to be (recorded as a confirmed reunion).",
    )
    notes = _text(2000)

    def validate(self, data: dict) -> dict:
        if data.get("dog") is not None and data["outcome"] != FoundReport.Status.REUNITED:
            raise serializers.ValidationError({"dog": ["Give a dog only when the outcome is `reunited`."]})
        return data


class OwnerContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()


class MatchSerializer(serializers.Serializer):
    label = serializers.ChoiceField(
        choices=Strength.choices, help_text="`certain` is a microchip match; `unlikely` never carries the owner."
    )
    label_text = serializers.CharField(help_text="The label as the pages word it.")
    score = serializers.FloatField(help_text="Cosine similarity of the best pair of photos.")
    microchip_match = serializers.BooleanField()
    reported_lost = serializers.BooleanField()
    distance_km = serializers.FloatField(allow_null=True)
    dog = DogSerializer()
    owner = OwnerContactSerializer(allow_null=True, help_text="Only for likely, possible and certain matches; logged.")


class MatchesSerializer(serializers.Serializer):
    calibrated = serializers.BooleanField(help_text="False: the labels rest on unmeasured thresholds.")
    no_likely_match = serializers.BooleanField(help_text="Nothing reached `possible`: say so before any result.")
    contacts_withheld = serializers.BooleanField(help_text="True when the contact views could not be logged.")
    results = MatchSerializer(many=True)


class FoundDogMatchesSerializer(MatchesSerializer):
    found_dog = serializers.IntegerField()
    photos_searchable = serializers.BooleanField(
        help_text="False until the worker has embedded and indexed the found dog's photos: ask again shortly."
    )


class MatchFiltersSerializer(serializers.Serializer):
    """The query of a found dog's matches, as documented; the pages' filter form checks it."""

    radius_km = serializers.FloatField(required=False, min_value=0.1, max_value=20_000)
    days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    breed = _text(100)
    sex = serializers.ChoiceField(required=False, choices=Dog.Sex.choices)
    size = serializers.ChoiceField(required=False, choices=Dog.Size.choices)


class PhotoSearchSerializer(serializers.Serializer):
    photo = serializers.FileField(help_text="A photo of the dog; compared, never stored.")
    breed = _text(100, help_text="Only dogs of this breed (unknown breeds included).")


class PointSerializer(serializers.Serializer):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class LostDogSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dog
        fields = ("name", "breed", "sex", "size", "colour")


class LostReportSerializer(serializers.ModelSerializer):
    """An open lost report without what is private: no owner, contact, notes, microchip or exact point."""

    dog = LostDogSerializer()
    lost_on = serializers.SerializerMethodField()
    point = serializers.SerializerMethodField(help_text="Where last seen, rounded to about 1 km.")

    class Meta:
        model = LostReport
        fields = ("id", "lost_on", "place", "point", "dog")

    @extend_schema_field(OpenApiTypes.DATE)
    def get_lost_on(self, report: LostReport) -> str:
        return timezone.localtime(report.lost_at).date().isoformat()

    @extend_schema_field(PointSerializer(allow_null=True))
    def get_point(self, report: LostReport) -> dict | None:
        point = rounded_point(report.point)
        return None if point is None else {"latitude": point[0], "longitude": point[1]}
