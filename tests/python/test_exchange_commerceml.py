"""A 1C-Bitrix web shop as an exchange node with no code on its side: CommerceML 2 files out
(checked with xmllint against the published 2.08 schema), the site's orders file in (a public
Bitrix sample), a re-sent file changing nothing, stock falling on the site.
"""

from __future__ import annotations

import base64
import pathlib
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import opora

REF = pathlib.Path(__file__).resolve().parents[1] / "reference" / "commerceml"
XSD = REF / "commerceml-2.08.xsd"
NS = {"c": "urn:1C.ru:commerceml_2"}


def schema_problems(tmp_path, name: str, xml: str) -> str:
    assert shutil.which("xmllint"), "xmllint (libxml2-utils) is needed: scripts/deps installs it"
    path = tmp_path / name
    path.write_text(xml, encoding="utf-8")
    r = subprocess.run(["xmllint", "--noout", "--schema", str(XSD), str(path)],
                       capture_output=True, text=True)
    return "" if r.returncode == 0 else r.stderr


@pytest.fixture
def shop(tmp_path):
    with opora.open(tmp_path / "centre.db", clock="manual", now="2026-03-02T09:00:00+03:00",
                    utc_offset="+03:00") as db:
        db.call("exchange.setup", node="centre", role="centre")
        db.call("exchange.node.put", node="shop", kind="shop",
                streams=["catalog", "stock", "orders"])
        db.call("catalog.product.put", {"product": "W-1", "name": "Венок «Память»",
                                        "group": "Венки", "vat_rate": "none"})
        db.call("catalog.price_type.put", {"price_type": "retail", "name": "Розница"})
        db.call("catalog.price.set", {"price_type": "retail", "rows": [
            {"product": "W-1", "from": "2026-01-01", "price": "1500"}]})
        db.call("catalog.warehouse.put", {"warehouse": "main", "name": "Основной"})
        db.call("catalog.stock.set", {"warehouse": "main", "rows": [
            {"product": "W-1", "quantity": "40"}]})
        yield db


def test_the_catalogue_and_offers_go_out_as_valid_commerceml_until_the_site_confirms(
        shop, tmp_path):
    imp = shop.call("exchange.commerceml.out", node="shop", file="import")
    assert imp["objects"] == 1 and not imp["resend"]
    assert schema_problems(tmp_path, "import.xml", imp["xml"]) == ""
    assert "Венок «Память»" in imp["xml"]
    # Not confirmed: the same bytes again.
    again = shop.call("exchange.commerceml.out", node="shop", file="offers")
    assert again["resend"] and again["xml"] == imp["xml"]
    shop.call("exchange.commerceml.ack", node="shop", msg_no=imp["msg_no"])
    offers = shop.call("exchange.commerceml.out", node="shop", file="offers")
    assert schema_problems(tmp_path, "offers.xml", offers["xml"]) == ""
    shop.call("exchange.commerceml.ack", node="shop", msg_no=offers["msg_no"])

    # A sale in the office: stock falls, and only that goes to the site.
    shop.call("catalog.stock.set", {"warehouse": "main", "rows": [
        {"product": "W-1", "quantity": "37"}]})
    fell = shop.call("exchange.commerceml.out", node="shop", file="offers")
    assert fell["objects"] == 1
    assert schema_problems(tmp_path, "offers2.xml", fell["xml"]) == ""
    root = ET.fromstring(fell["xml"])
    quantities = [e.attrib.get("КоличествоНаСкладе") for e in root.iter()
                  if e.tag.endswith("Склад") and "КоличествоНаСкладе" in e.attrib]
    assert quantities and float(quantities[0]) == 37


def test_orders_from_the_site_come_in_once_however_often_the_file_is_sent(shop, tmp_path):
    content = (REF / "samples" / "bitrix-sale-query-excerpt.xml").read_bytes()
    b64 = base64.b64encode(content).decode()
    r = shop.call("exchange.commerceml.in", node="shop", content_base64=b64)
    assert r["orders"] == 1 and r["applied"] == 1 and r["parked"] == []
    [doc] = shop.call("registry.find", kind="order")["documents"]
    assert doc["refs"] == ["shop:order:132"]
    history = shop.call("registry.history", document=doc["id"])["entries"]
    assert history[0]["origin_node"] == "shop"
    again = shop.call("exchange.commerceml.in", node="shop", content_base64=b64)
    assert again["applied"] == 1 and again["conflicts"] == []
    [same] = shop.call("registry.find", kind="order")["documents"]
    assert same["id"] == doc["id"] and same["version"] == doc["version"]
    # The order goes back to the site with the office's number and status.
    out = shop.call("exchange.commerceml.out", node="shop", file="orders")
    assert out["objects"] == 1
    assert schema_problems(tmp_path, "orders.xml", out["xml"]) == ""


def test_a_file_that_is_not_commerceml_is_refused_and_nothing_applied(shop):
    with pytest.raises(opora.InvalidArgument) as e:
        shop.call("exchange.commerceml.in", node="shop",
                  content_base64=base64.b64encode(b"<html><body>").decode())
    assert e.value.field_errors[0]["field"] == "xml"
    assert shop.call("registry.find", kind="order")["documents"] == []
    with pytest.raises(opora.ValidationError):
        shop.call("exchange.commerceml.ack", node="shop", msg_no=9)
