-- Where and when each product was first sold and last collected, as JSON
-- ({"sold": {"city", "on"}, "collected": {...}}): the statistics attribute sales to the first
-- and collection and treatment to the second (PRODUCT.md §6).
ALTER TABLE products ADD COLUMN milestones TEXT;

-- The statistics' facts, summed: one row per city, year, UNU-KEY, metric and detail (see
-- domain::stats::facts). Updated by the writer in the append transaction, so that a city's
-- statistics read O(years × keys × metrics) rows, never the log. `fact_key` is those five as
-- one JSON array, so that a batch reads and replaces its rows with one `IN` each.
CREATE TABLE stat_facts (
    fact_key TEXT PRIMARY KEY NOT NULL,
    locode TEXT NOT NULL,
    year INTEGER NOT NULL,
    unu_key TEXT NOT NULL,
    metric TEXT NOT NULL,
    detail TEXT NOT NULL,
    mass_g BIGINT NOT NULL,
    units BIGINT NOT NULL
);
-- One year of a city, and the series that the year's model and stock need (sales and
-- collections of the years before): a city's statistics read O(keys × metrics) rows.
CREATE INDEX stat_facts_by_city_year ON stat_facts (locode, year);
CREATE INDEX stat_facts_by_city_metric ON stat_facts (locode, metric, year);

-- Which definitions the stored facts were computed with. No row (a database from before the
-- statistics) or another version: the server rebuilds the facts from the log at start.
CREATE TABLE stats_state (
    id INTEGER PRIMARY KEY NOT NULL,
    definitions TEXT NOT NULL,
    rebuilt_at_size BIGINT NOT NULL
);
