-- Remove an account and its command-line tokens (tokens first: they reference the account).
DELETE FROM cli_tokens WHERE username = $username;
DELETE FROM users WHERE username = $username;
