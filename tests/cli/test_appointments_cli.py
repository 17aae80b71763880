"""`tamu appointments add` and `list`: the contract, bad input, and a photo that enrols."""

from __future__ import annotations

import pytest


def test_add_then_list_as_text_and_json(tamu):
    result = tamu.ok(
        "appointments", "add", "--name", "Bu Sri Wahyuni", "--at", "2026-11-26T10:00",
        "--purpose", "Audiensi sekolah", "--host", "Bupati",
    )  # fmt: skip
    assert result.stdout.strip() == (
        "Janji temu #1: Bu Sri Wahyuni, 2026-11-26 10:00–11:00 dengan Bupati"
    )
    tamu.ok("appointments", "add", "--name", "Pak Budi", "--at", "2026-11-26T08:30+07:00",
            "--until", "2026-11-26T09:00+07:00")  # fmt: skip
    listed = tamu.json("appointments", "list", "--json")
    assert listed == [
        {
            "id": 2, "name": "Pak Budi", "at": "2026-11-26T01:30:00+00:00",
            "until": "2026-11-26T02:00:00+00:00", "purpose": None, "host": None,
            "status": "expected", "arrival_id": None, "guest_id": None, "origin_arrival_id": None,
        },
        {
            "id": 1, "name": "Bu Sri Wahyuni", "at": "2026-11-26T03:00:00+00:00",
            "until": "2026-11-26T04:00:00+00:00", "purpose": "Audiensi sekolah",
            "host": "Bupati", "status": "expected", "arrival_id": None, "guest_id": None,
            "origin_arrival_id": None,
        },
    ]  # fmt: skip
    text = tamu.ok("appointments", "list").stdout.splitlines()
    assert text == [
        "#2 2026-11-26 08:30–09:00 Pak Budi [expected]",
        "#1 2026-11-26 10:00–11:00 Bu Sri Wahyuni [expected] · Bupati",
    ]


def test_list_when_empty(tamu):
    assert tamu.ok("appointments", "list").stdout == "no appointments\n"
    assert tamu.json("appointments", "list", "--json") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "Ani", "--at", "besok"], "Waktu janji tidak valid"),
        (["--name", "Ani", "--at", "1990-01-01T10:00"], "Waktu janji tidak valid"),
        (["--name", "Ani", "--at", "2026-11-26T10:00", "--until", "2026-11-26T09:59"],
         "Waktu selesai harus sesudah waktu mulai"),
        (["--name", "  ", "--at", "2026-11-26T10:00"], "Nama wajib diisi"),
        (["--name", "A\x1bB", "--at", "2026-11-26T10:00"], "Nama berisi karakter kontrol"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_saves_nothing(tamu, args, message):
    result = tamu("appointments", "add", *args)
    assert result.exit_code == 1
    assert "nothing saved" in result.output and message in result.output
    assert tamu.json("appointments", "list", "--json") == []


def test_a_photo_enrols_the_guest(tamu, faces_dir):
    photo = faces_dir / "biden" / "biden1.jpg"
    result = tamu.ok("appointments", "add", "--name", "Joe Biden", "--at", "2026-11-26T10:00",
                     "--photo", photo)  # fmt: skip
    assert result.stdout.startswith("Terdaftar: Joe Biden (id 1), 1 foto\nJanji temu #1: ")
    guests = tamu.json("guests", "list", "--json")
    assert [(g["id"], g["name"], g["samples"]) for g in guests] == [(1, "Joe Biden", 1)]
    assert tamu.json("appointments", "list", "--json")[0]["guest_id"] == 1


def test_a_photo_without_one_usable_face_saves_nothing(tamu, faces_dir):
    photo = faces_dir / "edge" / "two_people.jpg"
    result = tamu("appointments", "add", "--name", "Dua Orang", "--at", "2026-11-26T10:00",
                  "--photo", photo)  # fmt: skip
    assert result.exit_code == 1 and "nothing saved" in result.output
    assert tamu.json("appointments", "list", "--json") == []
    assert tamu.json("guests", "list", "--json") == []
    assert tamu.media_files() == []


def test_cancel(tamu):
    tamu.ok("appointments", "add", "--name", "Ani", "--at", "2026-11-26T10:00")
    assert tamu.ok("appointments", "cancel", "1").stdout == "Janji temu #1 (Ani) dibatalkan\n"
    again = tamu("appointments", "cancel", "1")
    assert again.exit_code == 1 and "tidak lagi dijadwalkan (status: cancelled)" in again.output
    assert tamu.json("appointments", "list", "--json")[0]["status"] == "cancelled"
