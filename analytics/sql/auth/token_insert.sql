-- A command-line token: only the SHA-256 of its secret is stored.
INSERT INTO cli_tokens (token_hash, username, created_at, expires_at) VALUES ($token_hash, $username, $now, $expires_at);
