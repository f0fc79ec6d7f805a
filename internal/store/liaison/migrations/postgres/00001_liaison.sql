-- The liaison process's tables (领导干部联系服务专家): pairings of a talent with a county leader
-- and a service specialist, each due date of their contacts, the contacts logged, changes of
-- leader, the demands (诉求) raised at contacts with their 好差评 trail, and the leaders' secret
-- calendar feeds. Keep in step with ../sqlite/00001_liaison.sql.

-- +goose Up
CREATE TABLE pairings (
    case_id         TEXT PRIMARY KEY REFERENCES cases (id),
    talent_user_id  TEXT NOT NULL REFERENCES users (id),
    talent_username TEXT NOT NULL,
    talent_name     TEXT NOT NULL,
    category        TEXT NOT NULL,
    certificate_no  TEXT NOT NULL,
    leader          TEXT NOT NULL,            -- username of the county leader now
    specialist      TEXT NOT NULL,            -- username of the service specialist
    per_year        INTEGER NOT NULL,
    state           TEXT NOT NULL,            -- active | ended
    next_due        TEXT NULL,                -- YYYY-MM-DD
    overdue         BOOLEAN NOT NULL DEFAULT FALSE,
    -- the certificate while the pairing is active: one active pairing per talent.
    open_key        TEXT NULL UNIQUE,
    end_reason      TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    ended_at        TIMESTAMPTZ NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX pairings_leader ON pairings (leader, state);
CREATE INDEX pairings_specialist ON pairings (specialist, state);
CREATE INDEX pairings_talent ON pairings (talent_user_id);

CREATE TABLE pairing_dues (
    pairing_id TEXT NOT NULL REFERENCES pairings (case_id),
    due_on     TEXT NOT NULL,                 -- YYYY-MM-DD
    leader     TEXT NOT NULL,                 -- whose contact it was (or is)
    state      TEXT NOT NULL,                 -- open | done | missed
    overdue    BOOLEAN NOT NULL DEFAULT FALSE,
    contact_id TEXT NOT NULL DEFAULT '',
    done_on    TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (pairing_id, due_on)
);
CREATE INDEX pairing_dues_leader ON pairing_dues (leader, due_on);
CREATE INDEX pairing_dues_due ON pairing_dues (due_on);

CREATE TABLE pairing_leaders (
    id         TEXT PRIMARY KEY,
    pairing_id TEXT NOT NULL REFERENCES pairings (case_id),
    from_user  TEXT NOT NULL,
    to_user    TEXT NOT NULL,
    reason     TEXT NOT NULL,
    by_user    TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX pairing_leaders_pairing ON pairing_leaders (pairing_id, at);

CREATE TABLE contacts (
    id         TEXT PRIMARY KEY,
    pairing_id TEXT NOT NULL REFERENCES pairings (case_id),
    date       TEXT NOT NULL,                 -- YYYY-MM-DD
    form       TEXT NOT NULL,
    notes      TEXT NOT NULL,
    leader     TEXT NOT NULL,
    logged_by  TEXT NOT NULL,
    role       TEXT NOT NULL,
    due_on     TEXT NOT NULL DEFAULT '',      -- the due date it met ('' : an extra contact)
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_pairing ON contacts (pairing_id, date);

-- A demand's case row is written by its own workflow; this row is written with the contact.
CREATE TABLE demands (
    case_id        TEXT PRIMARY KEY,
    pairing_id     TEXT NOT NULL REFERENCES pairings (case_id),
    contact_id     TEXT NOT NULL REFERENCES contacts (id),
    talent_user_id TEXT NOT NULL,
    leader         TEXT NOT NULL,
    specialist     TEXT NOT NULL,
    type           TEXT NOT NULL,
    detail         TEXT NOT NULL,
    department     TEXT NOT NULL,             -- where it is now
    forwarded_from TEXT NOT NULL DEFAULT '',
    score          INTEGER NOT NULL DEFAULT 0, -- the latest rating, 1–5 (0: none yet)
    rating_comment TEXT NOT NULL DEFAULT '',
    rated_by       TEXT NOT NULL DEFAULT '',
    default_rated  BOOLEAN NOT NULL DEFAULT FALSE,
    poor_ratings   INTEGER NOT NULL DEFAULT 0, -- 差评 received
    verified       INTEGER NOT NULL DEFAULT 0, -- complaints found true (核实)
    mistaken       INTEGER NOT NULL DEFAULT 0, -- complaints found mistaken (申诉复核)
    rectified      INTEGER NOT NULL DEFAULT 0, -- 整改 done
    called_back    INTEGER NOT NULL DEFAULT 0, -- 回访 done
    resolved       BOOLEAN NOT NULL DEFAULT FALSE,
    resolved_at    TIMESTAMPTZ NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX demands_pairing ON demands (pairing_id);
CREATE INDEX demands_department ON demands (department, resolved);
CREATE INDEX demands_talent ON demands (talent_user_id);
CREATE INDEX demands_leader ON demands (leader);

-- One secret calendar URL per user; only its hash is kept, and a new one replaces the old.
CREATE TABLE calendar_feeds (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE calendar_feeds;
DROP TABLE demands;
DROP TABLE contacts;
DROP TABLE pairing_leaders;
DROP TABLE pairing_dues;
DROP TABLE pairings;
