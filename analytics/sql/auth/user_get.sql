-- One account's name, role and scope (no row when there is no such account).
SELECT username, role, jurisdiction_code FROM users WHERE username = $username;
