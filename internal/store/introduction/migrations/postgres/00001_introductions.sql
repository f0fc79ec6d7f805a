-- The talent introduction process's own table: application profiles. Older databases got it
-- from the foundation's 00003, hence IF NOT EXISTS. Keep in step with ../sqlite/00001_introductions.sql.

-- +goose Up
CREATE TABLE IF NOT EXISTS introductions (
    case_id              TEXT PRIMARY KEY REFERENCES cases (id),
    applicant_id         TEXT NOT NULL REFERENCES users (id),
    name                 TEXT NOT NULL,
    id_number            TEXT NOT NULL,
    phone                TEXT NOT NULL,
    education            TEXT NOT NULL,
    title                TEXT NOT NULL,
    field                TEXT NOT NULL,
    employer_credit_code TEXT NOT NULL,
    category             TEXT NOT NULL,
    -- id_number|category while the application is open; NULL otherwise. Unique: one open
    -- application per person and category.
    open_key             TEXT NULL UNIQUE,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE introductions;
