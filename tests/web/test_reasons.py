"""Refusals from vision and storage (English, shared with the CLI) reach the dashboard in the
user's language; a reason nobody translated is shown as it is rather than lost."""

import pytest
from flask import session

from web.reasons import refusal

CASES = [
    ("no face found", "tidak ada wajah yang ditemukan", "no face found"),
    (
        "several faces (2 found); use a photo of one person",
        "beberapa wajah (2 ditemukan); pakai foto satu orang",
        "several faces (2 found); use a photo of one person",
    ),
    (
        "face too small (31 px < 40 px minimum)",
        "wajah terlalu kecil (31 px, minimal 40 px)",
        "face too small (31 px < 40 px minimum)",
    ),
    ("unreadable / not an image", "tidak terbaca / bukan gambar", "unreadable / not an image"),
    ("name must not be empty", "Nama wajib diisi.", "Name is required."),
    (
        "institution is 301 characters long; at most 200 allowed",
        "Instansi terlalu panjang (maksimal 200 karakter).",
        "Institution is too long (at most 200 characters).",
    ),
    (
        "level 'darurat' is not one of rendah, sedang, tinggi",
        "Tingkat 'darurat' tidak dikenal; pilih salah satu: rendah, sedang, tinggi",
        "Level 'darurat' is not one of rendah, sedang, tinggi",
    ),
    ("a reason nobody translated", "a reason nobody translated", "a reason nobody translated"),
]


@pytest.mark.parametrize(("reason", "indonesian", "english"), CASES)
def test_refusals_follow_the_language(env, reason, indonesian, english):
    with env.app.test_request_context("/"):
        assert refusal(reason) == indonesian
    with env.app.test_request_context("/"):
        session["lang"] = "en"
        assert refusal(reason) == english
