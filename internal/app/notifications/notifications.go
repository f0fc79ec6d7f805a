// Package notifications is the caller's inbox of reminders, escalations, urges and copies:
// listing it, counting what is unread, marking it read. Its storage is the Store interface.
package notifications

import (
	"context"
	"errors"
	"time"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/store"
)

// NotificationItem is one entry of the caller's inbox.
type NotificationItem struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind" enum:"reminder,escalation,urge,cc,assigned,info"`
	CaseID    string     `json:"case_id,omitempty"`
	TaskID    string     `json:"task_id,omitempty"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// NotificationFilter narrows the inbox.
type NotificationFilter struct {
	Unread bool   `query:"unread"`
	Kind   string `query:"kind" validate:"omitempty,oneof=reminder escalation urge cc assigned info"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit" validate:"omitempty,min=1,max=200"`
}

// NotificationPage is a page of the inbox with the number of unread notifications.
type NotificationPage struct {
	app.Page[NotificationItem]
	Unread int64 `json:"unread"`
}

// ReadResult says how many notifications were marked read.
type ReadResult struct {
	Marked int64 `json:"marked"`
}

// ErrNotFound is the Store's answer for a notification that is not the user's.
var ErrNotFound = errors.New("no such notification of this user")

// Store is what the inbox needs of storage.
type Store interface {
	// List is one page of a user's notifications, newest first.
	List(ctx context.Context, userID string, f NotificationFilter) (app.Page[NotificationItem], error)
	CountUnread(ctx context.Context, userID string) (int64, error)
	// MarkRead marks one read (0 if it was read already; ErrNotFound if it is not the user's).
	MarkRead(ctx context.Context, userID, id string, at time.Time) (int64, error)
	MarkAllRead(ctx context.Context, userID string, at time.Time) (int64, error)
}

// Service holds the inbox use cases.
type Service struct {
	Store Store
	// Fail turns a storage failure into the caller's 503 (app.App.Unavailable).
	Fail func(ctx context.Context, what string, err error) *app.Error
	Now  func() time.Time
}

// List lists the caller's reminders, escalations, urges and copies, newest first, with the
// number still unread.
func (s *Service) List(ctx context.Context, p *authz.Principal, f NotificationFilter) (NotificationPage, error) {
	if err := app.Check(f); err != nil {
		return NotificationPage{}, err
	}
	page, err := s.Store.List(ctx, p.User.ID, f)
	if err != nil {
		return NotificationPage{}, s.fail(ctx, err)
	}
	out := NotificationPage{Page: page}
	if out.Unread, err = s.Store.CountUnread(ctx, p.User.ID); err != nil {
		return out, s.fail(ctx, err)
	}
	return out, nil
}

// MarkRead marks one of the caller's notifications read.
func (s *Service) MarkRead(ctx context.Context, p *authz.Principal, id string) (ReadResult, error) {
	n, err := s.Store.MarkRead(ctx, p.User.ID, id, s.Now().UTC())
	switch {
	case errors.Is(err, ErrNotFound):
		return ReadResult{}, app.NotFound("no notification %s of yours", id)
	case err != nil:
		return ReadResult{}, s.fail(ctx, err)
	}
	return ReadResult{Marked: n}, nil
}

// MarkAllRead marks every unread notification of the caller read.
func (s *Service) MarkAllRead(ctx context.Context, p *authz.Principal) (ReadResult, error) {
	n, err := s.Store.MarkAllRead(ctx, p.User.ID, s.Now().UTC())
	if err != nil {
		return ReadResult{}, s.fail(ctx, err)
	}
	return ReadResult{Marked: n}, nil
}

func (s *Service) fail(ctx context.Context, err error) error {
	var appErr *app.Error
	if errors.As(err, &appErr) {
		return appErr // a bad cursor
	}
	return s.Fail(ctx, "the database", err)
}

// New is the inbox on the read model's database; fail reports storage failures (503).
func New(db *store.DB, fail func(ctx context.Context, what string, err error) *app.Error) *Service {
	return &Service{Store: DBStore{DB: db}, Fail: fail, Now: time.Now}
}
