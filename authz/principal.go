package authz

import (
	"context"
	"slices"

	"talentflow/internal/store"
)

// Principal is the authenticated caller: the user and the roles they hold, per department.
type Principal struct {
	User   store.User
	Grants []store.RoleAssignment
}

// HasRole reports whether the principal holds role in any department.
func (p *Principal) HasRole(role string) bool {
	return slices.ContainsFunc(p.Grants, func(g store.RoleAssignment) bool { return g.Role == role })
}

// HoldsIn reports whether the principal holds any role in department dept.
func (p *Principal) HoldsIn(dept string) bool {
	return slices.ContainsFunc(p.Grants, func(g store.RoleAssignment) bool { return g.Department == dept })
}

// PrimaryRole is the role to record when no object decides the acting role: the first grant.
func (p *Principal) PrimaryRole() (role, dept string) {
	if len(p.Grants) == 0 {
		return "", ""
	}
	return p.Grants[0].Role, p.Grants[0].Department
}

type actingKey struct{}

// Acting records the role and department a request acted in, for the audit log.
type Acting struct {
	Role, Department string
}

// WithActing prepares ctx to carry the acting role and department a handler determines.
func WithActing(ctx context.Context) (context.Context, *Acting) {
	a := &Acting{}
	return context.WithValue(ctx, actingKey{}, a), a
}

// SetActing records, for the audit log, the role and department the request acts in.
func SetActing(ctx context.Context, role, dept string) {
	if a, ok := ctx.Value(actingKey{}).(*Acting); ok {
		a.Role, a.Department = role, dept
	}
}
