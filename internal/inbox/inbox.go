// Package inbox owns the in-app notification inbox: resolving recipients (a user, or every
// holder of a role in a department) and writing each notification exactly once.
package inbox

import (
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/internal/store"
	"talentflow/workflows"
)

// Put resolves the recipients and puts one copy of n in each inbox, once: a second Put of the
// same key changes nothing. It returns the usernames reached.
func Put(tx *gorm.DB, n workflows.NotificationRequest, now time.Time) ([]string, error) {
	users, err := Recipients(tx, n.To)
	if err != nil {
		return nil, err
	}
	rows := make([]store.Notification, 0, len(users))
	for _, u := range users {
		key := n.Key + "." + u.ID // URL-safe: the id appears in paths
		rows = append(rows, store.Notification{ID: key, UserID: u.ID, Kind: n.Kind, CaseID: n.CaseID, TaskID: n.TaskID,
			Title: n.Title, Body: n.Body, DedupeKey: key, CreatedAt: now})
	}
	if len(rows) > 0 {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
			return nil, fmt.Errorf("notifications: %w", err)
		}
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Username
	}
	return names, nil
}

// Recipients resolves recipients to active users, each once, in a stable order: a username
// names one user; a department and role names every holder of the role there; a role alone
// names every holder anywhere.
func Recipients(tx *gorm.DB, to []workflows.Recipient) ([]store.User, error) {
	var out []store.User
	for _, r := range to {
		var users []store.User
		q := tx.Model(&store.User{}).Where("users.disabled = ?", false)
		switch {
		case r.Username != "":
			q = q.Where("users.username = ?", r.Username)
		case r.Role != "":
			q = q.Joins("JOIN role_assignments ra ON ra.user_id = users.id").Where("ra.role = ?", r.Role)
			if r.Department != "" {
				q = q.Where("ra.department = ?", r.Department)
			}
		default:
			continue
		}
		if err := q.Distinct("users.*").Order("users.username").Find(&users).Error; err != nil {
			return nil, fmt.Errorf("recipients: %w", err)
		}
		for _, u := range users {
			if !slices.ContainsFunc(out, func(x store.User) bool { return x.ID == u.ID }) {
				out = append(out, u)
			}
		}
	}
	return out, nil
}
