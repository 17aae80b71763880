"""The admin's pages: only the admin, every account action audited, bad input refused whole."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from core.vocab import AuditAction
from storage.models import AuditLog, FaceSample, Guest, User
from storage.types import utcnow
from storage.unit_of_work import unit_of_work
from tests.support.web import add_guest, csrf_token, jpeg, login

ADMIN_PAGES = ["/admin/", "/admin/pengguna/", "/admin/tamu/", "/admin/kamera/"]
NEW_PASSWORD = "bunga-melati-di-taman"


def post(client, path, data=None, **kwargs):
    """A form POST as the browser sends it (with the page's CSRF token)."""
    token = csrf_token(client, "/admin/")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def audit_rows(env, action) -> list[AuditLog]:
    with env.sessions() as db:
        return list(db.scalars(select(AuditLog).where(AuditLog.action == action)))


def user_row(env, username) -> User | None:
    with env.sessions() as db:
        return db.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize("role", ["bupati", "adjutant", "guard", "operator", "security"])
def test_every_admin_page_is_refused_to_other_roles(env, role):
    client = env.client(role)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, (role, path)
    assert post(client, "/admin/pengguna/tambah", {"username": "x"}).status_code == 403


def test_admin_pages_open_for_the_admin(env):
    client = env.client("admin")
    for path in ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/kalibrasi/"' in html


def test_add_user_is_audited_and_can_log_in(env):
    admin = env.client("admin")
    form = {"username": "Satpam2", "full_name": "Pak Joko", "role": "guard",
            "password": NEW_PASSWORD, "password2": NEW_PASSWORD}  # fmt: skip
    response = post(admin, "/admin/pengguna/tambah", form, follow_redirects=True)
    assert "Pengguna satpam2 ditambahkan." in response.get_data(as_text=True)
    assert user_row(env, "satpam2").role == "guard"
    rows = audit_rows(env, AuditAction.USER_ADD)
    assert [(r.username, r.target, json.loads(r.detail)["role"]) for r in rows] == [
        ("admin1", "satpam2", "guard")
    ]
    newcomer = env.app.test_client()
    login(newcomer, "satpam2", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "pendek", "password2": "pendek"}, "terlalu pendek"),
        ({"password": "password123", "password2": "password123"}, "paling umum"),
        ({"password": "satpam2-rahasia-x", "password2": "satpam2-rahasia-x"}, "boleh memuat nama"),
        ({"password2": "lain-sekali-bedanya"}, "tidak sama"),
        ({"username": "guard1"}, "sudah dipakai"),
        ({"username": "a b"}, "3–60 karakter"),
        ({"role": "raja"}, "Peran tidak dikenal"),
    ],
)
def test_bad_new_accounts_are_refused_and_nothing_is_written(env, change, message):
    admin = env.client("admin")
    form = {"username": "satpam2", "role": "guard", "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD, **change}  # fmt: skip
    response = post(admin, "/admin/pengguna/tambah", form, follow_redirects=True)
    assert message in response.get_data(as_text=True)
    with env.sessions() as db:
        assert db.scalar(select(User).where(User.username == "satpam2")) is None
        assert len(db.scalars(select(User)).all()) == 6
    assert audit_rows(env, AuditAction.USER_ADD) == []


def test_disable_ends_the_sessions_and_enable_lets_back_in(env):
    admin, guard = env.client("admin"), env.client("guard")
    assert guard.get("/guard/").status_code == 200
    uid = env.users["guard"]
    response = post(admin, f"/admin/pengguna/{uid}/nonaktif", follow_redirects=True)
    assert "dinonaktifkan" in response.get_data(as_text=True)
    assert guard.get("/guard/").headers["Location"].startswith("/login")
    assert not user_row(env, "guard1").active
    post(admin, f"/admin/pengguna/{uid}/aktif")
    login(guard, "guard1")
    assert guard.get("/guard/").status_code == 200
    assert [r.action for r in audit_rows(env, AuditAction.USER_DISABLE)] == ["user_disable"]
    assert [r.target for r in audit_rows(env, AuditAction.USER_ENABLE)] == ["guard1"]


def test_the_admin_cannot_lock_themselves_out(env):
    admin = env.client("admin")
    uid = env.users["admin"]
    text = post(admin, f"/admin/pengguna/{uid}/nonaktif", follow_redirects=True).get_data(True)
    assert "akun Anda sendiri" in text
    text = post(admin, f"/admin/pengguna/{uid}/peran", {"role": "guard"}, follow_redirects=True)
    assert "akun Anda sendiri" in text.get_data(as_text=True)
    row = user_row(env, "admin1")
    assert row.active and row.role == "admin"


def test_reset_password_follows_the_rules_and_ends_sessions(env):
    admin, operator = env.client("admin"), env.client("operator")
    uid = env.users["operator"]
    weak = {"password": "1234567890", "password2": "1234567890"}
    text = post(admin, f"/admin/pengguna/{uid}/sandi", weak, follow_redirects=True).get_data(True)
    assert "paling umum" in text
    assert operator.get("/operator/").status_code == 200, "a refused reset changes nothing"
    good = {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    post(admin, f"/admin/pengguna/{uid}/sandi", good)
    assert operator.get("/operator/").headers["Location"].startswith("/login")
    login(env.app.test_client(), "operator1", NEW_PASSWORD)
    rows = audit_rows(env, AuditAction.PASSWORD_CHANGE)
    assert [(r.username, r.target) for r in rows] == [("admin1", "operator1")]


def test_change_role_moves_the_account_to_other_pages(env):
    admin, security = env.client("admin"), env.client("security")
    uid = env.users["security"]
    post(admin, f"/admin/pengguna/{uid}/peran", {"role": "operator"})
    assert user_row(env, "security1").role == "operator"
    assert security.get("/review/").headers["Location"].startswith("/login")
    login(security, "security1")
    assert security.get("/review/").status_code == 403
    assert security.get("/operator/").status_code == 200
    (row,) = audit_rows(env, AuditAction.USER_ROLE)
    assert json.loads(row.detail) | {} == {"role": "operator", "old_role": "security", "via": "web"}


def _guest_with_photo(env, name="Budi Santoso") -> tuple[int, str]:
    gid = add_guest(env, name)
    photo = jpeg(env.media, "faces")
    with unit_of_work(env.sessions, env.media) as uow:
        guest = uow.session.get(Guest, gid)
        from storage.guests import SampleInfo, add_sample
        from tests.support.web import fake_encoding

        add_sample(
            uow.session, guest, fake_encoding(1), photo, SampleInfo(quality=0.81, face_px=140)
        )
    return gid, photo


def test_guest_list_shows_photos_with_quality_and_is_audited_once(env):
    _gid, photo = _guest_with_photo(env)
    admin = env.client("admin")
    html = admin.get("/admin/tamu/").get_data(as_text=True)
    assert "Budi Santoso" in html and "kualitas 0.81" in html and "wajah 140 px" in html
    start = html.index('data-testid="guest-photo"')
    src = html[html.rindex("src=", 0, start) + 5 : start].split('"')[0].replace("&amp;", "&")
    assert src.startswith(f"/media/{photo}?l=")
    assert admin.get(src).status_code == 200
    assert audit_rows(env, AuditAction.VIEW_SNAPSHOT) == [], "a listed thumbnail is not logged"
    (view,) = audit_rows(env, AuditAction.VIEW_LIST)
    assert view.target == "admin_guests" and json.loads(view.detail)["photos"] == 1
    forged = f"/media/{photo}?l=0123456789abcdef0123456789abcdef"
    assert admin.get(forged).status_code == 200
    assert len(audit_rows(env, AuditAction.VIEW_SNAPSHOT)) == 1, "a bad token is audited"
    assert env.client("security").get(src).status_code == 200
    assert len(audit_rows(env, AuditAction.VIEW_SNAPSHOT)) == 2, "the token is the admin's"


def test_remove_guest_asks_first_then_erases_with_one_audit_row(env):
    gid, photo = _guest_with_photo(env)
    admin = env.client("admin")
    page = admin.get(f"/admin/tamu/{gid}/hapus").get_data(as_text=True)
    assert "Hapus Budi Santoso?" in page and "dianonimkan" in page
    text = post(admin, f"/admin/tamu/{gid}/hapus", follow_redirects=True).get_data(True)
    assert "belum dikonfirmasi" in text
    assert (env.media.root / photo).is_file()
    done = post(admin, f"/admin/tamu/{gid}/hapus", {"confirm": "yes"}, follow_redirects=True)
    assert f"Tamu #{gid} dihapus: 1 foto, 1 data wajah" in done.get_data(as_text=True)
    assert not (env.media.root / photo).exists()
    with env.sessions() as db:
        assert db.get(Guest, gid) is None and db.scalars(select(FaceSample)).all() == []
    (row,) = audit_rows(env, AuditAction.GUEST_REMOVE)
    assert row.username == "admin1" and row.target == f"guest:{gid}"
    missing = post(admin, "/admin/tamu/9999/hapus", {"confirm": "yes"}, follow_redirects=True)
    assert "tidak ditemukan" in missing.get_data(as_text=True)
    assert admin.get("/admin/tamu/9999/hapus").status_code == 404


def test_upload_without_an_enroller_says_so(env):
    admin = env.client("admin")
    html = admin.get("/admin/tamu/").get_data(as_text=True)
    assert 'data-testid="enrol-unavailable"' in html
    text = post(admin, "/admin/tamu/daftar", {"name": "X"}, follow_redirects=True).get_data(True)
    assert "tidak tersedia" in text


@pytest.fixture
def enrolling_env(env):
    """The env with the real enroller the entry point builds (dlib models, real photos)."""
    from tamu.enrolment import PhotoEnroller

    env.app.extensions["tamu"].enroller = PhotoEnroller(env.config)
    return env


def _upload(client, faces: Path, name: str, *photos: str):
    files = [((faces / p).open("rb"), Path(p).name) for p in photos]
    try:
        data = {"name": name, "category": "pemerintah", "photos": files}
        return post(client, "/admin/tamu/daftar", data, follow_redirects=True,
                    content_type="multipart/form-data")  # fmt: skip
    finally:
        for handle, _name in files:
            handle.close()


def test_enrol_by_upload_with_the_cli_checks_and_messages(enrolling_env, faces_dir):
    env, admin = enrolling_env, enrolling_env.client("admin")
    text = _upload(admin, faces_dir, "Barack Obama", "obama/obama1.jpg", "obama/obama2.jpg")
    text = text.get_data(as_text=True)
    assert "Terdaftar: Barack Obama (id " in text and "), 2 foto" in text
    (row,) = audit_rows(env, AuditAction.GUEST_ADD)
    assert row.username == "admin1" and json.loads(row.detail) == {"photos": 2, "via": "web"}
    again = _upload(admin, faces_dir, "Obama Lagi", "obama/obama3.jpg").get_data(as_text=True)
    assert "sudah terdaftar sebagai #" in again and "Barack Obama" in again
    with env.sessions() as db:
        assert sorted(g.name for g in db.scalars(select(Guest))) == ["Barack Obama", "Obama Lagi"]
        assert len(db.scalars(select(FaceSample)).all()) == 3


@pytest.mark.parametrize(
    ("photos", "reason"),
    [
        (("biden/biden1.jpg", "edge/two_people.jpg"), "two_people.jpg: beberapa wajah (2"),
        (("README.md",), "README.md: tidak terbaca / bukan gambar"),
    ],
)
def test_a_bad_photo_enrols_nothing(enrolling_env, faces_dir, photos, reason):
    env, admin = enrolling_env, enrolling_env.client("admin")
    text = _upload(admin, faces_dir, "Joe Biden", *photos).get_data(as_text=True)
    assert "Tidak ada yang didaftarkan." in text and reason in text
    with env.sessions() as db:
        assert db.scalars(select(Guest)).all() == []
    assert [rel for rel, _p in env.media.files() if rel.startswith("faces")] == []


def test_a_photo_without_a_face_is_refused(enrolling_env, tmp_path):
    import numpy as np
    from PIL import Image

    blank = tmp_path / "dinding.jpg"
    Image.fromarray(np.full((240, 320, 3), 200, np.uint8)).save(blank)
    admin = enrolling_env.client("admin")
    text = _upload(admin, tmp_path, "Nobody", "dinding.jpg").get_data(as_text=True)
    assert "dinding.jpg: tidak ada wajah yang ditemukan" in text


def test_cameras_page_shows_status_fps_and_last_frame(env):
    from storage.cameras import update_status
    from storage.db import transaction
    from tests.support.health import beat

    with transaction(env.sessions) as db:
        update_status(db, "gate", "online", last_frame_at=utcnow(), fps=4.5)
    beat(env.sessions)  # a worker is running: its cameras' reports count
    html = env.client("admin").get("/admin/kamera/").get_data(as_text=True)
    assert 'data-camera="gate"' in html and "4.5 fps" in html
    assert 'data-status="online"' in html and 'data-status="offline"' in html
    assert len(audit_rows(env, AuditAction.VIEW_LIVE)) == 1


def test_large_uploads_only_for_the_admin(env):
    """2 MB passes the upload limit for the admin only; anyone else is refused before parsing."""
    for role, status in (("security", 413), ("admin", 302)):
        client = env.client(role)
        token = csrf_token(client, "/")
        photo = (io.BytesIO(b"\0" * 2_000_000), "big.jpg")
        response = client.post(
            "/admin/tamu/daftar", data={"csrf_token": token, "name": "X", "photos": [photo]},
            content_type="multipart/form-data",
        )  # fmt: skip
        assert response.status_code == status, role
