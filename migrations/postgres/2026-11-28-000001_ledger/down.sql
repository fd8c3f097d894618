DROP TABLE products;
DROP TABLE cities;
DROP TABLE actors;
DROP TABLE log_head;
DROP TABLE entries;
