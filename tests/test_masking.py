"""The one format of each mask (bot.masking), as tables: a phone or WhatsApp address, NIK-like
numbers in free text, one identity document's number. Short, empty and odd input included."""

from __future__ import annotations

import pytest

from bot.masking import mask_id, mask_nik, mask_phone


@pytest.mark.parametrize(("address", "masked"), [
    ("+6281339151776", "+62*****1776"),
    ("+6281234500001", "+62*****0001"),
    ("+628123450001", "+62*****0001"),  # one digit shorter: the same number of stars
    ("whatsapp:+6281339151776", "+62*****1776"),
    ("+14155550123", "+14*****0123"),
    ("081339151776", "081*****1776"),
    ("+621234", "*****"),  # too short to keep anything of
    ("+62", "*****"),
    ("", ""),
    (None, ""),
    ("whatsapp:", ""),
    # WhatsApp BSUIDs (a user who hides their number): country prefix, stars, last four.
    ("ID.1502576394655843", "ID.*****5843"),
    ("whatsapp:ID.1502576394655843", "ID.*****5843"),
    ("id.AbCdEf0123456789xyz", "ID.*****9xyz"),
    ("ID.12345678", "ID.*****"),  # too short to keep its end
])
def test_phone_mask(address, masked):
    assert mask_phone(address) == masked


@pytest.mark.parametrize("address", ["+6281339151776", "ID.1502576394655843", "+628123"])
def test_phone_mask_never_shows_the_whole_address(address):
    masked = mask_phone(address)
    assert address not in masked and "*****" in masked


@pytest.mark.parametrize(("text", "expected"), [
    ("5171010101010001", "5171********0001"),
    ("NIK saya 5171010101010001 ya", "NIK saya 5171********0001 ya"),
    ("5171 0101 0101 0001", "5171********0001"),
    ("5171-0101-0101-0001", "5171********0001"),
    ("5171.0101.0101.0001.", "5171********0001."),
    ("a5171010101010001b", "a5171********0001b"),
    ("dua: 5171010101010001, 3201020202020002", "dua: 5171********0001, 3201********0002"),
    ("nomor HP 081234567890", "nomor HP 081234567890"),  # 12 digits: a phone number, not a NIK
    ("17 digit 51710101010100019", "17 digit 51710101010100019"),  # not NIK-like
    ("ID.1502576394655843", "ID.1502********5843"),  # a BSUID's 16 digits in free text are masked too
    ("", ""),
    (None, ""),
])
def test_nik_like_numbers_in_text_are_masked(text, expected):
    assert mask_nik(text) == expected


@pytest.mark.parametrize(("number", "masked"), [
    ("5171010101900001", "5171********0001"),  # NIK, KK: first and last four
    ("123456789012", "********9012"),  # SIM: last four
    ("1234567890123", "*********0123"),
    ("01234567890", "*******7890"),
    ("1234567", "*******"),  # too short to keep any of it
    ("1234", "****"),
    ("", ""),
    (None, ""),
])
def test_identity_number_mask(number, masked):
    assert mask_id(number) == masked
