-- Employers (用人单位): a clerk account can be bound to its employer's unified social credit
-- code; the employer's clerks then confirm the employment of its talents. An employer's clerks
-- hold the role employer in a department of the employer's own, "emp-<credit code>", so that
-- task inboxes and casbin's domains keep one employer's confirmations from another's.
-- Keep in step with ../postgres/00008_employers.sql.

-- +goose Up
ALTER TABLE users ADD COLUMN employer_credit_code TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN kind TEXT NOT NULL DEFAULT 'member';

-- +goose Down
ALTER TABLE departments DROP COLUMN kind;
ALTER TABLE users DROP COLUMN employer_credit_code;
