-- Files are stored once per content (by sha256), but each person who uploads a file owns their
-- copy of it, under the name they gave it: owning a file is what allows linking it to a case.
-- Keep in step with ../postgres/00005_attachment_owners.sql.

-- +goose Up
CREATE TABLE attachment_owners (
    sha256     TEXT NOT NULL REFERENCES attachments (sha256),
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (sha256, user_id)
);
INSERT INTO attachment_owners (sha256, user_id, name, created_at)
    SELECT sha256, uploaded_by, name, created_at FROM attachments;

-- +goose Down
DROP TABLE attachment_owners;
