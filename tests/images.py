"""Real images built with Pillow for the tests, carrying the metadata phones write (EXIF GPS, device, XMP)."""

from __future__ import annotations

import io

from PIL import ExifTags, Image, PngImagePlugin

#: What a phone writes, and what must never be published.
SECRETS = (b"PhoneMaker", b"PhoneModel-X", b"Camille Martin", b"secret-xmp", b"secret comment")
#: EXIF orientation 6: the camera was turned; the picture must be rotated 90 degrees clockwise to be upright.
ROTATE_CLOCKWISE = 6


def phone_exif(orientation: int = ROTATE_CLOCKWISE) -> Image.Exif:
    """EXIF as a phone writes it: orientation, device, owner and the GPS position (the Eiffel Tower)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "PhoneModel-X"
    exif[ExifTags.Base.Artist] = "Camille Martin"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 30.24),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 17.0, 40.2),
    }
    return exif


def two_colours(size=(40, 20)) -> Image.Image:
    """Left half red, right half blue: after a clockwise turn, red is on top."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image


def phone_jpeg() -> bytes:
    """A JPEG with EXIF (GPS, device, owner, orientation 6), XMP and a comment."""
    out = io.BytesIO()
    two_colours().save(
        out, "JPEG", exif=phone_exif(), xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>", comment=b"secret comment"
    )
    return out.getvalue()


def image_with_metadata(fmt: str) -> bytes:
    """A small image of ``fmt`` (JPEG, PNG, GIF, WEBP) carrying what that format can carry of SECRETS."""
    out = io.BytesIO()
    image = two_colours()
    if fmt == "JPEG":
        return phone_jpeg()
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "Camille Martin")
        text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret-xmp</x:xmpmeta>")
        image.save(out, "PNG", pnginfo=text, exif=phone_exif())
    elif fmt == "GIF":
        frames = [image.convert("P"), image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).convert("P")]
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], comment=b"secret comment", duration=100)
    elif fmt == "WEBP":
        image.save(out, "WEBP", exif=phone_exif(), xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>")
    return out.getvalue()


def plain_png() -> bytes:
    """A small PNG with no metadata."""
    out = io.BytesIO()
    two_colours().save(out, "PNG")
    return out.getvalue()
