package tasks

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"talentflow/internal/app"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// ErrNotFound is the Store's answer for an unknown task or user.
var ErrNotFound = errors.New("not found")

// InboxQuery is an inbox as the Store reads it: the filter, whose inbox, the departments the
// caller may see it in (for the claimable scope: may claim in), and the order.
type InboxQuery struct {
	TaskFilter
	UserID, Username string
	AllDepartments   bool
	Departments      []string
	SortBy           string // opened_at, decided_at or updated_at
	Desc             bool
}

// Store is what the task use cases need of storage.
type Store interface {
	Task(ctx context.Context, id string) (store.Task, error)
	Case(ctx context.Context, id string) (store.Case, error)
	// CasesOf loads the id, title and state of each case.
	CasesOf(ctx context.Context, ids []string) (map[string]store.Case, error)
	// Inbox is one page of an inbox (one row more when a next page exists) and the page size.
	Inbox(ctx context.Context, q InboxQuery) ([]store.Task, int, error)
	ActiveUser(ctx context.Context, username string) (store.User, error)
	HoldsRole(ctx context.Context, userID, dept string) (bool, error)
	DepartmentExists(ctx context.Context, code string) (bool, error)
	AddComment(ctx context.Context, c store.Comment) error
	Comments(ctx context.Context, column, id string) ([]CommentItem, error)
}

// DBStore is the tasks in the read model's database.
type DBStore struct{ DB *store.DB }

// Task loads a task.
func (d DBStore) Task(ctx context.Context, id string) (store.Task, error) {
	var t store.Task
	err := d.DB.WithContext(ctx).Where("id = ?", id).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return t, ErrNotFound
	}
	return t, err
}

// Case loads a case.
func (d DBStore) Case(ctx context.Context, id string) (store.Case, error) {
	var c store.Case
	err := d.DB.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	return c, err
}

// CasesOf loads the title and state of each case.
func (d DBStore) CasesOf(ctx context.Context, ids []string) (map[string]store.Case, error) {
	var cases []store.Case
	if err := d.DB.WithContext(ctx).Select("id", "title", "state").Where("id IN ?", append(ids, "")).Find(&cases).Error; err != nil {
		return nil, err
	}
	out := make(map[string]store.Case, len(cases))
	for _, c := range cases {
		out[c.ID] = c
	}
	return out, nil
}

// Inbox reads one page of an inbox.
func (d DBStore) Inbox(ctx context.Context, iq InboxQuery) ([]store.Task, int, error) {
	f := iq.TaskFilter
	q := d.DB.WithContext(ctx).Model(&store.Task{})
	inDepts := func(q *gorm.DB) *gorm.DB {
		if iq.AllDepartments {
			return q
		}
		return q.Where("department IN ?", append(iq.Departments, ""))
	}
	switch f.Scope {
	case ScopeMine:
		q = inDepts(q.Where("assignee = ?", iq.Username))
		if f.State == "" {
			q = q.Where("state IN ?", []string{workflows.TaskOpen, workflows.TaskPaused})
		}
	case ScopeDepartment:
		q = inDepts(q)
		if f.State == "" {
			q = q.Where("state IN ?", []string{workflows.TaskOpen, workflows.TaskPaused})
		}
	case ScopeClaimable:
		q = inDepts(q.Where("assignee = '' AND state = ?", workflows.TaskOpen))
	case ScopeDone:
		q = q.Where("decided_by = ?", iq.Username)
	case ScopeCC:
		// A copy is addressed to the caller: it shows whatever department's task it is about.
		q = q.Where("id IN (?)", d.DB.Model(&store.Notification{}).Select("task_id").
			Where("user_id = ? AND kind = ?", iq.UserID, workflows.NotifyCC))
	}
	if f.Process != "" {
		q = q.Where("process = ?", f.Process)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.Warning != "" {
		q = q.Where("warning = ?", strings.TrimPrefix(f.Warning, "none"))
	}
	if f.From != "" {
		from, _ := time.ParseInLocation(time.DateOnly, f.From, domain.ChinaTime)
		q = q.Where(iq.SortBy+" >= ?", from.UTC())
	}
	if f.To != "" {
		to, _ := time.ParseInLocation(time.DateOnly, f.To, domain.ChinaTime)
		q = q.Where(iq.SortBy+" < ?", to.AddDate(0, 0, 1).UTC())
	}
	limit, err := app.PageQuery(&q, f.Cursor, f.Limit, iq.SortBy, iq.Desc)
	if err != nil {
		return nil, 0, err
	}
	var rows []store.Task
	err = q.Find(&rows).Error
	return rows, limit, err
}

// ActiveUser loads a user who is not disabled.
func (d DBStore) ActiveUser(ctx context.Context, username string) (store.User, error) {
	var u store.User
	err := d.DB.WithContext(ctx).Where("username = ? AND disabled = ?", username, false).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return u, ErrNotFound
	}
	return u, err
}

// HoldsRole reports whether the user holds any role in the department.
func (d DBStore) HoldsRole(ctx context.Context, userID, dept string) (bool, error) {
	var n int64
	err := d.DB.WithContext(ctx).Model(&store.RoleAssignment{}).Where("user_id = ? AND department = ?", userID, dept).Count(&n).Error
	return n > 0, err
}

// DepartmentExists reports whether a department has that code.
func (d DBStore) DepartmentExists(ctx context.Context, code string) (bool, error) {
	var n int64
	err := d.DB.WithContext(ctx).Model(&store.Department{}).Where("code = ?", code).Count(&n).Error
	return n > 0, err
}

// AddComment stores a comment.
func (d DBStore) AddComment(ctx context.Context, c store.Comment) error {
	return d.DB.WithContext(ctx).Create(&c).Error
}

// Comments lists the comments whose column (case_id or task_id) is id, oldest first.
func (d DBStore) Comments(ctx context.Context, column, id string) ([]CommentItem, error) {
	if column != "case_id" && column != "task_id" {
		return nil, errors.New("comments are listed by case_id or task_id")
	}
	var rows []struct {
		store.Comment
		Username string
	}
	if err := d.DB.WithContext(ctx).Table("comments").Select("comments.*, users.username").
		Joins("JOIN users ON users.id = comments.author_id").Where("comments."+column+" = ?", id).
		Order("comments.created_at").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]CommentItem, 0, len(rows))
	for _, r := range rows {
		out = append(out, CommentItem{ID: r.ID, TaskID: r.TaskID, Author: r.Username, Body: r.Body, CreatedAt: r.CreatedAt})
	}
	return out, nil
}
