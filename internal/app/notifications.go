package app

import (
	"context"
	"time"

	"talentflow/authz"
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
	Page[NotificationItem]
	Unread int64 `json:"unread"`
}

// Notifications lists the caller's reminders, escalations, urges and copies, newest first.
func (a *App) Notifications(ctx context.Context, p *authz.Principal, f NotificationFilter) (NotificationPage, error) {
	if err := check(f); err != nil {
		return NotificationPage{}, err
	}
	q := a.DB.WithContext(ctx).Model(&store.Notification{}).Where("user_id = ?", p.User.ID)
	if f.Unread {
		q = q.Where("read_at IS NULL")
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	limit, err := pageQuery(&q, f.Cursor, f.Limit, "created_at", true)
	if err != nil {
		return NotificationPage{}, err
	}
	var rows []store.Notification
	if err := q.Find(&rows).Error; err != nil {
		return NotificationPage{}, a.unavailable(ctx, "the database", err)
	}
	page := NotificationPage{Page: pageOf(rows, limit,
		func(n store.Notification) (time.Time, string) { return n.CreatedAt, n.ID },
		func(n store.Notification) NotificationItem {
			return NotificationItem{ID: n.ID, Kind: n.Kind, CaseID: n.CaseID, TaskID: n.TaskID,
				Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
		})}
	if err := a.DB.WithContext(ctx).Model(&store.Notification{}).Where("user_id = ? AND read_at IS NULL", p.User.ID).
		Count(&page.Unread).Error; err != nil {
		return page, a.unavailable(ctx, "the database", err)
	}
	return page, nil
}

// ReadResult says how many notifications were marked read.
type ReadResult struct {
	Marked int64 `json:"marked"`
}

// MarkNotificationRead marks one of the caller's notifications read.
func (a *App) MarkNotificationRead(ctx context.Context, p *authz.Principal, id string) (ReadResult, error) {
	res := a.DB.WithContext(ctx).Model(&store.Notification{}).Where("id = ? AND user_id = ?", id, p.User.ID).
		Where("read_at IS NULL").Update("read_at", a.now())
	if res.Error != nil {
		return ReadResult{}, a.unavailable(ctx, "the database", res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		a.DB.WithContext(ctx).Model(&store.Notification{}).Where("id = ? AND user_id = ?", id, p.User.ID).Count(&n)
		if n == 0 {
			return ReadResult{}, NotFound("no notification %s of yours", id)
		}
	}
	return ReadResult{Marked: res.RowsAffected}, nil
}

// MarkAllNotificationsRead marks every unread notification of the caller read.
func (a *App) MarkAllNotificationsRead(ctx context.Context, p *authz.Principal) (ReadResult, error) {
	res := a.DB.WithContext(ctx).Model(&store.Notification{}).Where("user_id = ? AND read_at IS NULL", p.User.ID).
		Update("read_at", a.now())
	if res.Error != nil {
		return ReadResult{}, a.unavailable(ctx, "the database", res.Error)
	}
	return ReadResult{Marked: res.RowsAffected}, nil
}
