-- Tasks say which outcomes their step offers and where a return may go, so that clients offer
-- exactly the choices the workflow will accept (comma-separated lists).
-- Keep in step with ../sqlite/00004_task_outcomes.sql.

-- +goose Up
ALTER TABLE tasks ADD COLUMN outcomes TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN return_targets TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tasks DROP COLUMN return_targets;
ALTER TABLE tasks DROP COLUMN outcomes;
