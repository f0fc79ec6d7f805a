-- Human-task engine read model: cases, tasks, timeline, notifications, comments, attachments.
-- Written by idempotent activities from the workflows; rev makes every upsert monotonic.
-- Keep in step with ../postgres/00002_task_engine.sql.

-- +goose Up
CREATE TABLE cases (
    id                  TEXT PRIMARY KEY,
    process             TEXT NOT NULL,
    state               TEXT NOT NULL,
    current_step        TEXT NOT NULL DEFAULT '',
    step_name           TEXT NOT NULL DEFAULT '',
    title               TEXT NOT NULL DEFAULT '',
    applicant_id        TEXT NOT NULL REFERENCES users (id),
    category            TEXT NOT NULL DEFAULT '',
    certificate_no      TEXT NOT NULL DEFAULT '',
    correction_deadline TIMESTAMP NULL,
    notice_ends_at      TIMESTAMP NULL,
    warning             TEXT NOT NULL DEFAULT '',
    workflow_id         TEXT NOT NULL DEFAULT '',
    rev                 BIGINT NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    submitted_at        TIMESTAMP NULL,
    closed_at           TIMESTAMP NULL
);
CREATE INDEX cases_by_applicant ON cases (applicant_id, created_at);
CREATE INDEX cases_by_state ON cases (process, state);

CREATE TABLE tasks (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    process     TEXT NOT NULL,
    step        TEXT NOT NULL,
    step_name   TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    mode        TEXT NOT NULL,
    department  TEXT NOT NULL REFERENCES departments (code),
    role        TEXT NOT NULL,
    assignee    TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    outcome     TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT '',
    decided_by  TEXT NOT NULL DEFAULT '',
    decided_at  TIMESTAMP NULL,
    opened_at   TIMESTAMP NOT NULL,
    deadline    TIMESTAMP NULL,
    yellow_at   TIMESTAMP NULL,
    warning     TEXT NOT NULL DEFAULT '',
    escalation  INTEGER NOT NULL DEFAULT 0,
    urge_count  INTEGER NOT NULL DEFAULT 0,
    rev         BIGINT NOT NULL DEFAULT 0,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX tasks_department_inbox ON tasks (department, state, opened_at, id);
CREATE INDEX tasks_assignee_inbox ON tasks (assignee, state, opened_at, id);
CREATE INDEX tasks_decided_by ON tasks (decided_by, decided_at, id);
CREATE INDEX tasks_by_case ON tasks (case_id, opened_at);

CREATE TABLE case_events (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    task_id    TEXT NOT NULL DEFAULT '',
    at         TIMESTAMP NOT NULL,
    kind       TEXT NOT NULL,
    step       TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    outcome    TEXT NOT NULL DEFAULT '',
    comment    TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_timeline ON case_events (case_id, at, id);

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    case_id    TEXT NOT NULL DEFAULT '',
    task_id    TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP NULL
);
CREATE INDEX notifications_inbox ON notifications (user_id, created_at, id);

CREATE TABLE comments (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    task_id    TEXT NOT NULL DEFAULT '',
    author_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_by_case ON comments (case_id, created_at);

CREATE TABLE attachments (
    sha256       TEXT PRIMARY KEY,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    name         TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE case_attachments (
    case_id  TEXT NOT NULL REFERENCES cases (id),
    sha256   TEXT NOT NULL REFERENCES attachments (sha256),
    task_id  TEXT NOT NULL DEFAULT '',
    added_by TEXT NOT NULL REFERENCES users (id),
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, sha256)
);

-- +goose Down
DROP TABLE case_attachments;
DROP TABLE attachments;
DROP TABLE comments;
DROP TABLE notifications;
DROP TABLE case_events;
DROP TABLE tasks;
DROP TABLE cases;
