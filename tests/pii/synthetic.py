"""Synthetic support-chat texts for differential tests of the PII detectors.

Deterministic (seeded) and self-contained: nothing here imports `charter`, so two versions
of the detector can be run on exactly the same texts. The texts mix what the recognizers
look at — phone numbers of every country (libphonenumber's example numbers, written
internationally, nationally and mangled), digit runs in every grouping, valid and broken
check digits, dates, e-mails, URLs, IPs, wallets, names after cues and titles, places,
streets, context and negative words in English and Turkish — with filler, odd Unicode
(non-ASCII digits, dotted İ, combining marks, no-break spaces) and case changes.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator
from functools import cache


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FILLER = _words(
    "the a and to my is please can you order was it for on with at by we our your this that "
    "have has been thanks no yes hello it's not working since yesterday refund shipping box "
    "merhaba lütfen ve bir bu için ile siparişim kargo hesap numaram iade ürün teşekkürler "
    "tamam değil çok ne zaman gelir acaba de da mi"
)
CONTEXT = _words(
    "phone tel tel. mobile cell call fax whatsapp sms dial telefon telefonum cep gsm arayın ara "
    "number numara contact reach iletişim ulaş order invoice tracking ticket ref sipariş "
    "fatura takip amount total price tutar version sürüm isbn ssn passport pasaport nhs pesel "
    "bsn born birth dob doğum doğdum yaşında wallet bitcoin btc ethereum eth cüzdan iban bank "
    "account hesap banka card credit visa kart kredi tc kimlik tckn dni nif nie codice fiscale "
    "hetu personnummer steuer-id idnr nino dea licence doctor email e-posta mail url website "
    "link site ip address adres host server sunucu name customer isim müşteri live city from"
)
CUES = (
    "my name is", "My name is", "my name's", "call me", "Call me", "name:", "Name:",
    "full name:", "Adım", "adım", "Adı Soyadı:", "ad soyad", "benim adım", "ismim", "isim:",
    "I'm", "I am", "i'm", "This is", "this is", "it's", "here is", "Ben", "ben", "Hi", "hi",
    "Hello", "Hey", "Dear", "Thanks,", "Thank you", "Cheers,", "Regards,", "Best,",
    "Sincerely,", "Merhaba", "Selam", "Sevgili", "Teşekkürler", "Sağ ol", "Saygılarımla,",
    "İyi günler", "Sayın", "Sn.", "Mr", "Mr.", "Mrs", "Ms.", "Miss", "Dr.", "Prof.", "Sir",
    "Lady", "Bay", "Bayan", "Av.", "Doç.", "I live in", "i live in", "I'm from", "moved to",
    "based in", "located in", "living in", "city of", "hometown is", "flying to",
    "travelling to", "resident of",
)  # fmt: skip
AFTER = (
    "Bey", "Hanım", "Hanim", "Hoca", "'da oturuyorum", "'de yaşıyorum", "'ta ikamet",
    "'ten taşındım", "’da doğdum", "Street", "St.", "Avenue", "Ave", "Road", "Rd.", "Lane",
    "Drive", "Way", "Court", "Place", "Square", "Caddesi", "Cad.", "Sokak", "Sokağı", "Sk.",
    "Mahallesi", "Mah.", "Bulvarı", "Straße", "Str.", "Laan", "Weg", "No: 12", "No. 7/3",
    "Nr 5", "Numara:14",
)  # fmt: skip
GIVEN = (
    "John", "Jane", "Emily", "Sarah", "Tom", "Dan", "Richard", "Mary", "James", "Will",
    "Mark", "Daniel", "Siobhan", "Ayşe", "Ahmet", "Mehmet", "Fatma", "Zeynep", "Emre",
    "Berkay", "Ece", "Tuğba", "Gülnur", "Oğuz", "İbrahim", "Şule", "Çağla", "Tomasz", "Lukas",
    "Marie", "Giulia", "Sofía", "Ngozi", "Aisha", "Ben", "Can", "May", "Rose", "Hope",
)  # fmt: skip
SURNAMES = (
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Karakaya",
    "Akbaba", "Özdil", "Smith", "Doe", "Clarke", "Morgan", "Kelly", "Oliver", "Hanks",
    "Nixon", "Wiśniewski", "Müller", "Rossi", "García", "O'Brien", "Smith-Jones", "Okafor",
)  # fmt: skip
PLACES = (
    "London", "Paris", "Berlin", "New York", "Rio de Janeiro", "İstanbul", "Istanbul",
    "Ankara", "İzmir", "Eskişehir", "Çankaya", "Kadıköy", "Kraków", "Brussels", "Seattle",
    "Texas", "Germany", "Turkey", "Türkiye", "United Kingdom", "Isle of Man", "Trinidad and Tobago",
    "Stratford upon Avon", "Los Angeles", "San Francisco", "Bursa", "Antalya", "Muğla",
)  # fmt: skip
CAPITALISED = (
    "Premium", "Plan", "Basic", "Customer", "Support", "Team", "Monday", "Kargo", "Ücreti",
    "Müşteri", "Hizmetleri", "Pazartesi", "Order", "Invoice", "The", "Please", "Can", "Will",
    "May", "Mark", "As", "Read", "US", "EU", "TR", "IBAN", "DE", "FR", "GB", "NL", "OK",
    "Ürün", "İade", "Formu", "Baker", "Atatürk", "Cumhuriyet", "Main", "High", "Park",
)  # fmt: skip
ODD = (
    "İ", "ı", "ß", "ﬁ", "٣٤٥٦٧٨٩", "１２３４５６７", "\u0307", "\u00a0", "\t", "\n", "—", "…",
    "😀", "🇹🇷", "‐", "’", "“", "”", "½", "²", "Ⅻ", "\u200b", "ǅ", "ẞ", "Σ", "İstanbul'da",
)  # fmt: skip
SEPARATORS = (" ", " ", " ", " ", ", ", ". ", ": ", "\n", " - ", "; ", "! ", "? ", " (", ") ")
TLDS = ("com", "org", "net", "com.tr", "co.uk", "de", "io", "dev", "gov.tr", "xyz", "invalid")

Maker = Callable[[random.Random], str]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _tckn(rng: random.Random) -> str:
    d = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
    d10 = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    d11 = (sum(d) + d10) % 10
    return "".join(map(str, [*d, d10, d11]))


def _iban(rng: random.Random) -> str:
    country, length = rng.choice((("TR", 22), ("DE", 18), ("GB", 18), ("FR", 23), ("NL", 14),
                                  ("BE", 12), ("ES", 20), ("IT", 23), ("XX", 16)))  # fmt: skip
    if country in ("GB", "NL"):
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + _digits(
            rng, length - 4
        )
    else:
        bban = _digits(rng, length)
    moved = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in moved)
    check = f"{98 - int(numeric) % 97:02d}"
    value = country + check + bban
    if rng.random() < 0.5:
        value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def _card(rng: random.Random) -> str:
    body = rng.choice(("4", "51", "37", "6011", "9792", "35")) + _digits(rng, 13)
    body = body[:15] if len(body) > 15 else body
    number = body + _luhn_digit(body)
    style = rng.randrange(3)
    if style == 0:
        return number
    sep = " " if style == 1 else "-"
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


@cache
def _phone_examples() -> tuple[str, ...]:
    """libphonenumber's example numbers of every region, written three ways."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType

    out: list[str] = []
    kinds = (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE)
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in kinds:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            for fmt in (PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL,
                        PhoneNumberFormat.E164):  # fmt: skip
                out.append(phonenumbers.format_number(number, fmt))
    return tuple(out)


