-- Jingmin schema, version 7: command-line tokens (python -m analytics users token create).
-- Only the SHA-256 of each random secret is stored; the secret lives in a file its owner alone can read.
CREATE TABLE IF NOT EXISTS cli_tokens (
    token_hash  VARCHAR PRIMARY KEY,         -- sha256 hex of the token's secret
    username    VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at  TIMESTAMP NOT NULL
);
