-- Revoke every command-line token of the account.
DELETE FROM cli_tokens WHERE username = $username;
