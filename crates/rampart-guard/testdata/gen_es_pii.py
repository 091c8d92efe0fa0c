#!/usr/bin/env python3
"""Generate es_pii.jsonl: Spanish sentences with labelled Spanish identifiers.

Each line is {"text", "spans": [{"start", "end", "type"}], "source"} with code-point
offsets, the schema of $RAMPART_DATA/presidio_synth_pii.jsonl. Valid NIF, NIE, CIF,
ES IBANs, phone numbers (national and +34), e-mails and SSN-free Spanish text are
labelled; the same shapes with a wrong check character, order numbers, postal codes,
amounts, dates, timestamps, UUIDs and hashes are hard negatives and carry no span.

Deterministic: `python3 gen_es_pii.py > es_pii.jsonl` (seed 20261122).
"""
import json
import random
import uuid

R = random.Random(20261122)
DNI = "TRWAGMYFPDXBNJZSQVHLCKE"
NAMES = ["Ana García", "José Núñez", "María López", "Iñaki Etxeberria", "Lucía Fernández",
         "Jordi Puig", "Carmen Ruiz", "Álvaro Martín", "Nuria Sánchez", "Pablo Gómez"]
COMPANIES = ["Construcciones Ibéricas S.L.", "Talleres Ruiz S.A.", "Asociación Vecinal Sur",
             "Ayuntamiento de Lugo", "Fundación Mar Azul"]


def nif():
    n = R.randrange(10**7, 10**8)
    return f"{n:08d}{DNI[n % 23]}"


def nif_bad():
    n = R.randrange(10**7, 10**8)
    return f"{n:08d}{DNI[(n + R.randrange(1, 23)) % 23]}"


def nie(bad=False):
    p = R.choice("XYZ")
    n = R.randrange(0, 10**7)
    k = (("XYZ".index(p) * 10**7 + n) + (R.randrange(1, 23) if bad else 0)) % 23
    return f"{p}{n:07d}{DNI[k]}"


def cif(bad=False):
    org = R.choice("ABEHPQSNW" if not bad else "ABEH")
    d = [R.randrange(10) for _ in range(7)]
    s = 0
    for i, x in enumerate(d):
        s += (x * 2 // 10 + x * 2 % 10) if i % 2 == 0 else x
    c = (10 - s % 10) % 10
    if bad:
        c = (c + R.randrange(1, 10)) % 10
    ctrl = "JABCDEFGHI"[c] if org in "PQSNW" else str(c)
    return org + "".join(map(str, d)) + ctrl


def iban(bad=False):
    bban = "".join(str(R.randrange(10)) for _ in range(20))
    num = int("".join(str(int(ch, 36)) for ch in bban + "ES00"))
    check = 98 - num % 97
    if bad:
        check = (check + R.randrange(1, 90)) % 97 + 2
    raw = f"ES{check:02d}{bban}"
    if R.random() < 0.5:
        return " ".join(raw[i:i + 4] for i in range(0, 24, 4))
    return raw


def phone():
    first = R.choice("6789")
    rest = "".join(str(R.randrange(10)) for _ in range(8))
    n = first + rest
    fmt = R.randrange(4)
    if fmt == 0:
        s = f"{n[:3]} {n[3:6]} {n[6:]}"
    elif fmt == 1:
        s = f"{n[:3]} {n[3:5]} {n[5:7]} {n[7:]}"
    elif fmt == 2:
        s = n
    else:
        s = f"{n[:3]} {n[3:6]} {n[6:]}"
    return ("+34 " + s) if R.random() < 0.4 else s


def email(name):
    user = name.split()[0].lower().replace("í", "i").replace("á", "a").replace("é", "e")
    user = user.replace("ñ", "n").replace("ó", "o").replace("ú", "u")
    return f"{user}.{R.randrange(10, 99)}@{R.choice(['correo.es', 'empresa.com', 'gmail.com', 'uni.edu'])}"


POSITIVE = [
    ("Mi DNI es {v}, por favor actualizad mis datos.", "ES_NIF", nif),
    ("El titular, con NIF {v}, solicita la baja.", "ES_NIF", nif),
    ("Adjunto copia del documento {v} de {name}.", "ES_NIF", nif),
    ("Su NIE es {v} y caduca el año que viene.", "ES_NIE", nie),
    ("NIE del trabajador: {v}", "ES_NIE", nie),
    ("La empresa {company} (CIF {v}) emite la factura.", "ES_CIF", cif),
    ("Facturar a CIF: {v}", "ES_CIF", cif),
    ("Transferid el importe a la cuenta {v} antes del viernes.", "IBAN_CODE", iban),
    ("IBAN: {v}", "IBAN_CODE", iban),
    ("Puedes llamarme al {v} por la tarde.", "PHONE_NUMBER", phone),
    ("Teléfono de contacto: {v}", "PHONE_NUMBER", phone),
    ("Mi móvil es el {v}, escríbeme por WhatsApp.", "PHONE_NUMBER", phone),
    ("Escribe a {v} para cualquier duda.", "EMAIL_ADDRESS", None),
]

NEGATIVE = [
    lambda: f"El DNI {nif_bad()} no es válido, revísalo.",
    lambda: f"Referencia de expediente {nie(bad=True)} archivada.",
    lambda: f"Código interno {cif(bad=True)} del almacén.",
    lambda: f"La cuenta {iban(bad=True)} tiene un dígito de control erróneo.",
    lambda: f"El pedido nº {R.randrange(10**8, 10**9)} salió ayer del almacén.",
    lambda: f"Pedido {R.randrange(10**9, 10**10)} entregado en el código postal {R.randrange(1000, 52999):05d}.",
    lambda: f"El total asciende a {R.randrange(1, 999)}.{R.randrange(100, 999)},{R.randrange(10, 99)} euros.",
    lambda: f"La reunión es el {R.randrange(1, 28):02d}/{R.randrange(1, 12):02d}/20{R.randrange(20, 30)} a las {R.randrange(8, 20)}:00.",
    lambda: f"Registro 20{R.randrange(20, 27)}-{R.randrange(1, 12):02d}-{R.randrange(1, 28):02d} {R.randrange(0, 23):02d}:{R.randrange(0, 59):02d}:{R.randrange(0, 59):02d} sin incidencias.",
    lambda: f"Identificador de la sesión {uuid.UUID(int=R.getrandbits(128))}.",
    lambda: f"Hash del fichero: {R.getrandbits(160):040x}",
    lambda: f"Versión {R.randrange(1, 20)}.{R.randrange(0, 30)}.{R.randrange(0, 99)} publicada.",
    lambda: f"Ticket {R.randrange(10**6, 10**7)}-{R.randrange(100, 999)} resuelto.",
]


def main():
    rows = []
    for i in range(400):
        tpl, typ, gen = R.choice(POSITIVE)
        name = R.choice(NAMES)
        value = email(name) if gen is None else gen()
        text = tpl.format(v=value, name=name, company=R.choice(COMPANIES))
        start = text.index(value)
        rows.append({"text": text, "spans": [{"start": start, "end": start + len(value), "type": typ}],
                     "source": f"rampart/es_pii/positive/{typ}"})
    for i in range(300):
        rows.append({"text": R.choice(NEGATIVE)(), "spans": [], "source": "rampart/es_pii/negative"})
    R.shuffle(rows)
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
