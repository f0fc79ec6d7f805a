// Package authz decides who may do what: the casbin model and baseline policy (embedded files,
// reviewed like code), role assignments loaded from the database, the echo middleware that
// enforces domain actions per route, and object-level checks for handlers.
package authz

import (
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"talentflow/internal/domain"
	"talentflow/internal/store"
)

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// Roles (the casbin role names), as the domain names them.
const (
	RoleApplicant  = domain.RoleApplicant
	RoleClerk      = domain.RoleClerk
	RoleApprover   = domain.RoleApprover
	RoleDeptHead   = domain.RoleDeptHead
	RoleLGO        = domain.RoleLGO
	RoleLeader     = domain.RoleLeader
	RoleFinance    = domain.RoleFinance
	RoleAuditor    = domain.RoleAuditor
	RoleAdmin      = domain.RoleAdmin
	RoleEmployer   = domain.RoleEmployer
	RoleSpecialist = domain.RoleSpecialist
)

// Roles lists every role in a stable order.
func Roles() []string {
	return []string{RoleApplicant, RoleClerk, RoleApprover, RoleDeptHead, RoleLGO, RoleLeader, RoleFinance, RoleAuditor, RoleAdmin, RoleEmployer, RoleSpecialist}
}

// Action is a domain action a permission names.
type Action string

// Domain actions.
const (
	CaseApply        Action = "case:apply"
	CaseReadOwn      Action = "case:read_own"
	CaseWithdraw     Action = "case:withdraw"
	CaseRead         Action = "case:read"
	CaseObject       Action = "case:object"
	TaskRead         Action = "task:read"
	TaskClaim        Action = "task:claim"
	TaskDecide       Action = "task:decide"
	TaskDelegate     Action = "task:delegate"
	TaskRelease      Action = "task:release"
	TaskUrge         Action = "task:urge"
	TaskAddSigner    Action = "task:add_signer"
	TaskComment      Action = "task:comment"
	AttachmentUpload Action = "attachment:upload"
	AuditRead        Action = "audit:read"
	UserRead         Action = "user:read"
	UserManage       Action = "user:manage"
	DepartmentManage Action = "department:manage"
	// Subsidies (process 2).
	SubsidyApply  Action = "subsidy:apply"  // apply for a subsidy (own certificate, or the employer's talents)
	SubsidyRead   Action = "subsidy:read"   // read every subsidy, its payments and the reports
	SubsidyDepart Action = "subsidy:depart" // report a talent's departure (人才外流)
	PolicyManage  Action = "policy:manage"  // write a new version of a subsidy policy
	PaymentBatch  Action = "payment:batch"  // build, approve, download and confirm payment batches
	RecoveryRead  Action = "recovery:read"  // follow recovery items and held periods
	// Liaison (process 3).
	PairingManage  Action = "pairing:manage"     // pair a talent, reassign a pairing, end it
	PairingRead    Action = "pairing:read"       // read pairings: county-wide, or one's own (dept scope)
	ContactLog     Action = "contact:log"        // log a contact of one's own pairing (object check)
	DemandRead     Action = "demand:read"        // read every demand county-wide
	DemandRate     Action = "demand:rate"        // rate a demand: the talent, or the specialist for them (object check)
	ComplianceRead Action = "liaison:compliance" // the liaison compliance report
	// Monitoring (督办).
	DashboardRead Action = "dashboard:read" // the leading group's dashboard and the joint-meeting report
	// Operations.
	PayloadDecode Action = "temporal:decode" // decrypt workflow payloads for the Temporal Web UI (codec endpoint)
)

// Anywhere is the domain of a route-level check: may the user do this in some department?
const Anywhere = "*"

// Authorizer answers permission questions from the embedded policy and the role assignments.
type Authorizer struct {
	db     *store.DB
	policy [][]string
	// live is the enforcer with its cache of decisions; a reload swaps it whole, a grant or
	// a revocation changes it in place and empties the cache.
	live atomic.Pointer[enforcer]
	// mu orders grants and revocations against each other and against reloads.
	mu sync.Mutex
}

// enforcer is casbin's synced enforcer with a cache of the answers it gave: a route check, an
// inbox page, a task's actions ask the same questions over and over.
type enforcer struct {
	*casbin.SyncedEnforcer
	cache sync.Map // decisionKey → decision
	size  atomic.Int64
}

// maxCached bounds the cache: past it, it starts afresh (a county's active users ask far
// fewer distinct questions between two reloads).
const maxCached = 200_000

type decisionKey struct{ user, dept, act string }

type decision struct {
	role string
	ok   bool
}

func (e *enforcer) decide(user, dept, act string) decision {
	k := decisionKey{user, dept, act}
	if d, ok := e.cache.Load(k); ok {
		return d.(decision)
	}
	var d decision
	ok, rule, err := e.EnforceEx(user, dept, act)
	if err == nil && ok && len(rule) > 0 {
		d = decision{role: rule[0], ok: true}
	}
	if e.size.Add(1) > maxCached {
		e.forget()
	}
	e.cache.Store(k, d)
	return d
}

