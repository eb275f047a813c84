-- One more failed sign-in: the count so far, or 0 with $locked_until set when the account locks.
UPDATE users SET failed_attempts = $failed_attempts, locked_until = $locked_until WHERE username = $username;
