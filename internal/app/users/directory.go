package users

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"talentflow/internal/store"
)

// DBDirectory is the directory in the read model's database.
type DBDirectory struct{ DB *store.DB }

// Roles loads the roles of several users in one query.
func (d DBDirectory) Roles(ctx context.Context, userIDs []string) (map[string][]Role, error) {
	var rows []struct {
		UserID string
		Role
	}
	err := d.DB.WithContext(ctx).Table("role_assignments ra").
		Select("ra.user_id, ra.role, ra.department, departments.name AS department_name").
		Joins("JOIN departments ON departments.code = ra.department").
		Where("ra.user_id IN ?", append(userIDs, "")).Order("ra.granted_at, ra.role").Scan(&rows).Error
	out := make(map[string][]Role, len(userIDs))
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.Role)
	}
	return out, err
}

// Users lists the users in scope that the filter selects, by username (at most 1,000).
func (d DBDirectory) Users(ctx context.Context, scope Scope, f UserFilter) ([]store.User, error) {
	db := d.DB.WithContext(ctx)
	q := db.Model(&store.User{})
	if !scope.All {
		q = q.Where("id IN (?)", db.Model(&store.RoleAssignment{}).Select("user_id").Where("department IN ?", append(scope.Departments, "")))
	}
	if f.Department != "" || f.Role != "" {
		sub := db.Model(&store.RoleAssignment{}).Select("user_id")
		if f.Department != "" {
			sub = sub.Where("department = ?", f.Department)
		}
		if f.Role != "" {
			sub = sub.Where("role = ?", f.Role)
		}
		q = q.Where("id IN (?)", sub)
	}
	var users []store.User
	err := q.Order("username").Limit(1000).Find(&users).Error
	return users, err
}

// User loads one user.
func (d DBDirectory) User(ctx context.Context, id string) (store.User, error) {
	var u store.User
	err := d.DB.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return u, ErrNoUser
	}
	return u, err
}

// CreateUser adds a user (ErrTaken for a username in use).
func (d DBDirectory) CreateUser(ctx context.Context, u store.User) error {
	err := d.DB.WithContext(ctx).Create(&u).Error
	if store.IsUniqueViolation(err) {
		return ErrTaken
	}
	return err
}

// Grant records a role assignment of an existing user in an existing department.
func (d DBDirectory) Grant(ctx context.Context, a store.RoleAssignment) error {
	return d.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", a.UserID).Take(&store.User{}).Error; err != nil {
			return ErrNoUser
		}
		if err := tx.Where("code = ?", a.Department).Take(&store.Department{}).Error; err != nil {
			return ErrNoDepartment
		}
		err := tx.Create(&a).Error
		if store.IsUniqueViolation(err) {
			return ErrHeld
		}
		return err
	})
}

// Revoke deletes a role assignment; it reports whether there was one.
func (d DBDirectory) Revoke(ctx context.Context, userID, role, dept string) (bool, error) {
	res := d.DB.WithContext(ctx).Where("user_id = ? AND role = ? AND department = ?", userID, role, dept).Delete(&store.RoleAssignment{})
	return res.RowsAffected > 0, res.Error
}

// Departments lists the member units by code.
func (d DBDirectory) Departments(ctx context.Context) ([]store.Department, error) {
	var rows []store.Department
	err := d.DB.WithContext(ctx).Order("code").Find(&rows).Error
	return rows, err
}

// CreateDepartment adds a member unit (ErrTaken for a code in use).
func (d DBDirectory) CreateDepartment(ctx context.Context, dep store.Department) error {
	err := d.DB.WithContext(ctx).Create(&dep).Error
	if store.IsUniqueViolation(err) {
		return ErrTaken
	}
	return err
}
