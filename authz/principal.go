package authz

import (
	"slices"

	"talentflow/internal/store"
)

// Principal is the authenticated caller: who they are and the roles they hold, per
// department. It is a domain value, built once per request from the user directory; the use
// cases never see the database rows behind it.
type Principal struct {
	User   Identity
	Grants []Grant
}

// Identity is who a principal is.
type Identity struct {
	ID, Username, DisplayName string
	Kind                      string // staff | talent | employer
	Phone                     string
	// EmployerCreditCode binds an employer's clerk to the employer (用人单位统一社会信用代码).
	EmployerCreditCode string
}

// Grant is one role held in one department.
type Grant struct {
	Role, Department string
}

// NewPrincipal is the principal of a user and their role assignments (in the order granted).
func NewPrincipal(u store.User, assignments []store.RoleAssignment) *Principal {
	p := &Principal{User: Identity{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Kind: u.Kind, Phone: u.Phone,
		EmployerCreditCode: u.EmployerCreditCode}}
	for _, a := range assignments {
		p.Grants = append(p.Grants, Grant{Role: a.Role, Department: a.Department})
	}
	return p
}

// HasRole reports whether the principal holds role in any department.
func (p *Principal) HasRole(role string) bool {
	return slices.ContainsFunc(p.Grants, func(g Grant) bool { return g.Role == role })
}

// HoldsIn reports whether the principal holds any role in department dept.
func (p *Principal) HoldsIn(dept string) bool {
	return slices.ContainsFunc(p.Grants, func(g Grant) bool { return g.Department == dept })
}

// PrimaryRole is the role to record when no object decides the acting role: the first grant.
func (p *Principal) PrimaryRole() (role, dept string) {
	if len(p.Grants) == 0 {
		return "", ""
	}
	return p.Grants[0].Role, p.Grants[0].Department
}

// Acting is the role and department a request acted in, for the audit log. A route that
// always acts in one role declares it (Route.ActsAs); a use case whose role depends on the
// object (a task's department) returns it, and the handler hands it to the audit middleware.
type Acting struct {
	Role, Department string
}

// ActingAs is the acting role of an actor of the workflows.
func ActingAs(role, dept string) Acting { return Acting{Role: role, Department: dept} }
