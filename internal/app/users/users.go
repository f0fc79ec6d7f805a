// Package users is the directory's use cases: who the caller is (Me), the users and their
// roles per department, creating accounts, granting and revoking roles, and the member units.
// Its storage is the Directory interface.
package users

import (
	"context"
	"errors"
	"strings"
	"time"

	"talentflow/authz"
	"talentflow/internal/app"
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
	// EmployerCreditCode is the employer an employer's clerk is bound to (omitted otherwise).
	EmployerCreditCode string `json:"employer_credit_code,omitempty"`
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

// NewUser creates an account.
type NewUser struct {
	Username string `json:"username" validate:"required,min=3,max=64,username"`
	Name     string `json:"name" validate:"required,max=50"`
	Password string `json:"password" validate:"required"`
	Kind     string `json:"kind" validate:"required,oneof=staff talent employer"`
	Phone    string `json:"phone,omitempty" validate:"omitempty,phone"`
	Email    string `json:"email,omitempty" validate:"omitempty,email,max=200"`
}

// Grant gives a role in a department.
type Grant struct {
	Role       string `json:"role" validate:"required,role"`
	Department string `json:"department" validate:"required,max=40"`
}

// DepartmentItem is a member unit.
type DepartmentItem struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// NewDepartment adds a member unit.
type NewDepartment struct {
	Code string `json:"code" validate:"required,min=2,max=40,username"`
	Name string `json:"name" validate:"required,max=100"`
}

// Directory errors.
var (
	ErrNoUser       = errors.New("no such user")
	ErrNoDepartment = errors.New("no such department")
	ErrTaken        = errors.New("the name is taken")
	ErrHeld         = errors.New("the role is held already")
)

// Scope says whose users a reader sees: everyone, or those holding a role in Departments.
type Scope struct {
	All         bool
	Departments []string
}

// Directory is what the users' use cases need of storage.
type Directory interface {
	// Roles are the roles of each user, in the order granted.
	Roles(ctx context.Context, userIDs []string) (map[string][]Role, error)
	Users(ctx context.Context, scope Scope, f UserFilter) ([]store.User, error)
	User(ctx context.Context, id string) (store.User, error)
	CreateUser(ctx context.Context, u store.User) error
	Grant(ctx context.Context, a store.RoleAssignment) error
	// Revoke reports whether the user held the role.
	Revoke(ctx context.Context, userID, role, dept string) (bool, error)
	Departments(ctx context.Context) ([]store.Department, error)
	CreateDepartment(ctx context.Context, d store.Department) error
}

// Service holds the users' use cases.
type Service struct {
	Directory Directory
	Authz     *authz.Authorizer
	Passwords interface {
		HashPassword(string) (string, error)
		ChangePassword(ctx context.Context, userID, current, next string) error
		Unlock(ctx context.Context, username string) (int64, error)
		LockedNames(ctx context.Context, usernames []string) (map[string]bool, error)
	}
	Fail func(ctx context.Context, what string, err error) *app.Error
	Now  func() time.Time
}

// New is the directory on the database; fail reports storage failures (503).
func New(db *store.DB, az *authz.Authorizer, idn *identity.Service, fail func(ctx context.Context, what string, err error) *app.Error) *Service {
	return &Service{Directory: DBDirectory{DB: db}, Authz: az, Passwords: idn, Fail: fail, Now: time.Now}
}

// Me describes the caller: roles per department and the actions they may take somewhere.
func (s *Service) Me(ctx context.Context, p *authz.Principal) (Me, error) {
	byUser, err := s.Directory.Roles(ctx, []string{p.User.ID})
	if err != nil {
		return Me{}, s.Fail(ctx, "the database", err)
	}
	me := Me{ID: p.User.ID, Username: p.User.Username, Name: p.User.DisplayName, Kind: p.User.Kind,
		Phone: domain.MaskPhone(p.User.Phone), Roles: append([]Role{}, byUser[p.User.ID]...), Permissions: []string{},
		EmployerCreditCode: p.User.EmployerCreditCode}
	for _, act := range s.Authz.Permissions() {
		if s.Authz.Can(p.User.ID, authz.Anywhere, act) {
			me.Permissions = append(me.Permissions, string(act))
		}
	}
	return me, nil
}

// Users lists users: everyone for county-wide readers, a department head's own department.
func (s *Service) Users(ctx context.Context, p *authz.Principal, f UserFilter) ([]UserItem, error) {
	if err := app.Check(f); err != nil {
		return nil, err
	}
	all, depts := s.Authz.Departments(p.Grants, p.User.ID, authz.UserRead)
	users, err := s.Directory.Users(ctx, Scope{All: all, Departments: depts}, f)
	if err != nil {
		return nil, s.Fail(ctx, "the database", err)
	}
	return s.items(ctx, users)
}

// items describes users with their roles, personal data masked.
func (s *Service) items(ctx context.Context, users []store.User) ([]UserItem, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	roles, err := s.Directory.Roles(ctx, ids)
	if err != nil {
		return nil, s.Fail(ctx, "the database", err)
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Username
	}
	// Logins are throttled per name and address: a user is locked while some address is.
	locked, err := s.Passwords.LockedNames(ctx, names)
	if err != nil {
		return nil, s.Fail(ctx, "the database", err)
	}
	out := make([]UserItem, 0, len(users))
	for _, u := range users {
		out = append(out, UserItem{ID: u.ID, Username: u.Username, Name: u.DisplayName, Kind: u.Kind,
			Phone: domain.MaskPhone(u.Phone), Disabled: u.Disabled, Locked: locked[u.Username],
			Roles: append([]Role{}, roles[u.ID]...), CreatedAt: u.CreatedAt})
	}
	return out, nil
}

// CreateUser adds an account; the password must meet the rules.
func (s *Service) CreateUser(ctx context.Context, p *authz.Principal, in NewUser) (UserItem, error) {
	in.Username = strings.TrimSpace(in.Username)
	in.Phone = domain.NormalizePhone(in.Phone)
	if err := app.Check(in); err != nil {
		return UserItem{}, err
	}
	hash, err := s.Passwords.HashPassword(in.Password)
	if err != nil {
		var pe *identity.PasswordError
		if errors.As(err, &pe) {
			return UserItem{}, app.Invalid("password", "%s", pe.Error())
		}
		return UserItem{}, s.Fail(ctx, "password hashing", err)
	}
	now := s.Now().UTC()
	u := store.User{ID: ids.New("usr"), Username: in.Username, DisplayName: in.Name, PasswordHash: hash, Phone: in.Phone,
		Email: in.Email, Kind: in.Kind, CreatedAt: now, UpdatedAt: now}
	switch err := s.Directory.CreateUser(ctx, u); {
	case errors.Is(err, ErrTaken):
		return UserItem{}, &app.Error{Kind: app.KindConflict, Code: "username_taken", Field: "username", Message: "username " + in.Username + " is taken"}
	case err != nil:
		return UserItem{}, s.Fail(ctx, "the database", err)
	}
	items, err := s.items(ctx, []store.User{u})
	if err != nil {
		return UserItem{}, err
	}
	return items[0], nil
}

// GrantRole gives user id a role in a department and reloads the authorizer.
func (s *Service) GrantRole(ctx context.Context, p *authz.Principal, id string, in Grant) (UserItem, error) {
	if err := app.Check(in); err != nil {
		return UserItem{}, err
	}
	grant := store.RoleAssignment{UserID: id, Role: in.Role, Department: in.Department, GrantedBy: p.User.Username, GrantedAt: s.Now().UTC()}
	err := s.Directory.Grant(ctx, grant)
	switch {
	case errors.Is(err, ErrNoUser):
		return UserItem{}, app.NotFound("no user %s", id)
	case errors.Is(err, ErrNoDepartment):
		return UserItem{}, app.Invalid("department", "no department %q", in.Department)
	case errors.Is(err, ErrHeld):
		return UserItem{}, app.Conflict("the user already holds %s in %s", in.Role, in.Department)
	case err != nil:
		return UserItem{}, s.Fail(ctx, "the database", err)
	}
	// The grant counts at once: the live enforcer takes it and forgets its cached answers.
	if err := s.Authz.Granted(grant); err != nil {
		return UserItem{}, s.Fail(ctx, "the authorizer", err)
	}
	return s.afterGrantChange(ctx, id)
}

// RevokeRole takes a role in a department away.
func (s *Service) RevokeRole(ctx context.Context, p *authz.Principal, id, role, dept string) (UserItem, error) {
	held, err := s.Directory.Revoke(ctx, id, role, dept)
	if err != nil {
		return UserItem{}, s.Fail(ctx, "the database", err)
	}
	if !held {
		return UserItem{}, app.NotFound("user %s holds no %s role in %s", id, role, dept)
	}
	roles, err := s.Directory.Roles(ctx, []string{id})
	if err != nil {
		return UserItem{}, s.Fail(ctx, "the database", err)
	}
	elsewhere := false
	for _, r := range roles[id] {
		elsewhere = elsewhere || r.Role == role
	}
	// The revocation counts at once, like a grant.
	if err := s.Authz.Revoked(store.RoleAssignment{UserID: id, Role: role, Department: dept}, elsewhere); err != nil {
		return UserItem{}, s.Fail(ctx, "the authorizer", err)
	}
	return s.afterGrantChange(ctx, id)
}

func (s *Service) afterGrantChange(ctx context.Context, id string) (UserItem, error) {
	u, err := s.Directory.User(ctx, id)
	if err != nil {
		return UserItem{}, s.Fail(ctx, "the database", err)
	}
	items, err := s.items(ctx, []store.User{u})
	if err != nil {
		return UserItem{}, err
	}
	return items[0], nil
}

// Departments lists the member units.
func (s *Service) Departments(ctx context.Context) ([]DepartmentItem, error) {
	rows, err := s.Directory.Departments(ctx)
	if err != nil {
		return nil, s.Fail(ctx, "the database", err)
	}
	out := make([]DepartmentItem, len(rows))
	for i, d := range rows {
		out[i] = DepartmentItem{Code: d.Code, Name: d.Name}
	}
	return out, nil
}

// CreateDepartment adds a member unit (departments are data, not code).
func (s *Service) CreateDepartment(ctx context.Context, in NewDepartment) (DepartmentItem, error) {
	if err := app.Check(in); err != nil {
		return DepartmentItem{}, err
	}
	switch err := s.Directory.CreateDepartment(ctx, store.Department{Code: in.Code, Name: in.Name, CreatedAt: s.Now().UTC()}); {
	case errors.Is(err, ErrTaken):
		return DepartmentItem{}, &app.Error{Kind: app.KindConflict, Code: "department_exists", Field: "code", Message: "department " + in.Code + " exists"}
	case err != nil:
		return DepartmentItem{}, s.Fail(ctx, "the database", err)
	}
	return DepartmentItem{Code: in.Code, Name: in.Name}, nil
}

// PasswordChange is the caller's new password, with the current one.
type PasswordChange struct {
	CurrentPassword string `json:"current_password" validate:"required,max=200"`
	NewPassword     string `json:"new_password" validate:"required,max=200"`
}

// ChangePassword sets the caller's new password (the rules apply; the current one must match).
func (s *Service) ChangePassword(ctx context.Context, p *authz.Principal, in PasswordChange) (Me, error) {
	if err := app.Check(in); err != nil {
		return Me{}, err
	}
	err := s.Passwords.ChangePassword(ctx, p.User.ID, in.CurrentPassword, in.NewPassword)
	var pe *identity.PasswordError
	switch {
	case errors.Is(err, identity.ErrBadCredentials):
		return Me{}, app.Invalid("current_password", "the current password is not right")
	case errors.As(err, &pe):
		return Me{}, app.Invalid("new_password", "the new password %s", pe.Reason)
	case err != nil:
		return Me{}, s.Fail(ctx, "the user directory", err)
	}
	return s.Me(ctx, p)
}

// Unlocked says how many lockouts an administrator lifted.
type Unlocked struct {
	Username string `json:"username"`
	Lifted   int64  `json:"lifted"`
}

// Unlock lifts every login lockout of a user (an administrator).
func (s *Service) Unlock(ctx context.Context, id string) (Unlocked, error) {
	u, err := s.Directory.User(ctx, id)
	if errors.Is(err, ErrNoUser) {
		return Unlocked{}, app.NotFound("no user %s", id)
	}
	if err != nil {
		return Unlocked{}, s.Fail(ctx, "the database", err)
	}
	n, err := s.Passwords.Unlock(ctx, u.Username)
	if err != nil {
		return Unlocked{}, s.Fail(ctx, "the database", err)
	}
	return Unlocked{Username: u.Username, Lifted: n}, nil
}
