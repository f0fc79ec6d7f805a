package notifications

import (
	"context"
	"time"

	"talentflow/internal/app"
	"talentflow/internal/store"
)

// DBStore keeps the inbox in the read model's notifications table (written by the projection).
type DBStore struct{ DB *store.DB }

// List is one page of a user's notifications, newest first.
func (s DBStore) List(ctx context.Context, userID string, f NotificationFilter) (app.Page[NotificationItem], error) {
	q := s.DB.WithContext(ctx).Model(&store.Notification{}).Where("user_id = ?", userID)
	if f.Unread {
		q = q.Where("read_at IS NULL")
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	limit, err := app.PageQuery(&q, f.Cursor, f.Limit, "created_at", true)
	if err != nil {
		return app.Page[NotificationItem]{}, err
	}
	var rows []store.Notification
	if err := q.Find(&rows).Error; err != nil {
		return app.Page[NotificationItem]{}, err
	}
	return app.PageOf(rows, limit,
		func(n store.Notification) (time.Time, string) { return n.CreatedAt, n.ID },
		func(n store.Notification) NotificationItem {
			return NotificationItem{ID: n.ID, Kind: n.Kind, CaseID: n.CaseID, TaskID: n.TaskID,
				Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
		}), nil
}

// CountUnread counts a user's unread notifications.
func (s DBStore) CountUnread(ctx context.Context, userID string) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&store.Notification{}).Where("user_id = ? AND read_at IS NULL", userID).Count(&n).Error
	return n, err
}

// MarkRead marks one notification of the user read.
func (s DBStore) MarkRead(ctx context.Context, userID, id string, at time.Time) (int64, error) {
	db := s.DB.WithContext(ctx)
	res := db.Model(&store.Notification{}).Where("id = ? AND user_id = ? AND read_at IS NULL", id, userID).Update("read_at", at)
	if res.Error != nil || res.RowsAffected > 0 {
		return res.RowsAffected, res.Error
	}
	var n int64
	if err := db.Model(&store.Notification{}).Where("id = ? AND user_id = ?", id, userID).Count(&n).Error; err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, ErrNotFound
	}
	return 0, nil
}

// MarkAllRead marks every unread notification of the user read.
func (s DBStore) MarkAllRead(ctx context.Context, userID string, at time.Time) (int64, error) {
	res := s.DB.WithContext(ctx).Model(&store.Notification{}).Where("user_id = ? AND read_at IS NULL", userID).Update("read_at", at)
	return res.RowsAffected, res.Error
}
