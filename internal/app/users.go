package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"talentflow/authz"
	"talentflow/internal/domain"
	"talentflow/internal/identity"
	"talentflow/internal/ids"
	"talentflow/internal/store"
)

// Role is a role held in a department.
type Role struct {
	Role           string `json:"role"`
	Department     string `json:"department"`
	DepartmentName string `json:"department_name"`
}

// Me is the caller as the API knows them.
type Me struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Phone       string   `json:"phone"`
	Roles       []Role   `json:"roles"`
	Permissions []string `json:"permissions"`
}

// Me describes the caller: roles per department and the actions they may take somewhere.
func (a *App) Me(ctx context.Context, p *authz.Principal) (Me, error) {
	roles, err := a.roles(ctx, p.User.ID)
	if err != nil {
		return Me{}, a.unavailable(ctx, "the database", err)
	}
	me := Me{ID: p.User.ID, Username: p.User.Username, Name: p.User.DisplayName, Kind: p.User.Kind,
		Phone: domain.MaskPhone(p.User.Phone), Roles: roles, Permissions: []string{}}
	for _, act := range a.Authz.Permissions() {
		if a.Authz.Can(p.User.ID, authz.Anywhere, act) {
			me.Permissions = append(me.Permissions, string(act))
		}
	}
	return me, nil
}

func (a *App) roles(ctx context.Context, userID string) ([]Role, error) {
	byUser, err := a.rolesOf(ctx, []string{userID})
	return append([]Role{}, byUser[userID]...), err
}

// rolesOf loads the roles of several users in one query.
func (a *App) rolesOf(ctx context.Context, userIDs []string) (map[string][]Role, error) {
	var rows []struct {
		UserID string
		Role
	}
	err := a.DB.WithContext(ctx).Table("role_assignments ra").
		Select("ra.user_id, ra.role, ra.department, departments.name AS department_name").
		Joins("JOIN departments ON departments.code = ra.department").
		Where("ra.user_id IN ?", append(userIDs, "")).Order("ra.granted_at, ra.role").Scan(&rows).Error
	out := make(map[string][]Role, len(userIDs))
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.Role)
	}
	return out, err
}

