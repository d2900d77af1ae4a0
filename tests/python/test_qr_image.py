"""QR images (qr.image, billing.qr.image, billing.order.payment) read back by an outside reader.

zbarimg (zbar-tools, installed by scripts/deps) decodes every PNG opora draws; ``-Sbinary``
makes it print the symbol's bytes exactly as encoded (without it, zbar guesses a charset and
re-encodes a windows-1251 payload as Latin-1 to UTF-8). The SVG is rasterised here from its
path and compared module by module with the PNG, which this file decodes itself (chunk CRCs
checked with zlib.crc32), and the SVG's matrix is decoded by zbarimg as well (as a PGM).
"""

from __future__ import annotations

import base64
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from decimal import Decimal

import pytest

import opora

ZBARIMG = shutil.which("zbarimg")
ORG = {"type": "company", "name": "ООО «Вектор»", "inn": "6663003127", "kpp": "666301001"}
BANK = {"account": "40702810138250123017", "name": "ПАО Сбербанк", "bic": "044525225",
        "corr_account": "30101810400000000225"}
CUSTOMER = {"type": "person", "name": "Смирнова Ольга Петровна"}


def zbar(path, binary: bool = True) -> bytes:
    assert ZBARIMG, "zbarimg is missing: scripts/deps installs zbar-tools"
    args = [ZBARIMG, "--raw", "-q"] + (["-Sbinary"] if binary else []) + [str(path)]
    out = subprocess.run(args, capture_output=True, check=True, timeout=60).stdout
    return out


def png_of(image: dict) -> bytes:
    assert image["format"] == "png" and image["mime"] == "image/png"
    return base64.b64decode(image["content_base64"])


