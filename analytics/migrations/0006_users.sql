-- Jingmin schema, version 6: accounts for access control.
CREATE TABLE IF NOT EXISTS users (
    username          VARCHAR PRIMARY KEY,
    password_hash     VARCHAR NOT NULL,      -- argon2id, salted (never the password)
    role              VARCHAR NOT NULL CHECK (role IN ('admin', 'analyst', 'leader', 'station')),
    jurisdiction_code VARCHAR,               -- the subtree a station user may see
    created_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    failed_attempts   INTEGER NOT NULL DEFAULT 0,
    locked_until      TIMESTAMP,
    last_login        TIMESTAMP
);
