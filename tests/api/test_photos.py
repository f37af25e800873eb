"""Finding 8: uploaded photos lose their metadata (EXIF GPS, device, owner, XMP, comments), stay upright and
keep their format; what Pillow cannot decode is refused."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from open311.media import check_upload

from ..conftest import POTHOLE
from ..images import SECRETS, image_with_metadata, phone_jpeg, plain_png


def upload(app, client, api_key, tmp_path, monkeypatch, content, name="photo.jpg"):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    data = {"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE, "media": (io.BytesIO(content), name)}
    return client.post("/open311/v2/requests.json", data=data, content_type="multipart/form-data")


def served_photo(client, reply) -> bytes:
    request_id = reply.get_json()[0]["service_request_id"]
    (record,) = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr").get_json()
    with client.get(record["media_url"].removeprefix("http://localhost")) as served:
        assert served.status_code == 200
        return served.data


def test_a_phone_photo_is_published_without_gps_device_or_owner_and_upright(
    app, client, api_key, tmp_path, monkeypatch
):
    original = phone_jpeg()
    assert all(secret in original for secret in SECRETS)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture carries a position
    reply = upload(app, client, api_key, tmp_path, monkeypatch, original)
    assert reply.status_code == 200, reply.data
    published = served_photo(client, reply)
    assert not any(secret in published for secret in SECRETS)
    assert b"Exif" not in published and b"GPS" not in published
    image = Image.open(io.BytesIO(published))
    assert image.format == "JPEG" and not image.getexif() and "comment" not in image.info and "xmp" not in image.info
    # Orientation 6 applied: the 40x20 picture is now 20x40 with its left (red) half on top.
    assert image.size == (20, 40)
    red, _green, blue = image.convert("RGB").getpixel((10, 5))
    assert red > 200 and blue < 60
    red, _green, blue = image.convert("RGB").getpixel((10, 35))
    assert blue > 200 and red < 60


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_every_accepted_format_keeps_its_format_and_loses_its_metadata(fmt):
    content = image_with_metadata(fmt)
    upload = check_upload(content, 10 * 1024 * 1024)
    image = Image.open(io.BytesIO(upload.content))
    assert image.format == fmt and upload.media_type == f"image/{fmt.lower()}"
    assert not any(secret in upload.content for secret in SECRETS), fmt
    assert not image.getexif() and not {"comment", "xmp", "Author", "XML:com.adobe.xmp"} & set(image.info)
    if fmt == "GIF":
        assert image.n_frames == 2  # animation kept


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"%PDF-1.4 not an image", "only JPEG, PNG, GIF and WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "only JPEG, PNG, GIF and WebP"),  # the right first bytes, no image
        (b"GIF89a<html><script>alert(1)</script></html>", "only JPEG, PNG, GIF and WebP"),
        (plain_png()[:60], "cannot be decoded"),  # truncated
    ],
)
def test_what_pillow_cannot_decode_is_refused(app, client, api_key, tmp_path, monkeypatch, content, text):
    reply = upload(app, client, api_key, tmp_path, monkeypatch, content)
    assert reply.status_code == 400 and text in reply.get_json()[0]["description"]
    assert list(tmp_path.iterdir()) == []


def test_a_bmp_or_tiff_is_refused_even_though_pillow_reads_it():
    for fmt in ("BMP", "TIFF"):
        out = io.BytesIO()
        Image.new("RGB", (4, 4)).save(out, fmt)
        with pytest.raises(Exception, match="only JPEG, PNG, GIF and WebP"):
            check_upload(out.getvalue(), 10**6)


def test_a_staff_photo_is_cleaned_too(app, client, staff_key, submit, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    report = submit(**POTHOLE).get_json()[0]["service_request_id"]
    data = {"api_key": staff_key, "jurisdiction_id": "paris.fr", "media": (io.BytesIO(phone_jpeg()), "a.jpg")}
    reply = client.post(f"/open311/v2/requests/{report}/updates.json", data=data, content_type="multipart/form-data")
    assert reply.status_code == 200
    (stored,) = list(tmp_path.iterdir())
    assert not any(secret in stored.read_bytes() for secret in SECRETS)


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded():
    out = io.BytesIO()
    Image.new("1", (10_000, 8_000)).save(out, "PNG")  # a few kilobytes, 80 million pixels
    with pytest.raises(Exception, match="more than 64 million pixels"):
        check_upload(out.getvalue(), 10**6)