// UserItem is a user in the admin list (personal data masked).
type UserItem struct {
	ID        string    `json:"id"`
	Username  string    `json:"username"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Phone     string    `json:"phone"`
	Disabled  bool      `json:"disabled"`
	Locked    bool      `json:"locked"`
	Roles     []Role    `json:"roles"`
	CreatedAt time.Time `json:"created_at"`
}

// UserFilter narrows the user list.
type UserFilter struct {
	Department string `query:"department" validate:"max=40"`
	Role       string `query:"role" validate:"max=40"`
}

// Users lists users: everyone for county-wide readers, a department head's own department.
func (a *App) Users(ctx context.Context, p *authz.Principal, f UserFilter) ([]UserItem, error) {
	if err := check(f); err != nil {
		return nil, err
	}
	all, depts := a.Authz.Departments(p.Grants, p.User.ID, authz.UserRead)
	q := a.DB.WithContext(ctx).Model(&store.User{})
	if !all {
		q = q.Where("id IN (?)", a.DB.Model(&store.RoleAssignment{}).Select("user_id").Where("department IN ?", depts))
	}
	if f.Department != "" || f.Role != "" {
		sub := a.DB.Model(&store.RoleAssignment{}).Select("user_id")
		if f.Department != "" {
			sub = sub.Where("department = ?", f.Department)
		}
		if f.Role != "" {
			sub = sub.Where("role = ?", f.Role)
		}
		q = q.Where("id IN (?)", sub)
	}
	var users []store.User
	if err := q.Order("username").Limit(1000).Find(&users).Error; err != nil {
		return nil, a.unavailable(ctx, "the database", err)
	}
	return a.userItems(ctx, users)
}

// userItems describes users with their roles, personal data masked.
func (a *App) userItems(ctx context.Context, users []store.User) ([]UserItem, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	roles, err := a.rolesOf(ctx, ids)
	if err != nil {
		return nil, a.unavailable(ctx, "the database", err)
	}
	now := a.now()
	out := make([]UserItem, 0, len(users))
	for _, u := range users {
		out = append(out, UserItem{ID: u.ID, Username: u.Username, Name: u.DisplayName, Kind: u.Kind,
			Phone: domain.MaskPhone(u.Phone), Disabled: u.Disabled, Locked: u.LockedUntil != nil && u.LockedUntil.After(now),
			Roles: append([]Role{}, roles[u.ID]...), CreatedAt: u.CreatedAt})
	}
	return out, nil
}

// NewUser creates an account.
type NewUser struct {
	Username string `json:"username" validate:"required,min=3,max=64,username"`
	Name     string `json:"name" validate:"required,max=50"`
	Password string `json:"password" validate:"required"`
	Kind     string `json:"kind" validate:"required,oneof=staff talent employer"`
	Phone    string `json:"phone,omitempty" validate:"omitempty,phone"`
	Email    string `json:"email,omitempty" validate:"omitempty,email,max=200"`
}

// CreateUser adds an account; the password must meet the rules.
func (a *App) CreateUser(ctx context.Context, p *authz.Principal, idn *identity.Service, in NewUser) (UserItem, error) {
	in.Username = strings.TrimSpace(in.Username)
	in.Phone = domain.NormalizePhone(in.Phone)
	if err := check(in); err != nil {
		return UserItem{}, err
	}
	hash, err := idn.HashPassword(in.Password)
	if err != nil {
		var pe *identity.PasswordError
		if errors.As(err, &pe) {
			return UserItem{}, Invalid("password", "%s", pe.Error())
		}
		return UserItem{}, a.unavailable(ctx, "password hashing", err)
	}
	now := a.now()
	u := store.User{ID: ids.New("usr"), Username: in.Username, DisplayName: in.Name, PasswordHash: hash, Phone: in.Phone,
		Email: in.Email, Kind: in.Kind, CreatedAt: now, UpdatedAt: now}
	if err := a.DB.WithContext(ctx).Create(&u).Error; err != nil {
		if isUnique(err) {
			return UserItem{}, &Error{Kind: KindConflict, Code: "username_taken", Field: "username", Message: "username " + in.Username + " is taken"}
		}
		return UserItem{}, a.unavailable(ctx, "the database", err)
	}
	items, err := a.userItems(ctx, []store.User{u})
	if err != nil {
		return UserItem{}, err
	}
	return items[0], nil
}

// Grant gives a role in a department.
type Grant struct {
	Role       string `json:"role" validate:"required,role"`
	Department string `json:"department" validate:"required,max=40"`
}

// GrantRole gives user id a role in a department and reloads the authorizer.
func (a *App) GrantRole(ctx context.Context, p *authz.Principal, id string, in Grant) (UserItem, error) {
	if err := check(in); err != nil {
		return UserItem{}, err
	}
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&store.User{}).Error; err != nil {
			return NotFound("no user %s", id)
		}
		if err := tx.Where("code = ?", in.Department).Take(&store.Department{}).Error; err != nil {
			return Invalid("department", "no department %q", in.Department)
		}
		err := tx.Create(&store.RoleAssignment{UserID: id, Role: in.Role, Department: in.Department,
			GrantedBy: p.User.Username, GrantedAt: a.now()}).Error
		if isUnique(err) {
			return Conflict("the user already holds %s in %s", in.Role, in.Department)
		}
		return err
	})
	if err != nil {
		return UserItem{}, a.dbError(ctx, err)
	}
	return a.afterGrantChange(ctx, p, id)
}

// RevokeRole takes a role in a department away.
func (a *App) RevokeRole(ctx context.Context, p *authz.Principal, id, role, dept string) (UserItem, error) {
	res := a.DB.WithContext(ctx).Where("user_id = ? AND role = ? AND department = ?", id, role, dept).Delete(&store.RoleAssignment{})
	if res.Error != nil {
		return UserItem{}, a.unavailable(ctx, "the database", res.Error)
	}
	if res.RowsAffected == 0 {
		return UserItem{}, NotFound("user %s holds no %s role in %s", id, role, dept)
	}
	return a.afterGrantChange(ctx, p, id)
}

func (a *App) afterGrantChange(ctx context.Context, p *authz.Principal, id string) (UserItem, error) {
	if err := a.Authz.Reload(ctx); err != nil {
		return UserItem{}, a.unavailable(ctx, "the authorizer", err)
	}
	var u store.User
	if err := a.DB.WithContext(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return UserItem{}, a.unavailable(ctx, "the database", err)
	}
	items, err := a.userItems(ctx, []store.User{u})
	if err != nil {
		return UserItem{}, err
	}
	return items[0], nil
}

// DepartmentItem is a member unit.
type DepartmentItem struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Departments lists the member units.
func (a *App) Departments(ctx context.Context) ([]DepartmentItem, error) {
	var rows []store.Department
	if err := a.DB.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, a.unavailable(ctx, "the database", err)
	}
	out := make([]DepartmentItem, len(rows))
	for i, d := range rows {
		out[i] = DepartmentItem{Code: d.Code, Name: d.Name}
	}
	return out, nil
}

// NewDepartment adds a member unit.
type NewDepartment struct {
	Code string `json:"code" validate:"required,min=2,max=40,username"`
	Name string `json:"name" validate:"required,max=100"`
}

// CreateDepartment adds a member unit (departments are data, not code).
func (a *App) CreateDepartment(ctx context.Context, in NewDepartment) (DepartmentItem, error) {
	if err := check(in); err != nil {
		return DepartmentItem{}, err
	}
	err := a.DB.WithContext(ctx).Create(&store.Department{Code: in.Code, Name: in.Name, CreatedAt: a.now()}).Error
	if isUnique(err) {
		return DepartmentItem{}, &Error{Kind: KindConflict, Code: "department_exists", Field: "code", Message: "department " + in.Code + " exists"}
	}
	if err != nil {
		return DepartmentItem{}, a.unavailable(ctx, "the database", err)
	}
	return DepartmentItem{Code: in.Code, Name: in.Name}, nil
}
