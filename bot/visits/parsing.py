"""What citizens and hosts type, checked: names, identity numbers, dates and times, short answers.

Each parser returns a value or raises `Invalid` with a reason key; the flow turns the reason into
a polite correction from the message catalog (`visit.errors.<reason>`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

import dateparser
from rapidfuzz import fuzz, process

from bot.masking import strip_separators
from bot.offices import Office
from bot.workdays import NATIONAL, Calendar


class Invalid(ValueError):
    """Input that fails a check; `reason` names the correction, `values` fill its placeholders."""

    def __init__(self, reason: str, **values: object):
        super().__init__(reason)
        self.reason = reason
        self.values = values


# -- names ---------------------------------------------------------------------------------------
# Words with spaces, dots, apostrophes and hyphens; a comma before a degree ("Dewa Gede Ngurah, S.H.").
_NAME = re.compile(r"^[^\W\d_]+\.?(?:(?:[ .'\-]|\. |, )[^\W\d_]+\.?)*$")


def full_name(text: str) -> str:
    name = re.sub(r"\s+", " ", text).strip()
    if len(name) < 3 or len(name) > 100:
        raise Invalid("name_length")
    if not _NAME.match(name):
        raise Invalid("name_chars")
    return name


# -- identity documents --------------------------------------------------------------------------
# Province codes of the NIK (Kemendagri), including the Papua provinces formed in 2022.
PROVINCES = frozenset({11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63,
                       64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96})
# Digits per document: KTP (NIK) and KK 16; SIM 12 or 14; NPWP 15, or 16 since the NIK became the NPWP;
# BPJS (Kartu Indonesia Sehat) 13.
ID_LENGTHS = {"ktp": (16,), "kk": (16,), "sim": (12, 14), "npwp": (15, 16), "bpjs": (13,)}


def digits_of(text: str) -> str:
    """Digits only, allowing the separators people type ("5171.0101 010101-0001", "5105 / 0145 / 0190 /
    0001"): the same reading as the NIK mask (bot/masking.py), so a number accepted here is masked there."""
    cleaned = strip_separators(text)
    if not cleaned.isdigit() or not cleaned.isascii():
        raise Invalid("id_digits")
    return cleaned


def nik_birth_date(nik: str, today: date) -> date:
    """The birth date in a NIK: DDMMYY, women's day + 40."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    century = 2000 if 2000 + year <= today.year else 1900
    try:
        return date(century + year, month, day)
    except ValueError as exc:
        raise Invalid("nik_birth") from exc


def nik(text: str, today: date) -> str:
    """A plausible NIK: 16 digits, a known province, a region and district, a real birth date, a sequence."""
    number = digits_of(text)
    if len(number) != 16:
        raise Invalid("nik_length", count=len(number))
    if int(number[:2]) not in PROVINCES:
        raise Invalid("nik_region")
    if number[2:4] == "00" or number[4:6] == "00":
        raise Invalid("nik_region")
    born = nik_birth_date(number, today)
    if born > today:
        raise Invalid("nik_birth")
    if number[12:] == "0000":
        raise Invalid("nik_sequence")
    return number


def id_number(id_type: str, text: str, today: date) -> str:
    if id_type == "ktp":
        return nik(text, today)
    number = digits_of(text)
    lengths = ID_LENGTHS[id_type]
    if len(number) not in lengths:
        raise Invalid("id_length", lengths=" / ".join(str(n) for n in lengths), count=len(number))
    if id_type == "kk" and int(number[:2]) not in PROVINCES:
        raise Invalid("nik_region")
    return number


# -- dates and times -----------------------------------------------------------------------------
_TIME = re.compile(
    r"(?:\b(?:jam|pukul|pkl\.?|at)\s*(?P<h1>\d{1,2})(?:[.:](?P<m1>\d{2}))?"
    r"|\b(?P<h2>\d{1,2})[.:](?P<m2>\d{2})\b)"
    r"(?:\s*(?P<part>pagi|siang|sore|malam|am|pm|wita|wib|wit)\b)?", re.IGNORECASE)
_FILLER = re.compile(r"\b(saja|aja|ya|yah|deh|nanti|tanggal|tgl|hari|pada|sekitar|kira-kira|kurang lebih|"
                     r"bisa|mohon|kak|pak|bu|please|on|the)\b", re.IGNORECASE)
_RELATIVE = {"hari ini": 0, "today": 0, "besok": 1, "besuk": 1, "tomorrow": 1, "lusa": 2}
_IN_DAYS = re.compile(r"\b(\d{1,2})\s*hari\s*(?:lagi|ke depan)\b", re.IGNORECASE)
_DATEPARSER_LANGUAGES = ["id", "en"]
_WEEKDAY_NAMES = {name: i for i, names in enumerate((
    ("senin", "monday"), ("selasa", "tuesday"), ("rabu", "wednesday"), ("kamis", "thursday"),
    ("jumat", "jum'at", "friday"), ("sabtu", "saturday"), ("minggu", "ahad", "sunday"))) for name in names}


def _hour(h: int, part: str | None) -> int:
    """"2 siang" is 14.00; "jam 2" at an office means 14.00 too (nobody visits at 2 at night)."""
    part = (part or "").lower()
    if (part == "siang" and h < 11) or (part in ("sore", "malam", "pm") and h < 12):
        return h + 12
    if not part and 1 <= h <= 6:
        return h + 12
    return h


def _split_time(text: str) -> tuple[str, time | None]:
    found = _TIME.search(text)
    if not found:
        return text, None
    h = int(found.group("h1") or found.group("h2"))
    m = int(found.group("m1") or found.group("m2") or 0)
    h = _hour(h, found.group("part"))
    if h > 23 or m > 59:
        raise Invalid("when_time")
    return (text[:found.start()] + " " + text[found.end():]).strip(), time(h, m)


def day_named(text: str, today: date) -> date | None:
    """The one day a question names ("sabtu buka?", "besok buka gak", "hari ini"), today included when
    its weekday is named; None when it names none. For questions, not bookings (no dates parsed)."""
    lowered = text.lower()
    for word, days in _RELATIVE.items():
        if re.search(rf"\b{word}\b", lowered):
            return today + timedelta(days=days)
    for word in re.findall(r"[a-z']+", lowered):
        if word in _WEEKDAY_NAMES and not (word == "minggu" and re.search(r"\bminggu (depan|ini|lalu)\b", lowered)):
            return today + timedelta(days=(_WEEKDAY_NAMES[word] - today.weekday()) % 7)
    return None


def _date_part(text: str, today: date) -> date | None:
    lowered = _FILLER.sub(" ", text.lower().replace(",", " "))
    lowered = re.sub(r"\b(minggu|pekan)\s+depan\b|\bdepan\b|\bnext\b|\bthis\b|\bini\b(?<!hari ini)", " ", lowered)
    lowered = re.sub(r"\s+", " ", lowered).strip()
    if not lowered:
        return None
    in_days = _IN_DAYS.search(text)
    if in_days:
        return today + timedelta(days=int(in_days.group(1)))
    for word, days in _RELATIVE.items():
        if re.search(rf"\b{word}\b", text.lower()):
            return today + timedelta(days=days)
    for word in lowered.split():
        if word in _WEEKDAY_NAMES:  # the next such day after today ("senin depan", "kamis")
            ahead = (_WEEKDAY_NAMES[word] - today.weekday() - 1) % 7 + 1
            return today + timedelta(days=ahead)
    base = datetime.combine(today, time(0, 0))
    parsed = dateparser.parse(lowered, languages=_DATEPARSER_LANGUAGES, settings={
        "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY", "RELATIVE_BASE": base,
        "PREFER_DAY_OF_MONTH": "first"})
    if parsed is None:
        raise Invalid("when_unknown")
    return parsed.date()


def parse_when(text: str, now: datetime, office: Office) -> datetime:
    """A date and time in free Indonesian or English, in the office's zone, as an aware datetime.

    "besok jam 10", "senin depan pukul 09.30", "25/11 jam 2 siang", "lusa 13.00", "tomorrow at 10".
    Raises Invalid when it cannot be read; `check_when` says whether the office receives then."""
    local_now = now.astimezone(office.zone)
    rest, at = _split_time(text)
    if at is None:
        # "besok jam 10" without "jam": a bare hour after the date ("besok 10")
        bare = re.search(r"\b(\d{1,2})\s*(pagi|siang|sore|malam|am|pm)\b", rest, re.IGNORECASE)
        if bare:
            at = time(_hour(int(bare.group(1)), bare.group(2)), 0)
            rest = (rest[:bare.start()] + " " + rest[bare.end():]).strip()
    day = _date_part(rest, local_now.date())
    if at is None:
        raise Invalid("when_no_time")
    if day is None:
        day = local_now.date()
    # dateparser was told to prefer the future; a bare time today that has passed stays "past".
    return datetime.combine(day, at, tzinfo=office.zone)


def office_day(day: date, office: Office, calendar: Calendar | None = None) -> bool:
    """Whether the office opens on `day`: its hours name the weekday and `calendar` (bot/workdays.py
    `office_calendar`, with the office's own days off; national holidays only when None) has no closure."""
    calendar = calendar or Calendar.for_office(office)
    return bool(office.spans(day)) and calendar.closure(day) is None


def check_when(moment: datetime, now: datetime, office: Office, max_days_ahead: int,
               calendar: Calendar | None = None) -> None:
    """Raises Invalid unless the office receives guests then: future, an office day, opening hours.
    `calendar` is the office's (bot/workdays.py `office_calendar`, `Context.calendar` in a flow), so that
    its cuti bersama and local closures are refused by name; None knows national holidays only."""
    local = moment.astimezone(office.zone)
    if moment <= now:
        raise Invalid("when_past")
    if local.date() > now.astimezone(office.zone).date() + timedelta(days=max_days_ahead):
        raise Invalid("when_too_far", days=max_days_ahead)
    closed = (calendar or Calendar.for_office(office)).closure(local.date())
    if closed:
        raise Invalid("when_holiday" if closed.kind == NATIONAL else "when_day_off", holiday=closed.label())
    spans = office.spans(local.date())
    if not spans:
        raise Invalid("when_closed_day")
    at = local.time()
    if not spans[0][0] <= at < spans[-1][1]:
        raise Invalid("when_hours", start=spans[0][0].strftime("%H.%M"), end=spans[-1][1].strftime("%H.%M"))
    for (_, closes), (opens, _) in pairwise(spans):
        if closes <= at < opens:  # a break in the day: Friday prayers, lunch
            raise Invalid("when_break", start=closes.strftime("%H.%M"), end=opens.strftime("%H.%M"))


# -- short answers -------------------------------------------------------------------------------
YES = ("ya", "iya", "y", "yes", "setuju", "bersedia", "boleh", "ok", "oke", "okay", "baik", "sip", "siap", "lanjut")
NO = ("tidak", "tdk", "no", "gak", "ga", "nggak", "enggak", "engga", "tak", "jangan", "tolak", "menolak")


_PRONOUN = re.compile(r"^\s*(saya|aku|kami|beta|tiang|ulun)\b[\s,]*")


def _first_word(text: str) -> str:
    words = re.findall(r"[a-z]+", text.lower())
    return words[0] if words else ""


def _fuzzy(word: str, choices: tuple[str, ...], cutoff: int = 80) -> bool:
    """Exact for short words ("ya", "siap"); typos tolerated against the words of five letters or more."""
    if word in choices:
        return True
    long_words = [c for c in choices if len(c) >= 5]
    if len(word) < 4 or not long_words:
        return False
    return process.extractOne(word, long_words, scorer=fuzz.ratio, score_cutoff=cutoff) is not None


def yes_no(text: str) -> bool | None:
    """1/ya/setuju → True, 2/tidak → False, anything else None (typos tolerated)."""
    cleaned = text.strip().rstrip(".!)").lower()
    if cleaned.endswith("?") and len(cleaned.split()) > 1:
        return None  # "boleh bawa pisau?" asks; it does not answer
    if cleaned == "1":
        return True
    if cleaned == "2":
        return False
    word = _first_word(_PRONOUN.sub("", cleaned))  # "saya tidak setuju" answers with its second word
    if _fuzzy(word, NO):
        return False
    if _fuzzy(word, YES):
        return True
    return None


@dataclass(frozen=True)
class HostAnswer:
    """What a host replied to a visit notice: accept, decline, propose (another time), redirect."""

    kind: str
    rest: str = ""  # the words after the keyword: a reason, a time, an employee


_HOST_WORDS = {
    "accept": ("terima", "diterima", "ok", "oke", "okay", "ya", "iya", "siap", "bisa", "boleh", "silakan",
               "silahkan", "setuju", "accept", "yes"),
    "decline": ("tolak", "ditolak", "tidak", "tdk", "gak", "ga", "nggak", "enggak", "maaf", "decline", "no"),
    "propose": ("usul", "usulkan", "usulan", "ganti", "ubah", "jadwal", "reschedule", "propose", "geser"),
    "redirect": ("alihkan", "alih", "teruskan", "terus", "oper", "lempar", "delegasikan", "redirect", "forward"),
}
_HOST_NUMBERS = {"1": "accept", "2": "decline", "3": "propose", "4": "redirect"}


def host_answer(text: str, now: datetime | None = None, office: Office | None = None) -> HostAnswer | None:
    """"1", "terima", "oke" → accept; "tolak, sedang sidang" → decline with its reason; "3 besok jam 10",
    "besok jam 10 saja" → propose; "4 kasi intel" → redirect. Typos are tolerated ("trima")."""
    cleaned = re.sub(r"^\s*mohon\s+(?=maaf\b)", "", text.strip(), flags=re.IGNORECASE)  # "mohon maaf, dinas luar"
    number = re.match(r"^\s*([1-4])(?:[.)]|\b)\s*[,:\-]?\s*(.*)$", cleaned, re.DOTALL)
    if number:
        return HostAnswer(_HOST_NUMBERS[number.group(1)], number.group(2).strip())
    word_match = re.match(r"^\s*([A-Za-z]+)\s*[,:\-.]?\s*(.*)$", cleaned, re.DOTALL)
    if word_match:
        word, rest = word_match.group(1).lower(), word_match.group(2).strip()
        if word in ("tidak", "tdk", "gak", "ga", "nggak", "enggak") and re.match(r"^(bisa|dapat|sempat)\b", rest):
            rest = re.sub(r"^(bisa|dapat|sempat)\b[\s,.:-]*", "", rest)
        for kind, words in _HOST_WORDS.items():
            if _fuzzy(word, words, cutoff=75):
                return HostAnswer(kind, rest)
    if now is not None and office is not None:
        try:
            parse_when(cleaned, now, office)
        except Invalid:
            return None
        return HostAnswer("propose", cleaned)
    return None
