// The catalogue's tables. A product keeps its canonical JSON in `body` (what
// object() and the lists return) beside the columns lists filter and sort on;
// prices and stock are rows keyed by their derived uids, so the exchange's
// pages (by uid) and the lookups (by product) are each one index.
#include "catalog/catalog.hpp"
#include "store/migrations.hpp"

namespace opora::catalog {

const store::SchemaModule& schema() {
  static const store::SchemaModule module{"catalog", {{1, R"sql(
        CREATE TABLE catalog_product (
          id          INTEGER PRIMARY KEY,
          uid         TEXT NOT NULL UNIQUE,
          code        TEXT NOT NULL UNIQUE,
          name        TEXT NOT NULL,
          grp         TEXT,            -- "Гробы/Элит"
          list_rank   INTEGER NOT NULL,-- the recommended rank, or a large number
          search      TEXT NOT NULL,   -- name, article and code, case-folded
          removed     INTEGER NOT NULL DEFAULT 0,
          version     INTEGER NOT NULL DEFAULT 1,
          body        TEXT NOT NULL    -- canonical JSON
        ) STRICT;
        CREATE INDEX catalog_product_list ON catalog_product (removed, list_rank, name, code);

        -- Variants (характеристики): uid and code kept across changes.
        CREATE TABLE catalog_variant (
          id          INTEGER PRIMARY KEY,
          uid         TEXT NOT NULL UNIQUE,
          product_id  INTEGER NOT NULL REFERENCES catalog_product(id),
          code        TEXT NOT NULL,
          UNIQUE (product_id, code)
        ) STRICT;

        -- Every picture a product or variant names, once per SHA-256, with its
        -- type; the bytes are in the registry's file_blob (they may arrive
        -- later than the product that names them, so no foreign key).
        CREATE TABLE catalog_picture (
          sha256 TEXT PRIMARY KEY,
          mime   TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE catalog_price_type (
          id       INTEGER PRIMARY KEY,
          uid      TEXT NOT NULL UNIQUE,
          code     TEXT NOT NULL UNIQUE,
          name     TEXT NOT NULL,
          currency TEXT NOT NULL,
          removed  INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        CREATE TABLE catalog_warehouse (
          id       INTEGER PRIMARY KEY,
          uid      TEXT NOT NULL UNIQUE,
          code     TEXT NOT NULL UNIQUE,
          name     TEXT NOT NULL,
          removed  INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        -- One row per (price object, start date); uid "<price type uid>/<product
        -- or variant uid>"; variant_id 0: the product's own price.
        CREATE TABLE catalog_price (
          uid           TEXT NOT NULL,
          valid_from    TEXT NOT NULL,
          price         TEXT NOT NULL,
          price_type_id INTEGER NOT NULL,
          product_id    INTEGER NOT NULL,
          variant_id    INTEGER NOT NULL,
          PRIMARY KEY (uid, valid_from)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX catalog_price_product ON catalog_price (product_id, variant_id);

        -- uid "<warehouse uid>/<product or variant uid>".
        CREATE TABLE catalog_stock (
          uid          TEXT PRIMARY KEY,
          warehouse_id INTEGER NOT NULL,
          product_id   INTEGER NOT NULL,
          variant_id   INTEGER NOT NULL,
          quantity     TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX catalog_stock_product ON catalog_stock (product_id, variant_id);
      )sql"}}};
  return module;
}

}  // namespace opora::catalog
