"""A corpus of hostile uploads: nothing is stored without re-encoding, nothing stored keeps metadata."""
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from trust.models import CheckIn, Photo

MARK = b"HOSTILE-MARKER"


def jpeg(size=(40, 30), **save):
    out = io.BytesIO()
    Image.new("RGB", size, (120, 90, 60)).save(out, "JPEG", **save)
    return out.getvalue()


def gps_exif():
    exif = Image.Exif()
    exif[0x010F] = MARK.decode()  # camera make
    exif[0x8825] = {1: "N", 2: (35.0, 39.0, 29.0), 3: "E", 4: (139.0, 42.0, 3.0)}
    return exif


def with_xmp(raw: bytes) -> bytes:
    """A JPEG with an APP1 XMP segment naming a place, right after the SOI marker."""
    body = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><photoshop:City>" + MARK + b"</photoshop:City></x:xmpmeta>"
    return raw[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + raw[2:]


def png_with_text():
    out = io.BytesIO()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", MARK.decode())
    Image.new("RGB", (20, 20), (1, 2, 3)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def png_claiming(width, height):
    """A tiny PNG whose header claims `width` x `height` pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))


def fmt(name, **save):
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, name, **save)
    return out.getvalue()


def jpeg_zip_polyglot():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.html", b"<script>" + MARK + b"</script>")
    return jpeg() + out.getvalue()


def webp_with_gps():
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "WEBP", exif=gps_exif())
    return out.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>' + MARK + b"</script></svg>"

CORPUS = {
    # name: (bytes, filename, content type, what must happen: "stored" or a status)
    "html named .jpg": (b"<html><script>" + MARK + b"</script></html>", "a.jpg", "image/jpeg", 400),
    "svg named .png": (SVG, "a.png", "image/png", 400),
    "svg as image/svg+xml": (SVG, "a.svg", "image/svg+xml", 400),
    "jpeg + html polyglot": (jpeg() + b"<html><script>" + MARK + b"</script>", "a.jpg", "image/jpeg", "stored"),
    "jpeg + zip polyglot": (jpeg_zip_polyglot(), "a.jpg", "image/jpeg", "stored"),
    "html then jpeg": (b"<html>" + MARK + b"</html>" + jpeg(), "a.jpg", "image/jpeg", 400),
    "jpeg with GPS exif": (jpeg(exif=gps_exif()), "a.jpg", "image/jpeg", "stored"),
    "jpeg with XMP place": (with_xmp(jpeg()), "a.jpg", "image/jpeg", "stored"),
    "jpeg with comment": (jpeg(comment=MARK), "a.jpg", "image/jpeg", "stored"),
    "webp with GPS exif": (webp_with_gps(), "a.webp", "image/webp", "stored"),
    "png with text chunk": (png_with_text(), "a.png", "image/png", "stored"),
    "truncated jpeg": (jpeg((600, 400))[:700], "a.jpg", "image/jpeg", 400),
    "truncated png": (png_with_text()[:40], "a.png", "image/png", 400),
    "pixel bomb png": (png_claiming(60000, 60000), "a.png", "image/png", 413),
    "gif": (fmt("GIF"), "a.gif", "image/gif", 400),
    "bmp": (fmt("BMP"), "a.bmp", "image/bmp", 400),
    "tiff": (fmt("TIFF"), "a.tif", "image/tiff", 400),
    "pdf": (b"%PDF-1.4\n" + MARK + b"\n%%EOF", "a.pdf", "application/pdf", 400),
    "empty": (b"", "a.jpg", "image/jpeg", 400),
    "random bytes": (bytes(range(256)) * 8, "a.jpg", "image/jpeg", 400),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_upload(name, ren, app, db):
    raw, filename, mimetype, expected = CORPUS[name]
    response = ren.post("/checkins/new", data={"kind": "report", "body": "with a photo",
                                               "photos": [(io.BytesIO(raw), filename, mimetype)]},
                        content_type="multipart/form-data")
    uploads = Path(app.config["UPLOAD_FOLDER"])
    stored = sorted(uploads.rglob("*")) if uploads.exists() else []
    files = [p for p in stored if p.is_file()]
    if expected == "stored":
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert len(files) == 1 and files[0].suffix == ".jpg"
        data = files[0].read_bytes()
        assert data != raw
        assert MARK not in data and b"<script" not in data and b"PK\x03\x04" not in data
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG" and not image.getexif() and "exif" not in image.info
        assert not any(k in image.info for k in ("comment", "xmp", "icc_profile"))
        assert db.exec(select(Photo)).one().size == len(data)
    else:
        assert response.status_code == expected, (response.status_code, response.get_data(as_text=True)[:300])
        assert files == []  # not even a half-written temporary file
        assert db.exec(select(CheckIn)).all() == []
        assert MARK.decode() not in response.get_data(as_text=True)


def test_a_request_over_the_size_limit_gets_413_before_it_is_read(ren, app, db):
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1
    response = ren.post("/checkins/new", data={"kind": "report", "body": "x",
                                               "photos": [(io.BytesIO(b"\xff" * too_big), "a.jpg")]},
                        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True).lower()
    assert db.exec(select(CheckIn)).all() == []
