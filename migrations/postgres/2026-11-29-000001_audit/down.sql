DROP TABLE log_identity;
DROP TABLE cosignatures;
DROP TABLE checkpoints;
DROP TABLE merkle_nodes;