def _phone(rng: random.Random) -> str:
    value = rng.choice(_phone_examples())
    roll = rng.random()
    if roll < 0.15:  # a digit changed
        i = rng.randrange(len(value))
        if value[i].isdigit():
            value = value[:i] + rng.choice(string.digits) + value[i + 1 :]
    elif roll < 0.25:  # international prefix written 00
        value = "00" + value[1:] if value.startswith("+") else value
    elif roll < 0.35:  # separators changed
        value = value.replace(" ", rng.choice(("-", ".", "", " ", "/")))
    elif roll < 0.4:  # a trailing number
        value += rng.choice((" ", "-", "/")) + _digits(rng, rng.randint(1, 4))
    return value


def _grouped_digits(rng: random.Random) -> str:
    groups = [_digits(rng, rng.randint(1, 5)) for _ in range(rng.randint(1, 6))]
    sep = rng.choice((" ", "-", ".", "/", "", " ", "-"))
    value = sep.join(groups)
    lead = rng.choice(("", "", "", "+", "00", "0", "(", "+90 ", "+1 ", "(0", "#", "$", "No "))
    if lead == "(" or lead == "(0":
        value = lead + value.replace(sep, ") ", 1) if sep else lead + value + ")"
    else:
        value = lead + value
    return value


def _date(rng: random.Random) -> str:
    d, m, y = rng.randint(0, 35), rng.randint(0, 14), rng.randint(1890, 2110)
    month = rng.choice(("March", "march", "Ocak", "Şubat", "Aug.", "Sept", "Kasım", "December"))
    return rng.choice((f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d}", f"{m}/{d}/{y % 100:02d}",
                       f"{d} {month} {y}", f"{month} {d}, {y}", f"{d}th of {month} {y}",
                       str(y), f"{d}-{m}-{y}"))  # fmt: skip


def _word(rng: random.Random, lo: int = 2, hi: int = 9) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(lo, hi)))


def _email(rng: random.Random) -> str:
    local = rng.choice((_word(rng), f"{_word(rng)}.{_word(rng)}", f"{_word(rng)}+{_word(rng)}",
                        f"{_word(rng)}_{rng.randint(1, 99)}", "ş.yılmaz"))  # fmt: skip
    host = rng.choice((_word(rng), f"{_word(rng)}-{_word(rng)}", f"mail.{_word(rng)}"))
    value = f"{local}@{host}.{rng.choice(TLDS)}"
    return value.upper() if rng.random() < 0.1 else value


