"""The admin's calibration page: the newest report of `tamu calibrate` (or of the worker)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.vocab import AuditAction
from storage.calibration import latest_report
from web.auth import audit, roles_required
from web.charts import calibration_histogram
from web.extensions import state
from web.responses import error_page

bp = Blueprint("calibration", __name__, url_prefix="/admin/kalibrasi")

# The report is made by the worker or the CLI, in English; the page says why in the user's language.
BASIS = {
    "replay": _l("diuji pada kunjungan tercatat: tanpa salah nama, paling banyak dikenali"),
    "distributions": _l("di atas 95 persen jarak wajah sendiri, di bawah 95 persen orang berbeda"),
    "overlap": _l("sebaran tumpang tindih: dipilih agar orang asing tidak diberi nama"),
    "no_data": _l("data belum cukup"),
}


@bp.get("/")
@roles_required()
def index() -> str:
    """Distances between guests and strangers, look-alikes, advice and the replay."""
    with state().sessions() as db:
        latest = latest_report(db)
    audit(AuditAction.VIEW_CALIBRATION)
    made, report = latest if latest is not None else (None, None)
    basis = None
    if report is not None:
        rec = report["recommendation"]
        basis = BASIS.get(rec.get("basis_code", ""), rec["basis"])
    return render_template("calibration.html", made=made, report=report, basis=basis)


@bp.get("/histogram.png")
@roles_required()
def histogram() -> Response | tuple[object, int]:
    """Both distance distributions of the newest report as an image."""
    with state().sessions() as db:
        latest = latest_report(db)
    if latest is None:
        return error_page(_("Belum ada laporan kalibrasi."), 404)
    labels = {
        "genuine": _("wajah yang sama"),
        "impostor": _("orang berbeda"),
        "tolerance": _("toleransi"),
        "x": _("jarak wajah (dlib)"),
        "y": _("jumlah"),
    }
    png = calibration_histogram(latest[1], labels)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})