// forget empties the cache after a change of the enforcer's rules.
func (e *enforcer) forget() {
	e.cache.Clear()
	e.size.Store(0)
}

// New loads the policy and the current role assignments.
func New(ctx context.Context, db *store.DB) (*Authorizer, error) {
	policy, err := parsePolicy(policyText)
	if err != nil {
		return nil, err
	}
	a := &Authorizer{db: db, policy: policy}
	return a, a.Reload(ctx)
}

func parsePolicy(text string) ([][]string, error) {
	var rows [][]string
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := csv.NewReader(strings.NewReader(line))
		r.TrimLeadingSpace = true
		fields, err := r.Read()
		if err != nil || len(fields) != 4 || fields[0] != "p" {
			return nil, fmt.Errorf("policy.csv line %d: want \"p, role, action, scope\"", n+1)
		}
		if fields[3] != "dept" && fields[3] != "county" {
			return nil, fmt.Errorf("policy.csv line %d: scope must be dept or county", n+1)
		}
		rows = append(rows, fields[1:])
	}
	return rows, nil
}

// Reload rebuilds the enforcer from the policy and the role assignments in the database. Call
// it after changing assignments; it also runs periodically so that several API replicas agree.
func (a *Authorizer) Reload(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return fmt.Errorf("casbin model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return err
	}
	if _, err := e.AddPolicies(a.policy); err != nil {
		return err
	}
	var grants []store.RoleAssignment
	if err := a.db.WithContext(ctx).Find(&grants).Error; err != nil {
		return fmt.Errorf("load role assignments: %w", err)
	}
	g := make([][]string, 0, len(grants))
	g2 := make([][]string, 0, len(grants))
	seen := make(map[[2]string]bool, len(grants))
	for _, r := range grants {
		g = append(g, []string{r.UserID, r.Role, r.Department})
		if pair := [2]string{r.UserID, r.Role}; !seen[pair] {
			seen[pair] = true
			g2 = append(g2, pair[:])
		}
	}
	if len(g) > 0 {
		if _, err := e.AddNamedGroupingPolicies("g", g); err != nil {
			return err
		}
		if _, err := e.AddNamedGroupingPolicies("g2", g2); err != nil {
			return err
		}
	}
	a.live.Store(&enforcer{SyncedEnforcer: e})
	return nil
}

// Granted applies a role just granted to the live enforcer, so that it counts at once, without
// reloading every assignment.
func (a *Authorizer) Granted(r store.RoleAssignment) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.live.Load()
	if _, err := e.AddNamedGroupingPolicy("g", r.UserID, r.Role, r.Department); err != nil {
		return err
	}
	if _, err := e.AddNamedGroupingPolicy("g2", r.UserID, r.Role); err != nil {
		return err
	}
	e.forget()
	return nil
}

// Revoked applies a role just revoked; heldElsewhere says the user still holds the role in
// another department (so they keep it "somewhere").
func (a *Authorizer) Revoked(r store.RoleAssignment, heldElsewhere bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.live.Load()
	if _, err := e.RemoveNamedGroupingPolicy("g", r.UserID, r.Role, r.Department); err != nil {
		return err
	}
	if !heldElsewhere {
		if _, err := e.RemoveNamedGroupingPolicy("g2", r.UserID, r.Role); err != nil {
			return err
		}
	}
	e.forget()
	return nil
}

// Can reports whether the user may do act in department dept (Anywhere: in some department).
func (a *Authorizer) Can(userID, dept string, act Action) bool {
	return a.live.Load().decide(userID, dept, string(act)).ok
}

// RoleFor reports whether the user may do act in dept, and the role that allows it (the role
// the user acts in, as recorded in the audit log).
func (a *Authorizer) RoleFor(userID, dept string, act Action) (string, bool) {
	d := a.live.Load().decide(userID, dept, string(act))
	return d.role, d.ok
}

// Departments returns where the user may do act: all=true when the permission is county-wide,
// else the departments where a role of the user grants it.
func (a *Authorizer) Departments(grants []Grant, userID string, act Action) (all bool, depts []string) {
	for _, g := range grants {
		if a.hasPolicy(g.Role, act, "county") {
			return true, nil
		}
	}
	for _, g := range grants {
		if a.hasPolicy(g.Role, act, "dept") && !slices.Contains(depts, g.Department) {
			depts = append(depts, g.Department)
		}
	}
	return false, depts
}

func (a *Authorizer) hasPolicy(role string, act Action, scope string) bool {
	ok, _ := a.live.Load().HasPolicy(role, string(act), scope)
	return ok
}

// Permissions lists every action the policy names, sorted (for the route table test).
func (a *Authorizer) Permissions() []Action {
	var acts []Action
	for _, p := range a.policy {
		if !slices.Contains(acts, Action(p[1])) {
			acts = append(acts, Action(p[1]))
		}
	}
	slices.Sort(acts)
	return acts
}

// ReloadEvery reloads the role assignments every interval until ctx ends, so that several API
// replicas converge on grants made through any of them.
func (a *Authorizer) ReloadEvery(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Reload(ctx); err != nil && ctx.Err() == nil {
				log.Warn("reloading role assignments failed", "err", err)
			}
		}
	}
}
