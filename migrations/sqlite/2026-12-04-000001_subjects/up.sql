-- Lots and containers beside products, two-party hand-overs and corrections (PRODUCT.md §8).

-- Where a product is going while a hand-over waits for its receiver, as JSON
-- ({"to", "seq", "since", "document"}), and the receiver alone, for the list of hand-overs in
-- transit; the container it is packed in; and how to take back its latest entry (JSON of
-- domain::records::Undo). All NULL for a product that has none of them.
ALTER TABLE products ADD COLUMN transit TEXT;
ALTER TABLE products ADD COLUMN transit_to TEXT;
ALTER TABLE products ADD COLUMN inside TEXT;
ALTER TABLE products ADD COLUMN undo TEXT;
-- Partial: only products in transit are in it, so an ordinary append maintains no index.
CREATE INDEX products_in_transit ON products (transit_to) WHERE transit_to IS NOT NULL;

-- Lots and containers: few beside products, so the whole record is one JSON document
-- (domain::records::SubjectRecord), with the columns the reads filter on beside it.
CREATE TABLE subjects (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    custodian TEXT,
    transit_to TEXT,
    record TEXT NOT NULL
);
CREATE INDEX subjects_in_transit ON subjects (transit_to) WHERE transit_to IS NOT NULL;
