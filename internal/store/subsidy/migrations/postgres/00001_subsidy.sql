-- The subsidy disbursement process's tables (人才补贴发放): versioned policies with their
-- budgets, subsidy cases, the payment ledger, bank batches, recovery items and apply-free offers.
-- Money is integer fen everywhere. Keep in step with ../sqlite/00001_subsidy.sql.

-- +goose Up
CREATE TABLE subsidy_policies (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    year         INTEGER NOT NULL,
    categories   TEXT NOT NULL,          -- comma-separated, e.g. "A,B,C"
    amount_fen   TEXT NOT NULL,          -- JSON object category → fen per period
    months       INTEGER NOT NULL,       -- 0: a one-time grant
    budget_fen   BIGINT NOT NULL CHECK (budget_fen >= 0),
    reserved_fen BIGINT NOT NULL DEFAULT 0 CHECK (reserved_fen >= 0),
    paid_fen     BIGINT NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, version),
    -- No approval may push the budget below zero, whatever the concurrency.
    CHECK (reserved_fen + paid_fen <= budget_fen)
);

CREATE TABLE subsidies (
    case_id              TEXT PRIMARY KEY REFERENCES cases (id),
    applicant_id         TEXT NOT NULL REFERENCES users (id),
    talent_user_id       TEXT NOT NULL REFERENCES users (id),
    talent_name          TEXT NOT NULL,
    category             TEXT NOT NULL,
    certificate_no       TEXT NOT NULL REFERENCES certificates (no),
    employer_credit_code TEXT NOT NULL,
    policy_id            TEXT NOT NULL REFERENCES subsidy_policies (id),
    policy_version       INTEGER NOT NULL,
    kind                 TEXT NOT NULL,
    amount_fen           BIGINT NOT NULL CHECK (amount_fen > 0),
    months               INTEGER NOT NULL,
    commitment_fen       BIGINT NOT NULL,
    reserved_fen         BIGINT NOT NULL DEFAULT 0 CHECK (reserved_fen >= 0),
    paid_fen             BIGINT NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
    account_name         TEXT NOT NULL,
    bank_account         TEXT NOT NULL,
    bank_name            TEXT NOT NULL,
    -- certificate_no|kind while the application is open: one open application per talent and kind.
    open_key             TEXT NULL UNIQUE,
    started_at           TIMESTAMPTZ NULL,      -- when finance approved it and the schedule began
    first_period         TEXT NULL,     -- YYYY-MM of period 1; period k is k-1 months later
    next_period          INTEGER NOT NULL DEFAULT 1,
    left_on              TEXT NULL,     -- YYYY-MM-DD of a reported departure
    released_at          TIMESTAMPTZ NULL,      -- the unpaid reservation was given back (exactly once)
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX subsidies_by_talent ON subsidies (talent_user_id);
CREATE INDEX subsidies_by_policy ON subsidies (policy_id);

CREATE TABLE payment_batches (
    id           TEXT PRIMARY KEY,
    state        TEXT NOT NULL,         -- built | approved | confirmed
    built_by     TEXT NOT NULL,
    approved_by  TEXT NOT NULL DEFAULT '',
    confirmed_by TEXT NOT NULL DEFAULT '',
    line_count   INTEGER NOT NULL,
    total_fen    BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    approved_at  TIMESTAMPTZ NULL,
    confirmed_at TIMESTAMPTZ NULL
);

CREATE TABLE subsidy_payments (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES subsidies (case_id),
    seq        INTEGER NOT NULL,         -- 1..months (1 for a one-time grant)
    period     TEXT NOT NULL,            -- YYYY-MM of the period
    due_at     TIMESTAMPTZ NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    state      TEXT NOT NULL,
    batch_id   TEXT NULL REFERENCES payment_batches (id),
    paid_at    TIMESTAMPTZ NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    -- The business key: one row per subsidy and period, whatever retries or runs happen.
    UNIQUE (case_id, seq)
);
CREATE INDEX subsidy_payments_by_state ON subsidy_payments (state);

CREATE TABLE payment_batch_lines (
    id         TEXT PRIMARY KEY,
    batch_id   TEXT NOT NULL REFERENCES payment_batches (id),
    line_no    INTEGER NOT NULL,
    payment_id TEXT NOT NULL REFERENCES subsidy_payments (id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),  -- after netting recoveries
    netted_fen BIGINT NOT NULL DEFAULT 0,
    state      TEXT NOT NULL,            -- pending | paid | failed
    UNIQUE (batch_id, payment_id),
    UNIQUE (batch_id, line_no)
);

CREATE TABLE subsidy_recoveries (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES subsidies (case_id),
    payment_id     TEXT NOT NULL UNIQUE REFERENCES subsidy_payments (id),
    talent_user_id TEXT NOT NULL REFERENCES users (id),
    amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0),
    state          TEXT NOT NULL,        -- open | netting | recovered
    how            TEXT NOT NULL DEFAULT '', -- repaid | netted
    line_id        TEXT NULL,            -- the batch line it is netted against
    reference      TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    resolved_at    TIMESTAMPTZ NULL
);
CREATE INDEX subsidy_recoveries_by_talent ON subsidy_recoveries (talent_user_id, state);

CREATE TABLE subsidy_offers (
    id             TEXT PRIMARY KEY,
    talent_user_id TEXT NOT NULL REFERENCES users (id),
    certificate_no TEXT NOT NULL REFERENCES certificates (no),
    policy_id      TEXT NOT NULL REFERENCES subsidy_policies (id),
    kind           TEXT NOT NULL,
    amount_fen     BIGINT NOT NULL,
    state          TEXT NOT NULL,        -- offered | accepted
    case_id        TEXT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (certificate_no, kind)
);

-- +goose Down
DROP TABLE subsidy_offers;
DROP TABLE subsidy_recoveries;
DROP TABLE payment_batch_lines;
DROP TABLE subsidy_payments;
DROP TABLE payment_batches;
DROP TABLE subsidies;
DROP TABLE subsidy_policies;
