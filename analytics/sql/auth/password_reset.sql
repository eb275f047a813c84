-- A new password clears the lockout and revokes every command-line token of the account.
UPDATE users SET password_hash = $password_hash, failed_attempts = 0, locked_until = NULL WHERE username = $username;
DELETE FROM cli_tokens WHERE username = $username;
