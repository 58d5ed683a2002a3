"""Check digits: the part of validation that needs no context.

Pure functions on a value without separators, each named after the identifier it checks.
They are what makes a 9-letter code a DEA number or an 11-digit run a PESEL number rather
than a coincidence: a random string passes a mod-10 check one time in ten, a mod-97 check
one time in 97, a Base58Check one time in four billion. Custom recognizers can name some
of them (`validation = "luhn"`) in configuration.
"""

from __future__ import annotations

import hashlib
import re

from charter.pii._keccak import keccak256


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by every card scheme; `digits` has digits only."""
    kept = digits[-1::-2].encode()
    doubled = digits[-2::-2].translate(_LUHN_DOUBLED).encode()
    return (sum(kept) + sum(doubled) - 48 * len(digits)) % 10 == 0


# each digit d -> the digit sum of 2d (2d, minus 9 when above 9)
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def _digits(value: str) -> list[int]:
    return [ord(c) - 48 for c in value]


def tr_national_id_ok(value: str) -> bool:
    """TC Kimlik No: 11 digits, no leading zero, two check digits (NVI algorithm)."""
    if len(value) != 11 or not value.isdigit() or value[0] == "0":
        return False
    d = _digits(value)
    odd = d[0] + d[2] + d[4] + d[6] + d[8]
    even = d[1] + d[3] + d[5] + d[7]
    return (odd * 7 - even) % 10 == d[9] and sum(d[:10]) % 10 == d[10]


# --- IBAN ------------------------------------------------------------------------------------
# Country -> IBAN length: the SWIFT IBAN registry, plus the countries that issue IBANs
# outside it (most of francophone Africa, Algeria, Iran, Morocco, ...), as Presidio and
# python-stdnum accept them. The French overseas departments use FR IBANs.
# fmt: off
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
    # outside the registry
    "AO": 25, "BF": 28, "BJ": 28, "CF": 27, "CG": 27, "CI": 28, "CM": 27, "CV": 25, "DZ": 26,
    "GA": 27, "GQ": 27, "GW": 25, "IR": 26, "KM": 27, "MA": 28, "MG": 27, "ML": 28, "MZ": 25,
    "NE": 28, "SN": 28, "TD": 27, "TG": 28,
}
# fmt: on
_ALNUM_VALUES = {ord(c): str(i) for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def mod97(value: str) -> int:
    """ISO 7064 mod 97-10 over digits and letters (A=10 ... Z=35), as IBANs use it."""
    return int(value.upper().translate(_ALNUM_VALUES)) % 97


def iban_ok(value: str) -> bool:
    """An IBAN without separators: known country, its exact length, mod-97 == 1."""
    iban = value.upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum() or not iban.isascii():
        return False
    if not iban[2:4].isdigit() or not "02" <= iban[2:4] <= "98":
        return False
    if iban[:2] == "TR" and iban[9] != "0":  # TR: 5-digit bank code, then a reserved 0
        return False
    return mod97(iban[4:] + iban[:4]) == 1


def card_number_ok(digits: str) -> bool:
    """13-19 digits, a known issuer prefix (incl. Troy, Turkey's domestic scheme), Luhn."""
    if not 13 <= len(digits) <= 19 or not digits.isdigit():
        return False
    if not _known_issuer(digits):
        return False
    return luhn_ok(digits)


def _known_issuer(d: str) -> bool:
    first = d[0]
    if first in "456":
        return True
    if first == "3":
        return d[1] in "0456789"  # Diners 30/36/38/39, Amex 34/37, JCB 35
    if first == "2":
        return 2221 <= int(d[:4]) <= 2720  # Mastercard 2-series
    if first == "1":
        return len(d) != 13  # UATP; 13 digits starting with 1 are usually not cards
    return d.startswith("9792")  # Troy


# --- crypto wallets ----------------------------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_VALUES = {c: i for i, c in enumerate(_B58)}


def base58check_ok(value: str) -> bool:
    """A Bitcoin legacy (P2PKH `1...`) or script (P2SH `3...`) address: Base58 of version
    byte + 20-byte hash + the first 4 bytes of double SHA-256 as checksum."""
    if not 25 <= len(value) <= 35 or value[0] not in "13":
        return False
    number = 0
    for c in value:
        digit = _B58_VALUES.get(c)
        if digit is None:
            return False
        number = number * 58 + digit
    leading = len(value) - len(value.lstrip("1"))
    try:
        raw = b"\0" * leading + number.to_bytes((number.bit_length() + 7) // 8, "big")
    except OverflowError:  # pragma: no cover - to_bytes sizes itself
        return False
    if len(raw) != 25:
        return False
    payload, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == checksum


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_VALUES = {c: i for i, c in enumerate(_BECH32)}
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3


def _bech32_polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            check ^= generator[i] if (top >> i) & 1 else 0
    return check


def bech32_address_ok(value: str) -> bool:
    """A Bitcoin SegWit address (BIP 173 bech32 for version 0, BIP 350 bech32m for
    Taproot and later): `bc1` + data, one case only, checksum and program length valid."""
    if value.lower() != value and value.upper() != value:
        return False
    address = value.lower()
    hrp, _, data = address.rpartition("1")
    if hrp != "bc" or not 6 < len(data) <= 84 or len(address) > 90:
        return False
    values = [_BECH32_VALUES.get(c, -1) for c in data]
    if -1 in values:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    constant = _bech32_polymod(expanded + values)
    version = values[0]
    if constant != (_BECH32_CONST if version == 0 else _BECH32M_CONST):
        return False
    program_bits = (len(values) - 7) * 5  # data minus version and the 6-symbol checksum
    program_bytes = program_bits // 8
    if version == 0:
        return program_bytes in (20, 32)
    return version <= 16 and 2 <= program_bytes <= 40


_HEX40 = re.compile(r"0x[0-9a-fA-F]{40}")


def eth_address_ok(value: str) -> bool:
    """An Ethereum address: `0x` + 40 hex digits; a mixed-case one must carry a valid
    EIP-55 checksum (the case of each letter is a bit of the address's Keccak-256)."""
    if not _HEX40.fullmatch(value):
        return False
    body = value[2:]
    if body.lower() == body or body.upper() == body:
        return len(set(body.lower())) > 2  # not 0x000...0 or a run of one digit
    digest = keccak256(body.lower().encode()).hex()
    return all(
        (c.isupper() if int(h, 16) >= 8 else c.islower()) if c.isalpha() else True
        for c, h in zip(body, digest, strict=False)
    )


# --- medical licences ------------------------------------------------------------------------

_DEA_REGISTRANTS = frozenset("ABCDEFGHJKLMPRSTUX")


def dea_ok(value: str) -> bool:
    """US DEA registration number: registrant-type letter, a letter (the registrant's last
    name) or 9, seven digits; the last is the check digit of (d1+d3+d5) + 2(d2+d4+d6)."""
    value = value.upper()
    if len(value) != 9 or value[0] not in _DEA_REGISTRANTS or not value[2:].isdigit():
        return False
    if not (value[1].isalpha() and value[1].isascii()) and value[1] != "9":
        return False
    d = _digits(value[2:])
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


# --- national identity numbers -------------------------------------------------------------------

_NIF_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def es_nif_ok(value: str) -> bool:
    """Spanish DNI/NIF: eight digits and the letter of their value mod 23."""
    value = value.upper()
    if len(value) != 9 or not value[:8].isdigit():
        return False
    return _NIF_LETTERS[int(value[:8]) % 23] == value[8]


def es_nie_ok(value: str) -> bool:
    """Spanish NIE (foreigners): X/Y/Z (read as 0/1/2), seven digits, the NIF letter."""
    value = value.upper()
    if len(value) != 9 or value[0] not in "XYZ":
        return False
    return es_nif_ok(str("XYZ".index(value[0])) + value[1:])


_CF_ODD = {
    **dict(zip("0123456789", (1, 0, 5, 7, 9, 13, 15, 17, 19, 21), strict=True)),
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25,
        24, 23), strict=True)),
}  # fmt: skip
_CF_SHAPE = re.compile(
    r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]"
)


