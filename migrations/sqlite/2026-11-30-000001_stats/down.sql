DROP TABLE stats_state;
DROP TABLE stat_facts;
ALTER TABLE products DROP COLUMN milestones;
