-- Sessions: each bearer token is a session that ends when it expires, when its user logs out, or
-- when it has been idle longer than the idle timeout (等保 level 3: an idle session ends).
-- Keep in step with ../postgres/00011_sessions.sql.

-- +goose Up
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,            -- the token's id (jti)
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