def it_fiscal_code_ok(value: str) -> bool:
    """Italian codice fiscale: 15 characters of name, birth date and place (with the
    omocodia digit substitutions), then a check letter from odd/even position tables."""
    value = value.upper()
    if not _CF_SHAPE.fullmatch(value):
        return False
    total = 0
    for i, c in enumerate(value[:15]):
        if i % 2 == 0:  # 1st, 3rd, ... (odd positions counted from 1)
            total += _CF_ODD[c]
        else:
            total += int(c) if c.isdigit() else ord(c) - 65
    return chr(65 + total % 26) == value[15]


def pl_pesel_ok(value: str) -> bool:
    """Polish PESEL: 11 digits, birth date with the century in the month, weighted mod 10."""
    if len(value) != 11 or not value.isdigit():
        return False
    d = _digits(value)
    month = (d[2] * 10 + d[3]) % 20
    if not 1 <= month <= 12 or not 1 <= d[4] * 10 + d[5] <= 31:
        return False
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    return (10 - sum(w * x for w, x in zip(weights, d, strict=False)) % 10) % 10 == d[10]


def nl_bsn_ok(value: str) -> bool:
    """Dutch BSN (burgerservicenummer): 9 digits passing the "elfproef" (weights 9..2, -1)."""
    if len(value) != 9 or not value.isdigit() or len(set(value)) == 1:
        return False
    d = _digits(value)
    return (sum((9 - i) * x for i, x in enumerate(d[:8])) - d[8]) % 11 == 0


