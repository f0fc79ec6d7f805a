-- Monitoring for the leading group (督办): how long each decided task took in working hours,
-- and daily aggregates of decided tasks per department, process and handling-time bucket, so
-- that the dashboard's counts, medians and percentiles over any period read a few thousand
-- rows instead of a million tasks. The projection writes them with the decision, once per
-- task (task_counted). Indexes for the open-task counts and the case trend.
-- Keep in step with ../postgres/00009_monitoring.sql.

-- +goose Up
ALTER TABLE tasks ADD COLUMN working_hours REAL NULL;
CREATE INDEX tasks_open_by_department ON tasks (state, department, warning);
CREATE INDEX tasks_decided_by_department ON tasks (department, decided_at);

CREATE TABLE task_stats (
    day        TEXT NOT NULL,              -- YYYY-MM-DD (China time) of the decision
    department TEXT NOT NULL,
    process    TEXT NOT NULL,
    bucket     INTEGER NOT NULL,           -- handling time in working hours, see store.HourBucket
    done       INTEGER NOT NULL DEFAULT 0, -- tasks decided
    timed      INTEGER NOT NULL DEFAULT 0, -- of which had a deadline
    on_time    INTEGER NOT NULL DEFAULT 0, -- of which were decided by it
    PRIMARY KEY (day, department, process, bucket)
);
CREATE TABLE task_counted (
    task_id TEXT PRIMARY KEY
);
CREATE INDEX cases_created ON cases (created_at);
CREATE INDEX cases_closed ON cases (closed_at);

-- +goose Down
DROP INDEX cases_closed;
DROP INDEX cases_created;
DROP TABLE task_counted;
DROP TABLE task_stats;
DROP INDEX tasks_decided_by_department;
DROP INDEX tasks_open_by_department;
ALTER TABLE tasks DROP COLUMN working_hours;
