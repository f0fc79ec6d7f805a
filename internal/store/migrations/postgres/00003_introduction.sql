-- The talent register: certificates and certified talents, and named counters. (The
-- introduction process's own table, introductions, is in internal/store/introduction.)
-- Keep in step with ../sqlite/00003_introduction.sql.

-- +goose Up
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE certificates (
    no        TEXT PRIMARY KEY,
    case_id   TEXT NOT NULL UNIQUE REFERENCES cases (id),
    name      TEXT NOT NULL,
    category  TEXT NOT NULL,
    year      INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    issued_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE talents (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id),
    case_id        TEXT NOT NULL UNIQUE REFERENCES cases (id),
    name           TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    category       TEXT NOT NULL,
    certificate_no TEXT NOT NULL REFERENCES certificates (no),
    status         TEXT NOT NULL,
    subsidy_eligible BOOLEAN NOT NULL,
    certified_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX talents_by_user ON talents (user_id);

-- +goose Down
DROP TABLE talents;
DROP TABLE certificates;
DROP TABLE counters;
