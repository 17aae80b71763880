"""The admin's guest page: enrolled guests with their photos and quality, enrol by upload, erase.

Enrolment goes through the `Enroller` the entry point handed the app (the same checks and
messages as `tamu guests add`; web never loads the face models). Erasing a guest asks first,
then runs `storage.erasure.erase_guest` (one audit row). The list is audited once per view, not
once per thumbnail.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from core.enrolment import Enrolment, EnrolmentRefused
from core.errors import WorkflowError
from core.vocab import AuditAction, GuestCategory, PhotoWarning, Role
from storage.erasure import erase_guest
from storage.guests import get_guest, guests_with_samples
from web.auth import acting_user, audit, current_role, roles_required
from web.extensions import state
from web.messages import workflow_message
from web.reasons import refusal
from web.responses import error_page, reply_error, reply_ok
from web.work import unit_of_work

bp = Blueprint("admin_guests", __name__, url_prefix="/admin/tamu")
# Enrolment photos are larger than any other form: up to this much per upload.
UPLOAD_MAX_BYTES = 16 * 1024 * 1024
PHOTOS_MAX = 10
FIELDS = ("name", "category", "institution", "phone")
WARNING_LABELS: dict[str, Any] = {
    PhotoWarning.SMALL_FACE: _l("wajah kecil (sebaiknya 80 px atau lebih)"),
    PhotoWarning.BLURRED: _l("foto buram"),
    PhotoWarning.TURNED: _l("wajah tidak menghadap kamera"),
    PhotoWarning.EXPOSURE: _l("terlalu gelap, terlalu terang atau datar"),
    PhotoWarning.CUT_OFF: _l("wajah terpotong tepi foto (dilengkapi bingkai)"),
    PhotoWarning.UPSCALED: _l("foto kecil: wajah baru ditemukan setelah diperbesar"),
}


@bp.record_once
def _allow_photo_uploads(setup: Any) -> None:
    """Before every other hook (the CSRF check reads the form): the upload's larger limit."""

    def allow() -> None:
        # Only for a logged-in admin: nobody else gets to send 16 MB before being refused.
        if request.endpoint == "admin_guests.enrol" and current_role() == Role.ADMIN:
            request.max_content_length = UPLOAD_MAX_BYTES

    setup.app.before_request_funcs.setdefault(None, []).insert(0, allow)


def _back() -> str:
    return url_for("admin_guests.index")


@bp.get("/")
@roles_required()
def index() -> str:
    """Every guest with their photos (thumbnails), each photo's quality, and the upload form."""
    with state().sessions() as db:
        guests = guests_with_samples(db)
        page = render_template(
            "admin/guests.html",
            guests=guests,
            categories=list(GuestCategory),
            warning_labels=WARNING_LABELS,
            can_enrol=state().enroller is not None,
            photos_max=PHOTOS_MAX,
        )
        photos = sum(1 for g in guests for s in g.samples if s.photo)
    audit(AuditAction.VIEW_LIST, "admin_guests", {"guests": len(guests), "photos": photos})
    return page


def _uploads() -> list[FileStorage]:
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    if not files:
        raise EnrolmentRefused(reason=_("Pilih minimal satu foto."))
    if len(files) > PHOTOS_MAX:
        raise EnrolmentRefused(reason=_("Paling banyak %(n)s foto sekaligus.", n=PHOTOS_MAX))
    return files


def _save(files: list[FileStorage], folder: Path) -> list[tuple[str, Path]]:
    """Each upload under a neutral name in `folder`; (name shown, path) pairs."""
    saved = []
    for number, upload in enumerate(files, start=1):
        path = folder / f"photo-{number}"
        upload.save(path)
        shown = Path(upload.filename or path.name).name[:80]
        saved.append((shown, path))
    return saved


def _refusal(exc: EnrolmentRefused) -> str:
    """Why nothing was enrolled, with the CLI's reason for each unusable photo."""
    reasons = [f"{p.photo}: {refusal(p.reason)}" for p in exc.problems]
    if exc.reason:
        reasons.append(refusal(exc.reason))
    return _("Tidak ada yang didaftarkan. %(reasons)s", reasons="; ".join(reasons))


def _report(done: Enrolment) -> None:
    """Flash what was enrolled, each weak photo, and any already enrolled look-alike."""
    flash(_("Terdaftar: %(name)s (id %(id)s), %(n)s foto", name=done.name, id=done.guest_id,
            n=len(done.photos)), "success")  # fmt: skip
    for row in done.photos:
        warnings = row.get("warnings")
        for code in warnings if isinstance(warnings, list) else []:
            label = WARNING_LABELS.get(str(code), code)
            flash(
                _("PERINGATAN: %(photo)s: %(warning)s", photo=row["photo"], warning=label), "error"
            )
    for other in done.similar:
        flash(
            _("PERINGATAN: wajah ini sudah terdaftar sebagai #%(id)s %(name)s (jarak %(d).2f); "
              "periksa apakah orangnya sama", id=other["id"], name=other["name"],
              d=float(other["distance"])),  # type: ignore[arg-type]
            "error",
        )  # fmt: skip


@bp.post("/daftar")
@roles_required()
def enrol() -> Response:
    """Enrol a guest from uploaded photos: all usable, or nothing is written."""
    enroller = state().enroller
    if enroller is None:
        return reply_error(_("Pendaftaran dari foto tidak tersedia di server ini."), _back())
    fields = {key: (request.form.get(key) or "").strip() or None for key in FIELDS}
    fields["category"] = fields["category"] or GuestCategory.MASYARAKAT
    try:
        files = _uploads()
        with tempfile.TemporaryDirectory(prefix="tamu-enrol-") as folder:
            photos = _save(files, Path(folder))
            done = enroller(photos, fields, current_user.username)
    except EnrolmentRefused as exc:
        return reply_error(_refusal(exc), _back())
    _report(done)
    return redirect(_back())


@bp.get("/<int:guest_id>/hapus")
@roles_required()
def confirm_remove(guest_id: int) -> str | tuple[Any, int]:
    """Ask before erasing: what will be deleted, and what the guest book keeps."""
    with state().sessions() as db:
        guest = get_guest(db, guest_id)
        if guest is None:
            return error_page(_("Tamu tidak ditemukan."), 404)
        page = render_template(
            "admin/guest_remove.html",
            guest=guest,
            samples=len(guest.samples),
            policy=state().config.privacy.guestbook_on_erase,
        )
    return page


@bp.post("/<int:guest_id>/hapus")
@roles_required()
def remove(guest_id: int) -> Response:
    """Erase the guest: photos, encodings, visit snapshots; the guest book per policy."""
    if request.form.get("confirm") != "yes":
        return reply_error(_("Penghapusan belum dikonfirmasi."), _back())
    policy = state().config.privacy.guestbook_on_erase
    try:
        with unit_of_work() as uow:
            user = acting_user(uow.session)
            erased = erase_guest(uow.session, uow.files, guest_id, user, guestbook=policy)
    except WorkflowError as exc:
        return reply_error(workflow_message(exc), _back(), 404)
    message = _(
        "Tamu #%(id)s dihapus: %(photos)s foto, %(encodings)s data wajah, %(snaps)s foto "
        "kunjungan, %(lines)s baris buku tamu.",
        id=guest_id, photos=erased.photos, encodings=erased.encodings,
        snaps=erased.arrival_snapshots, lines=erased.guestbook,
    )  # fmt: skip
    return reply_ok(message, _back())