def png_pixels(png: bytes) -> tuple[int, list[list[int]]]:
    """Width and rows of 0 (black) / 1 (white) of a 1-bit grayscale PNG, CRCs checked."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, []
    while at < len(png):
        (length,) = struct.unpack(">I", png[at:at + 4])
        kind, data = png[at + 4:at + 8], png[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        chunks.append((kind, data))
        at += 12 + length
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, comp, filt, interlace) == (1, 0, 0, 0, 0)
    assert width == height
    raw = zlib.decompress(chunks[1][1])
    stride = (width + 7) // 8
    assert len(raw) == (stride + 1) * height
    rows = []
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        assert line[0] == 0  # filter None
        rows.append([(line[1 + x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
    return width, rows


def png_modules(png: bytes, scale: int) -> list[list[bool]]:
    """The dark modules, quiet zone included, sampled at each module's centre."""
    width, rows = png_pixels(png)
    n = width // scale
    assert n * scale == width
    for y in range(width):  # every pixel of a module has its colour
        for x in range(width):
            assert rows[y][x] == rows[y // scale * scale][x // scale * scale]
    return [[rows[y * scale + scale // 2][x * scale + scale // 2] == 0 for x in range(n)]
            for y in range(n)]


def svg_modules(svg: str) -> list[list[bool]]:
    root = ET.fromstring(svg.encode())
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == ns + "svg"
    assert root.get("shape-rendering") == "crispEdges"
    x0, y0, w, h = (int(v) for v in root.get("viewBox").split())
    assert (x0, y0) == (0, 0) and w == h
    paths = root.findall(ns + "path")
    assert len(paths) == 1
    grid = [[False] * w for _ in range(h)]
    d = paths[0].get("d")
    subpaths = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", d)
    assert " ".join(f"M{x} {y}h{r}v1h-{r2}z" for x, y, r, r2 in subpaths) == d
    for x, y, run, back in subpaths:
        assert run == back
        for i in range(int(run)):
            assert not grid[int(y)][int(x) + i], "modules drawn twice"
            grid[int(y)][int(x) + i] = True
    return grid


def pgm_of(grid: list[list[bool]], scale: int) -> bytes:
    n = len(grid)
    pixels = bytes(0 if grid[y // scale][x // scale] else 255
                   for y in range(n * scale) for x in range(n * scale))
    return b"P5 %d %d 255\n" % (n * scale, n * scale) + pixels


@pytest.fixture
def qdb():
    with opora.open(":memory:", clock="manual", now="2026-01-15T09:00:00Z") as db:
        yield db


def shop(db, payment_link=None) -> int:
    org = dict(ORG, bank=BANK)
    if payment_link:
        org["payment_link"] = payment_link
    db.call("billing.organization.put", org)
    return db.call("registry.put", kind="order", date="2026-01-15", organization=ORG,
                   counterparty=CUSTOMER, custom={"paid": "1000.00"},
                   items=[{"name": "Гроб дубовый", "quantity": "1", "price": "42000.00",
                           "vat_rate": "none"},
                          {"name": "Венок «Память»", "quantity": "2", "price": "3500.50",
                           "vat_rate": "none"}])["id"]


def test_zbarimg_is_installed():
    assert ZBARIMG, "zbarimg is missing: scripts/deps installs zbar-tools"


@pytest.mark.parametrize("ecc", ["L", "M", "Q", "H"])
def test_a_payment_link_reads_back_at_every_error_correction_level(qdb, tmp_path, ecc):
    link = "https://pay.example.ru/order/ЗК-2026-000001?amount=48001.00&ref=tablet"
    r = qdb.call("qr.image", text=link, ecc=ecc, scale=3)
    assert r["bytes"] == len(link.encode())
    assert r["image"]["ecc"] == ecc
    path = tmp_path / "link.png"
    path.write_bytes(png_of(r["image"]))
    assert zbar(path) == link.encode()


def test_a_windows_1251_payment_qr_reads_back_byte_for_byte(qdb, tmp_path):
    order = shop(qdb)
    r = qdb.call("billing.order.payment", document=order, encoding="windows-1251",
                 format="png", scale=4)
    payload = base64.b64decode(r["payload_base64"])
    assert payload.startswith(b"ST00011|") and payload == r["text"].encode("cp1251")
    path = tmp_path / "gost.png"
    path.write_bytes(png_of(r["image"]))
    assert zbar(path) == payload
    # Without -Sbinary zbar re-encodes what it guesses is Latin-1: not the payload.
    assert zbar(path, binary=False).rstrip(b"\n") != payload


def test_png_and_svg_draw_the_same_symbol(qdb, tmp_path):
    qdb.call("billing.organization.put", dict(ORG, bank=BANK))
    qdb.call("billing.account.put", account="LS-7", holder=CUSTOMER, organization=ORG["inn"])
    kwargs = {"account": "LS-7", "amount": "1500.00", "encoding": "windows-1251", "ecc": "Q",
              "margin": 2}
    png = qdb.call("billing.qr.image", format="png", scale=5, **kwargs)
    svg = qdb.call("billing.qr.image", format="svg", **kwargs)
    assert png["payload_base64"] == svg["payload_base64"]
    assert svg["image"]["mime"] == "image/svg+xml"
    grid = svg_modules(svg["image"]["content"])
    assert len(grid) == svg["image"]["width"] == svg["image"]["modules"] + 4
    assert png["image"]["width"] == len(grid) * 5
    assert png_modules(png_of(png["image"]), 5) == grid
    # the quiet zone is light
    assert not any(grid[0]) and not any(row[0] for row in grid)
    path = tmp_path / "svg.pgm"
    path.write_bytes(pgm_of(grid, 4))
    assert zbar(path) == base64.b64decode(svg["payload_base64"])


def test_an_order_is_paid_by_qr_and_link_for_what_is_left(qdb, tmp_path):
    order = shop(qdb, "https://pay.example.ru/{document}/{number}?amount={amount}")
    doc = qdb.call("registry.get", document=order)
    number = doc["number"]
    r = qdb.billing.order.payment(document=order, format="png", image_of="link")
    assert r["gross"] == Decimal("49001.00")
    assert r["paid"] == Decimal("1000.00")
    assert r["amount"] == Decimal("48001.00")
    assert r["purpose"] == f"Оплата заказа {number}"
    assert r["organization"] == ORG["inn"]
    assert "|Sum=4800100|" in r["text"]
    assert f"|Purpose=Оплата заказа {number}|" in r["text"]
    assert f"|QuittId={number}|" in r["text"] and "|PayeeINN=6663003127|" in r["text"]
    from urllib.parse import quote
    assert r["link"] == f"https://pay.example.ru/{order}/{quote(number)}?amount=48001.00"
    path = tmp_path / "link.png"
    path.write_bytes(png_of(r["image"]))
    assert zbar(path) == r["link"].encode()
    # The call's template wins; without format there is no image.
    r = qdb.call("billing.order.payment", document=order, amount="500.00",
                 payment_link="https://pay.example.ru/x?n={number}&s={amount}")
    assert "image" not in r and "|Sum=50000|" in r["text"]
    assert r["link"].endswith("&s=500.00")


def test_a_link_names_the_order_by_its_global_uid(qdb):
    order = shop(qdb)
    uid = qdb.call("registry.get", document=order)["uid"]
    r = qdb.call("billing.order.payment", document=order,
                 payment_link="https://pay.example.ru/{uid}")
    assert r["link"] == "https://pay.example.ru/" + uid
    r = qdb.call("billing.order.payment", document=order)
    assert r["link"] is None


def test_order_payment_refusals(qdb):
    order = shop(qdb)
    with pytest.raises(opora.ValidationError) as e:
        qdb.call("billing.order.payment", document=order, format="svg", image_of="link")
    assert e.value.field_errors[0]["rule"] == "no_link"
    qdb.call("registry.put", id=order, kind="order", date="2026-01-15", organization=ORG,
             counterparty=CUSTOMER, custom={"paid": "49001.00"},
             items=[{"name": "Гроб дубовый", "quantity": "1", "price": "49001.00",
                     "vat_rate": "none"}])
    with pytest.raises(opora.ValidationError) as e:
        qdb.call("billing.order.payment", document=order)
    assert e.value.field_errors[0]["rule"] == "paid"
    act = qdb.call("registry.put", kind="act", date="2026-01-15", organization=ORG,
                   counterparty=CUSTOMER,
                   items=[{"name": "x", "quantity": "1", "price": "1.00",
                           "vat_rate": "none"}])["id"]
    with pytest.raises(opora.ValidationError) as e:
        qdb.call("billing.order.payment", document=act)
    assert e.value.field_errors[0]["rule"] == "not_order"
    for bad, rule in (("ftp://pay.example.ru/{number}", "pattern"),
                      ("https://pay.example.ru/{order}", "placeholder"),
                      ("https://pay.example.ru/{number", "placeholder")):
        with pytest.raises(opora.ValidationError) as e:
            qdb.call("billing.organization.put", dict(ORG, bank=BANK, payment_link=bad))
        assert (e.value.field_errors[0]["field"], e.value.field_errors[0]["rule"]) == (
            "payment_link", rule)


@pytest.mark.parametrize("params, field, rule", [
    ({"text": ""}, "text", "required"),
    ({"text": "x" * 2332}, "text", "qr_capacity"),
    ({"text": "x" * 1274, "ecc": "H"}, "text", "qr_capacity"),
    ({"payload_base64": base64.b64encode(b"\xff" * 3000).decode(), "ecc": "L"},
     "payload_base64", "qr_capacity"),
    ({"text": "x", "ecc": "X"}, "ecc", None),
    ({"text": "x", "scale": 0}, "scale", None),
    ({"text": "x", "scale": 1000}, "scale", None),
    ({"text": "x" * 1000, "scale": 40}, "scale", "image_size"),
    ({"text": "x", "format": "gif"}, "format", None),
    ({"text": "x", "payload_base64": "eA=="}, "text", "one_of"),
    ({}, "text", "one_of"),
    ({"payload_base64": "not base64!"}, "payload_base64", None),
])
def test_bad_image_requests_are_refused_naming_the_field(qdb, params, field, rule):
    with pytest.raises(opora.InvalidArgument) as e:
        qdb.call("qr.image", params)
    assert e.value.field_errors[0]["field"] == field
    if rule:
        assert e.value.field_errors[0]["rule"] == rule


def test_the_largest_image_allowed_is_4096_pixels(qdb):
    # version 40 (177 modules) + 2 × 4 quiet zone = 185 modules; 22 px each = 4070 px
    r = qdb.call("qr.image", text="x" * 2331, scale=22)
    assert r["image"]["version"] == 40 and r["image"]["width"] == 4070
    width, _ = png_pixels(png_of(r["image"]))
    assert width == 4070
