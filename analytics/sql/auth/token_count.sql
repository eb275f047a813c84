-- How many command-line tokens the account holds.
SELECT count(*) AS n FROM cli_tokens WHERE username = $username;
