-- A new account ($password_hash: argon2; $jurisdiction_code: NULL unless a station user).
INSERT INTO users (username, password_hash, role, jurisdiction_code)
VALUES ($username, $password_hash, $role, $jurisdiction_code);
