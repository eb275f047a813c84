-- The stored token digests of one account with their expiry times.
SELECT token_hash, expires_at FROM cli_tokens WHERE username = $username;
