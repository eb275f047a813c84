-- Every account without its password hash, by name.
SELECT username, role, jurisdiction_code, created_at, last_login, locked_until FROM users ORDER BY username;
