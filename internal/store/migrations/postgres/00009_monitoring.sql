-- Monitoring for the leading group (督办): how long each decided task took in working hours,
-- and daily aggregates of decided tasks per department and process with a histogram of their
-- handling times, so that the dashboard's counts, medians and percentiles over any period sum a
-- few thousand rows instead of reading a million tasks. The projection writes them
-- with the decision, once per task (task_counted). Indexes for the open-task counts;
-- the cases started and finished per day for the trend.
-- Keep in step with ../sqlite/00009_monitoring.sql.

-- +goose Up
ALTER TABLE tasks ADD COLUMN working_hours DOUBLE PRECISION NULL;
CREATE INDEX tasks_open_by_department ON tasks (state, department, warning);
CREATE INDEX tasks_decided_by_department ON tasks (department, decided_at);

CREATE TABLE task_stats (
    day        TEXT NOT NULL,              -- YYYY-MM-DD (China time) of the decision
    department TEXT NOT NULL,
    process    TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0, -- tasks decided
    timed      INTEGER NOT NULL DEFAULT 0, -- of which had a deadline
    on_time    INTEGER NOT NULL DEFAULT 0, -- of which were decided by it
    -- how many took up to each edge of store.HourEdges working hours (b31: longer)
    b00 INTEGER NOT NULL DEFAULT 0,
    b01 INTEGER NOT NULL DEFAULT 0,
    b02 INTEGER NOT NULL DEFAULT 0,
    b03 INTEGER NOT NULL DEFAULT 0,
    b04 INTEGER NOT NULL DEFAULT 0,
    b05 INTEGER NOT NULL DEFAULT 0,
    b06 INTEGER NOT NULL DEFAULT 0,
    b07 INTEGER NOT NULL DEFAULT 0,
    b08 INTEGER NOT NULL DEFAULT 0,
    b09 INTEGER NOT NULL DEFAULT 0,
    b10 INTEGER NOT NULL DEFAULT 0,
    b11 INTEGER NOT NULL DEFAULT 0,
    b12 INTEGER NOT NULL DEFAULT 0,
    b13 INTEGER NOT NULL DEFAULT 0,
    b14 INTEGER NOT NULL DEFAULT 0,
    b15 INTEGER NOT NULL DEFAULT 0,
    b16 INTEGER NOT NULL DEFAULT 0,
    b17 INTEGER NOT NULL DEFAULT 0,
    b18 INTEGER NOT NULL DEFAULT 0,
    b19 INTEGER NOT NULL DEFAULT 0,
    b20 INTEGER NOT NULL DEFAULT 0,
    b21 INTEGER NOT NULL DEFAULT 0,
    b22 INTEGER NOT NULL DEFAULT 0,
    b23 INTEGER NOT NULL DEFAULT 0,
    b24 INTEGER NOT NULL DEFAULT 0,
    b25 INTEGER NOT NULL DEFAULT 0,
    b26 INTEGER NOT NULL DEFAULT 0,
    b27 INTEGER NOT NULL DEFAULT 0,
    b28 INTEGER NOT NULL DEFAULT 0,
    b29 INTEGER NOT NULL DEFAULT 0,
    b30 INTEGER NOT NULL DEFAULT 0,
    b31 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, department, process)
);
CREATE TABLE task_counted (
    task_id TEXT PRIMARY KEY
);
-- Cases started (first written by their workflow) and finished per day and process, once each.
CREATE TABLE case_stats (
    day      TEXT NOT NULL,
    process  TEXT NOT NULL,
    started  INTEGER NOT NULL DEFAULT 0,
    finished INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, process)
);
CREATE TABLE case_counted (
    case_id TEXT NOT NULL,
    kind    TEXT NOT NULL,             -- started | finished
    PRIMARY KEY (case_id, kind)
);

-- Cases by process and state, kept by triggers, so that the dashboard reads a row per state
-- instead of counting every case.
CREATE TABLE case_counts (
    process TEXT NOT NULL,
    state   TEXT NOT NULL,
    n       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (process, state)
);
INSERT INTO case_counts (process, state, n) SELECT process, state, COUNT(*) FROM cases GROUP BY process, state;
-- +goose StatementBegin
CREATE FUNCTION count_case_states() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE case_counts SET n = n - 1 WHERE process = OLD.process AND state = OLD.state;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO case_counts (process, state, n) VALUES (NEW.process, NEW.state, 1)
            ON CONFLICT (process, state) DO UPDATE SET n = case_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER cases_counted AFTER INSERT OR DELETE ON cases FOR EACH ROW EXECUTE FUNCTION count_case_states();
CREATE TRIGGER cases_counted_update AFTER UPDATE OF process, state ON cases FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.process IS DISTINCT FROM NEW.process) EXECUTE FUNCTION count_case_states();

-- +goose Down
DROP TRIGGER cases_counted_update ON cases;
DROP TRIGGER cases_counted ON cases;
DROP FUNCTION count_case_states();
DROP TABLE case_counts;
DROP TABLE case_counted;
DROP TABLE case_stats;
DROP TABLE task_counted;
DROP TABLE task_stats;
DROP INDEX tasks_decided_by_department;
DROP INDEX tasks_open_by_department;
ALTER TABLE tasks DROP COLUMN working_hours;
