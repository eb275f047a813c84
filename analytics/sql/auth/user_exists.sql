-- A row when an account named $username exists.
SELECT 1 AS found FROM users WHERE username = $username;
