-- A successful sign-in clears the failures and lockout and records the time.
UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login = $now WHERE username = $username;