_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_HETU_SHAPE = re.compile(r"(\d{6})([-+A-FYXWVU])(\d{3})([0-9A-Y])")


def fi_hetu_ok(value: str) -> bool:
    """Finnish henkilötunnus: DDMMYY, century sign, individual number, mod-31 check."""
    match = _HETU_SHAPE.fullmatch(value.upper())
    if match is None:
        return False
    date, _, individual, check = match.groups()
    if not 1 <= int(date[:2]) <= 31 or not 1 <= int(date[2:4]) <= 12 or int(individual) < 2:
        return False
    return _HETU_CHECK[int(date + individual) % 31] == check


def fr_nir_ok(value: str) -> bool:
    """French NIR (numéro de sécurité sociale): sex, year, month, place (Corsica as 2A/2B),
    order number, then a key = 97 - (number mod 97)."""
    value = value.upper()
    if len(value) != 15 or value[0] not in "12" or not value[13:].isdigit():
        return False
    body = value[:13]
    if body[5:7] in ("2A", "2B"):
        body = body[:5] + ("19" if body[6] == "A" else "18") + body[7:]
    if not body.isdigit() or not (1 <= int(body[3:5]) <= 12 or 20 <= int(body[3:5]) <= 42):
        return False
    return 97 - int(body) % 97 == int(value[13:])


def se_personnummer_ok(value: str) -> bool:
    """Swedish personnummer: YYMMDD (+ day 60+ for samordningsnummer) + 4 digits, Luhn
    over the last ten digits. Digits only, all of them: review found `U_1706711189` and
    `ID1706711189` (pseudonyms as user ids) passing on their last ten."""
    if len(value) not in (10, 12) or not value.isdigit():
        return False
    digits = value[-10:]
    if not 1 <= int(digits[2:4]) <= 12 or not 1 <= int(digits[4:6]) % 60 <= 31:
        return False
    return luhn_ok(digits)


_NINO_SHAPE = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")
_NINO_BAD_PREFIXES = frozenset(("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"))


def uk_nino_ok(value: str) -> bool:
    """UK National Insurance number: no check digit, only its shape (letters HMRC never
    issues left out, nor the prefixes it never uses)."""
    return _NINO_SHAPE.fullmatch(value) is not None and value[:2] not in _NINO_BAD_PREFIXES


def uk_nhs_ok(value: str) -> bool:
    """NHS number: 10 digits, weights 10..2, check digit 11 - (sum mod 11), never 10."""
    if len(value) != 10 or not value.isdigit() or len(set(value)) == 1:
        return False
    d = _digits(value)
    check = 11 - sum((10 - i) * x for i, x in enumerate(d[:9])) % 11
    return (0 if check == 11 else check) == d[9]


def de_tax_id_ok(value: str) -> bool:
    """German Steuer-ID: 11 digits, no leading 0, one digit repeated (2 or 3 times) among
    the first ten, check digit by ISO 7064 mod 11,10."""
    if len(value) != 11 or not value.isdigit() or value[0] == "0":
        return False
    counts = sorted((value[:10].count(c) for c in set(value[:10])), reverse=True)
    if counts[0] not in (2, 3) or counts[1] != 1:
        return False
    product = 10
    for c in value[:10]:
        total = (int(c) + product) % 10 or 10
        product = total * 2 % 11
    return (11 - product) % 10 == int(value[10])
