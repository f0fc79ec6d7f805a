-- Case starts recorded with the row write that submits a case, so that a crash between the
-- write and the workflow start never leaves a case stuck: whoever runs next starts what is
-- here (a second start is rejected by Temporal as a duplicate) and deletes the row.
-- Keep in step with ../sqlite/00007_case_starts.sql.

-- +goose Up
CREATE TABLE case_starts (
    case_id     TEXT PRIMARY KEY REFERENCES cases (id),
    process     TEXT NOT NULL,
    workflow_id TEXT NOT NULL UNIQUE,
    workflow    TEXT NOT NULL,
    input       TEXT NOT NULL,
    category    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE case_starts;