def _url(rng: random.Random) -> str:
    host = f"{rng.choice(('www.', '', 'shop.', 'panel.'))}{_word(rng)}.{rng.choice(TLDS)}"
    path = rng.choice(("", "/", f"/{_word(rng)}", f"/{_word(rng)}/{rng.randint(1, 9999)}?q=1",
                       "/a.b", "/x#frag", "."))  # fmt: skip
    scheme = rng.choice(("https://", "http://", "ftp://", "", "", "HTTPS://"))
    return scheme + host + path


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return ".".join(str(rng.randint(0, 300)) for _ in range(4)) + rng.choice(("", "/24"))
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(rng.randint(2, 8))]
    if rng.random() < 0.5:
        groups.insert(rng.randint(1, len(groups) - 1), "")
    return ":".join(groups)


def _identifier(rng: random.Random) -> str:
    choices: list[Maker] = [
        _tckn, _iban, _card,
        lambda r: _tckn(r)[:-1] + r.choice(string.digits),  # broken check digit
        lambda r: f"{_digits(r, 3)}-{_digits(r, 2)}-{_digits(r, 4)}",  # SSN-shaped
        lambda r: r.choice("UZS") + _digits(r, 8),  # passports
        lambda r: r.choice(string.ascii_uppercase) + r.choice(string.ascii_uppercase)
        + _digits(r, 7),
        lambda r: _digits(r, 8) + r.choice("TRWAGMYFPDXBNJZSQVHLCKE"),  # NIF-shaped
        lambda r: r.choice("XYZ") + _digits(r, 7) + r.choice(string.ascii_uppercase),
        lambda r: "".join(r.choice(string.ascii_uppercase) for _ in range(6)) + _digits(r, 2)
        + r.choice("ABCDEHLMPRST") + _digits(r, 2) + r.choice(string.ascii_uppercase)
        + _digits(r, 3) + r.choice(string.ascii_uppercase),
        lambda r: r.choice("ABFM") + r.choice(string.ascii_uppercase) + _digits(r, 7),  # DEA
        lambda r: f"{r.choice('ABCEHJ')}{r.choice('ABCEH')} {_digits(r, 2)} {_digits(r, 2)} "
        f"{_digits(r, 2)} {r.choice('ABCD')}",  # NINO
        lambda r: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        lambda r: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        lambda r: "0x" + "".join(r.choice("0123456789abcdefABCDEF") for _ in range(40)),
        lambda r: f"{_digits(r, 6)}-{_digits(r, 4)}",  # personnummer-shaped
        lambda r: f"{_digits(r, 6)}{r.choice('-+A')}{_digits(r, 3)}{r.choice('0123456789ABCY')}",
    ]  # fmt: skip
    return rng.choice(choices)(rng)


def _name(rng: random.Random) -> str:
    parts = [rng.choice(GIVEN)]
    if rng.random() < 0.2:
        parts.append(rng.choice(string.ascii_uppercase) + ".")
    if rng.random() < 0.7:
        parts.append(rng.choice(SURNAMES))
    if rng.random() < 0.1:
        parts.append(rng.choice(SURNAMES))
    return " ".join(parts)


def _capitalised(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(CAPITALISED)
    return _word(rng, 3, 10).capitalize()


MAKERS: tuple[tuple[Maker, int], ...] = (
    (lambda r: r.choice(FILLER), 30),
    (lambda r: r.choice(CONTEXT), 12),
    (lambda r: r.choice(CUES), 6),
    (lambda r: r.choice(AFTER), 4),
    (_name, 8),
    (lambda r: r.choice(PLACES), 4),
    (_capitalised, 6),
    (_phone, 8),
    (_grouped_digits, 8),
    (lambda r: _digits(r, r.randint(1, 22)), 4),
    (_identifier, 6),
    (_date, 3),
    (_email, 3),
    (_url, 3),
    (_ip, 2),
    (lambda r: r.choice(ODD), 2),
)
_WEIGHTED = [maker for maker, weight in MAKERS for _ in range(weight)]


def synthetic_text(rng: random.Random, *, tokens: tuple[int, int] = (3, 40)) -> str:
    out: list[str] = []
    for _ in range(rng.randint(*tokens)):
        out.append(rng.choice(_WEIGHTED)(rng))
        out.append(rng.choice(SEPARATORS))
    text = "".join(out).strip()
    roll = rng.random()
    if roll < 0.05:
        text = text.lower()
    elif roll < 0.08:
        text = text.upper()
    return text


def synthetic_texts(count: int, *, seed: int = 17) -> Iterator[str]:
    rng = random.Random(seed)
    for i in range(count):
        yield synthetic_text(rng, tokens=(40, 400) if i % 50 == 49 else (3, 40))
