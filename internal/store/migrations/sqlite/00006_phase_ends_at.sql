-- A case's timed phase without tasks (a public notice, a payment period, the next contact due)
-- is not the introduction's notice alone. Keep in step with ../postgres/00006_phase_ends_at.sql.

-- +goose Up
ALTER TABLE cases RENAME COLUMN notice_ends_at TO phase_ends_at;

-- +goose Down
ALTER TABLE cases RENAME COLUMN phase_ends_at TO notice_ends_at;
