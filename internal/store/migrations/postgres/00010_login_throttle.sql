-- Login throttling per user name and source address: wrong passwords count for the pair, and
-- after five the pair is locked for a while that doubles with each lockout. A name that does
-- not exist is throttled exactly like one that does, so the answers tell nobody which names
-- exist, and an attacker elsewhere cannot lock an administrator out of their own desk.
-- Keep in step with ../sqlite/00010_login_throttle.sql.

-- +goose Up
CREATE TABLE login_throttle (
    username     TEXT NOT NULL,            -- as typed, trimmed and lower-cased
    source       TEXT NOT NULL,            -- the client's address
    failures     INTEGER NOT NULL DEFAULT 0,
    lockouts     INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (username, source)
);

-- +goose Down
DROP TABLE login_throttle;
