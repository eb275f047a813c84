-- What sign-in needs of one account: its hash, failures so far and lockout (no row for an unknown name).
SELECT username, role, jurisdiction_code, password_hash, failed_attempts, locked_until
FROM users WHERE username = $username;
