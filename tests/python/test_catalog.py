"""The catalogue from Python: products with variants and pictures, prices by date, stock,
bad input listed field by field, and orders priced from the catalogue."""
import base64
import datetime
from decimal import Decimal

import pytest

import opora

THUMB = base64.b64encode(b"\x89PNG thumb").decode()


@pytest.fixture
def db(tmp_path):
    with opora.Database(tmp_path / "c.db", clock="manual", now="2026-03-02T09:00:00Z",
                        id_seed=7) as d:
        d.call("catalog.product.put", {
            "product": "G-100", "article": "ГЭ-100", "name": "Гроб «Элит»", "group": "Гробы/Элит",
            "vat_rate": "22", "recommended": 1,
            "pictures": [{"role": "thumb", "mime": "image/png", "content_base64": THUMB}],
            "variants": [{"variant": "oak", "name": "Дуб"}, {"variant": "pine", "name": "Сосна"}]})
        d.call("catalog.product.put", {"product": "W-1", "name": "Венок", "vat_rate": "none"})
        d.call("catalog.price_type.put", {"price_type": "retail", "name": "Розница"})
        d.call("catalog.price.set", {"price_type": "retail", "rows": [
            {"product": "G-100", "from": "2026-01-01", "price": "50000"},
            {"product": "G-100", "from": "2026-03-01", "price": Decimal("55000.50")},
            {"product": "G-100", "variant": "oak", "from": "2026-01-01", "price": "70000"},
            {"product": "W-1", "from": "2026-01-01", "price": "1500"}]})
        d.call("catalog.warehouse.put", {"warehouse": "main", "name": "Основной"})
        d.call("catalog.stock.set", {"warehouse": "main", "rows": [
            {"product": "G-100", "variant": "oak", "quantity": "3"},
            {"product": "W-1", "quantity": "40"}]})
        yield d


def test_prices_by_date_with_a_variant_falling_back_to_its_product(db):
    def price(**kw):
        return db.call("catalog.price.get", {"price_type": "retail", **kw})
    assert price(product="G-100", date="2026-02-01")["price"] == Decimal("50000.00")
    march = price(product="G-100")
    assert march["price"] == Decimal("55000.50")
    assert march["from"] == datetime.date(2026, 3, 1)
    assert price(product="G-100", variant="oak")["price"] == Decimal("70000.00")
    assert price(product="G-100", variant="pine")["price"] == Decimal("55000.50")
    before = price(product="W-1", date="2025-12-31")
    assert before["price"] is None and before["from"] is None


def test_stock_and_pictures_come_back(db):
    stock = db.call("catalog.stock.get", {"product": "G-100"})
    assert stock["total"] == Decimal("3")
    assert stock["rows"] == [{"warehouse": "main", "variant": "oak", "quantity": Decimal("3")}]
    product = db.call("catalog.product.get", {"product": "G-100"})
    sha = product["pictures"][0]["sha256"]
    picture = db.call("catalog.picture.get", {"sha256": sha})
    assert base64.b64decode(picture["content_base64"]) == b"\x89PNG thumb"
    assert picture["mime"] == "image/png"


def test_the_list_shows_recommended_first_and_searches_any_case(db):
    names = [p["product"] for p in db.call("catalog.product.list")["products"]]
    assert names == ["G-100", "W-1"]
    found = db.call("catalog.product.list", {"query": "гэ-1"})["products"]
    assert [p["product"] for p in found] == ["G-100"]
    assert db.call("catalog.product.list", {"group": "Гробы"})["products"][0]["uid"]


def test_unknown_products_in_price_and_stock_rows_are_named_by_row(db):
    with pytest.raises(opora.ValidationError) as e:
        db.call("catalog.price.set", {"price_type": "retail", "rows": [
            {"product": "G-100", "from": "2026-04-01", "price": "1"},
            {"product": "NOPE", "from": "2026-04-01", "price": "1"},
            {"product": "G-100", "variant": "ash", "from": "2026-04-01", "price": "1"}]})
    fields = {(f["field"], f["rule"]) for f in e.value.field_errors}
    assert fields == {("rows[1].product", "unknown_product"), ("rows[2].variant", "unknown_variant")}
    # all or none: the good row was not written
    assert db.call("catalog.price.get", {"price_type": "retail", "product": "G-100",
                                         "date": "2026-04-02"})["price"] == Decimal("55000.50")
    with pytest.raises(opora.ValidationError) as e:
        db.call("catalog.stock.set", {"warehouse": "main", "rows": [
            {"product": "W-1", "quantity": "1"}, {"product": "NOPE", "quantity": "1"}]})
    assert [(f["field"], f["rule"]) for f in e.value.field_errors] == [
        ("rows[1].product", "unknown_product")]


def test_malformed_catalogue_input_is_invalid_argument_with_every_field(db):
    with pytest.raises(opora.InvalidArgument) as e:
        db.call("catalog.product.put", {"product": "X", "name": "", "recommended": -1,
                                        "vat_rate": "18%", "colour": "red",
                                        "pictures": [{"role": "big", "mime": "image/png"}]})
    fields = {(f["field"], f["rule"]) for f in e.value.field_errors}
    assert {("name", "length"), ("recommended", "range"), ("vat_rate", "vat_rate"),
            ("colour", "unknown_field"), ("pictures[0].role", "enum")} <= fields
    with pytest.raises(opora.InvalidArgument) as e:
        db.call("catalog.price.set", {"price_type": "retail", "rows": [
            {"product": "W-1", "from": "2026-02-30", "price": "1.001"}]})
    fields = {(f["field"], f["rule"]) for f in e.value.field_errors}
    assert ("rows[0].from", "date") in fields
    assert db.call("catalog.product.list", {"query": "X"})["products"] == []


