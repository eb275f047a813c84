-- How many accounts exist (login is required once there is one).
SELECT count(*) AS n FROM users;
