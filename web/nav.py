"""The navigation bar: which pages each role sees, as data (one line per page).

A page is listed for the roles `web/security_policy.py` lets open it, so the bar never shows a
link that would answer 403. To add a page, add one `NavItem` line here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from web import security_policy as policy


@dataclass(frozen=True)
class NavItem:
    """One link: the endpoint it opens, its label, and the blueprint whose pages mark it current."""

    endpoint: str
    label: object  # a lazy string: translated when rendered
    section: str = ""

    def current_on(self) -> str:
        """The endpoint prefix whose pages mark this link as the current one."""
        return self.section or self.endpoint.rpartition(".")[0] + "."


NAV: tuple[NavItem, ...] = (
    NavItem("bupati.index", _l("Ruang tunggu")),
    NavItem("guard.index", _l("Pos jaga")),
    NavItem("operator.index", _l("Buku tamu")),
    NavItem("appointments.index", _l("Janji temu")),
    NavItem("enrol_arrival.index", _l("Kedatangan tanpa nama")),
    NavItem("review.index", _l("Kedatangan tercatat"), section="review.index"),
    NavItem("review.audit_log", _l("Log audit"), section="review.audit_log"),
    NavItem("watchlist.index", _l("Daftar perhatian")),
    NavItem("report.index", _l("Laporan layanan")),
    NavItem("complaints.manage", _l("Pengaduan"), section="complaints.manage"),
    NavItem("admin.index", _l("Administrasi"), section="admin.index"),
    NavItem("admin_users.index", _l("Pengguna")),
    NavItem("admin_guests.index", _l("Tamu terdaftar")),
    NavItem("admin_cameras.index", _l("Kamera")),
    NavItem("api_tokens.index", _l("Token API")),
    NavItem("calibration.index", _l("Kalibrasi")),
)


@dataclass(frozen=True)
class NavLink:
    """A link as the template shows it."""

    href: str
    label: str
    testid: str
    current: bool


def links_for(role: str | None) -> list[NavLink]:
    """The links `role` may open, in order; the one for the current page is marked."""
    if role is None:
        return []
    here = request.endpoint or ""
    links = []
    for item in NAV:
        if item.endpoint not in current_app.view_functions:
            continue  # a page not registered in this app
        if not policy.may_access(role, item.endpoint):
            continue
        try:
            href = url_for(item.endpoint)
        except BuildError:
            continue
        mark = item.current_on()
        current = here == mark if not mark.endswith(".") else here.startswith(mark)
        testid = "nav-" + item.endpoint.replace(".", "-").replace("_", "-")
        links.append(NavLink(href, str(item.label), testid, current))
    return links