def test_a_new_product_needs_a_name_and_a_picture_its_bytes(db):
    with pytest.raises(opora.ValidationError) as e:
        db.call("catalog.product.put", {"product": "NEW", "pictures": [
            {"role": "full", "mime": "image/jpeg", "sha256": "0" * 64}]})
    fields = {(f["field"], f["rule"]) for f in e.value.field_errors}
    assert fields == {("pictures[0].sha256", "unknown_picture")}
    with pytest.raises(opora.ValidationError) as e:
        db.call("catalog.product.put", {"product": "NEW"})
    assert [(f["field"], f["rule"]) for f in e.value.field_errors] == [("name", "required")]


def test_an_order_takes_name_unit_vat_and_price_from_the_catalogue(db):
    order = db.call("registry.put", {
        "kind": "order", "date": "2026-02-15", "price_type": "retail",
        "items": [{"product": "G-100", "variant": "oak", "quantity": "1"},
                  {"product": "G-100", "quantity": "2", "price": "45000.00"},
                  {"product": "W-1", "quantity": "3", "name": "что угодно", "vat_rate": "10"},
                  {"name": "Доставка", "quantity": "1", "price": "2000", "vat_rate": "22"}]})
    oak, plain, wreath, delivery = order["items"]
    assert (oak["name"], oak["unit"], oak["vat_rate"], oak["price"]) == (
        "Гроб «Элит» (Дуб)", "шт", "22", Decimal("70000.00"))
    assert (oak["product"], oak["variant"]) == ("G-100", "oak")
    assert plain["price"] == Decimal("45000.00")  # the item's own price stays
    assert (wreath["name"], wreath["vat_rate"], wreath["price"]) == ("Венок", "none",
                                                                    Decimal("1500.00"))
    assert "product" not in delivery
    assert order["price_type"] == "retail"
    assert order["totals"]["gross"] == Decimal("70000.00") + Decimal("90000.00") + \
        Decimal("4500.00") + Decimal("2000.00")
    # The date decides the price: in March the product's price changed.
    march = db.call("registry.put", {"kind": "order", "date": "2026-03-02",
                                     "price_type": "retail",
                                     "items": [{"product": "G-100", "quantity": "1"}]})
    assert march["items"][0]["price"] == Decimal("55000.50")
    # A stored order keeps its prices when the catalogue's change.
    db.call("catalog.price.set", {"price_type": "retail", "rows": [
        {"product": "G-100", "variant": "oak", "from": "2026-01-01", "price": "1"}]})
    again = db.call("registry.put", {"id": order["id"], "notes": "звонок"})
    assert again["items"][0]["price"] == Decimal("70000.00")


def test_order_items_naming_unknown_products_are_listed(db):
    with pytest.raises(opora.ValidationError) as e:
        db.call("registry.put_many", {"documents": [
            {"kind": "order", "date": "2026-03-02", "price_type": "retail",
             "items": [{"product": "NOPE", "quantity": "1"},
                       {"product": "G-100", "variant": "ash", "quantity": "1"}]},
            {"kind": "order", "date": "2026-03-02",
             "items": [{"product": "W-1", "quantity": "1"}]},
            {"kind": "order", "date": "2025-06-01", "price_type": "retail",
             "items": [{"product": "W-1", "quantity": "1"}]},
            {"kind": "act", "date": "2026-03-02",
             "items": [{"product": "W-1", "quantity": "1", "name": "x", "price": "1",
                        "vat_rate": "22"}]}]})
    fields = {(f["field"], f["rule"]) for f in e.value.field_errors}
    assert fields == {("documents[0].items[0].product", "unknown_product"),
                      ("documents[0].items[1].variant", "unknown_variant"),
                      ("documents[1].price_type", "required"),
                      ("documents[2].items[0].price", "no_price"),
                      ("documents[3].items[0].product", "order_only")}
    assert db.call("registry.find", {"kind": "order"})["documents"] == []


def test_a_removed_product_is_not_listed_nor_orderable_but_kept(db):
    removed = db.call("catalog.product.remove", {"product": "W-1"})
    assert removed["removed"] is True and removed["changed"] is True
    assert [p["product"] for p in db.call("catalog.product.list")["products"]] == ["G-100"]
    assert db.call("catalog.product.get", {"product": "W-1"})["removed"] is True
    with pytest.raises(opora.ValidationError) as e:
        db.call("registry.put", {"kind": "order", "date": "2026-03-02", "price_type": "retail",
                                 "items": [{"product": "W-1", "quantity": "1"}]})
    assert [(f["field"], f["rule"]) for f in e.value.field_errors] == [
        ("items[0].product", "removed")]
    # put again: back in the catalogue, with the same uid
    back = db.call("catalog.product.put", {"product": "W-1"})
    assert back["uid"] == removed["uid"] and back["removed"] is False
