"""Photos: re-encoded on upload with all metadata dropped, served only to their couple."""
import io
import os
import secrets
import tempfile
import warnings
from pathlib import Path

from flask import Blueprint, current_app, send_file
from flask_babel import gettext as _
from flask_login import current_user
from PIL import Image, ImageOps, UnidentifiedImageError

from .accounts import paired_required
from .models import Photo
from .scoping import get_owned

bp = Blueprint("photos", __name__)

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
MAX_PIXELS = 40_000_000
LONG_SIDE = 2048
MAX_PHOTOS = 4


class PhotoError(ValueError):
    """An upload that is not a usable photo; the message is for the user."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def reencode(raw: bytes) -> tuple[bytes, int, int]:
    """A clean JPEG from an uploaded image: upright, at most 2048 px, with no metadata at all.

    Decoding and encoding again is what strips EXIF (GPS included), XMP, ICC comments and
    anything smuggled after the image data.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError(_("Only JPEG, PNG and WebP photos can be added."))
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError(_("This photo has too many pixels. Please send a smaller one."), 413)
            image.load()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_("This photo has too many pixels. Please send a smaller one."), 413) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PhotoError(_("This file is not a photo we can read, or it is damaged.")) from None
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((LONG_SIDE, LONG_SIDE))
    # Pillow writes some metadata it read (a JPEG comment, for one) back out unless told not to.
    image.info = {}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue(), image.width, image.height


def read_upload(storage, max_bytes: int) -> bytes:
    """The bytes of one uploaded file, refusing it once it passes `max_bytes`."""
    raw = storage.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise PhotoError(
            _("Each photo may be at most %(mb)d MB.", mb=max_bytes // (1024 * 1024)), 413
        )
    if not raw:
        raise PhotoError(_("This file is empty."))
    return raw


def prepare_photos(files) -> list[tuple[bytes, int, int]]:
    """Check and re-encode every uploaded photo before anything is saved."""
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_PHOTOS:
        raise PhotoError(_("Add at most %(n)d photos.", n=MAX_PHOTOS))
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    return [reencode(read_upload(f, limit)) for f in files]


def couple_folder(couple_id: int) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / str(couple_id)


def photo_path(couple_id: int, photo_id: str) -> Path:
    return couple_folder(couple_id) / f"{photo_id}.jpg"


def store_photos(db, prepared, *, couple_id: int, checkin_id: int, now, first_position: int = 0) -> list[Path]:
    """Write prepared photos under random names and add their rows; returns the files written."""
    written = []
    folder = couple_folder(couple_id)
    folder.mkdir(parents=True, exist_ok=True)
    for position, (data, width, height) in enumerate(prepared, start=first_position):
        photo_id = secrets.token_hex(16)
        target = photo_path(couple_id, photo_id)
        # Written to a temporary name first, so a crash never leaves half a photo behind.
        fd, temp = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
        written.append(target)
        db.add(
            Photo(
                id=photo_id,
                couple_id=couple_id,
                checkin_id=checkin_id,
                position=position,
                width=width,
                height=height,
                size=len(data),
                created_at=now,
            )
        )
    return written


def remove_files(paths):
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


@bp.get("/photos/<photo_id>")
@paired_required
def show(photo_id):
    """A photo of the signed-in user's couple, always as image/jpeg."""
    photo = get_owned(Photo, photo_id[:32], current_user.couple_id)
    path = photo_path(photo.couple_id, photo.id)
    if not path.exists():
        current_app.logger.warning("photo %s: file missing", photo.id)
        return _("This photo is no longer available."), 404
    response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True)
    response.headers["Content-Disposition"] = "inline"
    return response
