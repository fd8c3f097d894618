DROP TABLE subjects;
DROP INDEX products_in_transit;
ALTER TABLE products DROP COLUMN undo;
ALTER TABLE products DROP COLUMN inside;
ALTER TABLE products DROP COLUMN transit_to;
ALTER TABLE products DROP COLUMN transit;
