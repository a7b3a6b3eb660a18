-- Signed tree heads (docs/ledger-format.md, "Checkpoints"): a checkpoint now signs the RFC 9162
-- Merkle root of the school's event hashes 1..position. Checkpoints signed before keep their format
-- (no root) and keep verifying; the table stays append-only (003's trigger).
ALTER TABLE ledger.checkpoints ADD COLUMN tree_root bytea CHECK (tree_root IS NULL OR octet_length(tree_root) = 32);
