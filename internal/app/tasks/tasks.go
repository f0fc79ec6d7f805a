// Package tasks is the human tasks of every process as people work them: inboxes (mine,
// department, claimable, done, copies) with filters and cursors, the task document with the
// caller's actions, and claim, release, decide, delegate, add a signer, urge and comment.
package tasks

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/domain"
	"talentflow/internal/ids"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// Service holds the task use cases.
type Service struct {
	*app.App
	Store Store
	// guards are the processes' checks before a decision reaches the workflow, by process.
	guards map[string]Guard
}

// Guard is a process's own step before a decision is sent to the case's workflow: the subsidy
// process reserves the budget when finance approves, so that an exhausted budget is refused
// to the officer at once. It may return undo, run when the workflow does not take the decision.
type Guard func(ctx context.Context, t store.Task, d workflows.Decision) (undo func(context.Context), err error)

// SetGuard installs the guard of a process's decisions.
func (s *Service) SetGuard(process string, g Guard) {
	if s.guards == nil {
		s.guards = map[string]Guard{}
	}
	s.guards[process] = g
}

// New is the task use cases on the application's database.
func New(a *app.App) *Service { return &Service{App: a, Store: DBStore{DB: a.DB}} }

// TaskItem is a task as inboxes and case pages show it.
type TaskItem struct {
	ID         string          `json:"id"`
	CaseID     string          `json:"case_id"`
	CaseTitle  string          `json:"case_title"`
	CaseState  app.CaseState   `json:"case_state"`
	Process    app.ProcessName `json:"process"`
	Step       string          `json:"step"`
	StepName   string          `json:"step_name"`
	Mode       string          `json:"mode" enum:"single,sequential,countersign,any_of,vote"`
	Attempt    int             `json:"attempt"`
	Department string          `json:"department"`
	Role       string          `json:"role"`
	Assignee   string          `json:"assignee"`
	State      string          `json:"state" enum:"open,paused,done,cancelled"`
	Outcome    domain.Outcome  `json:"outcome,omitempty"`
	Comment    string          `json:"comment,omitempty"`
	DecidedBy  string          `json:"decided_by,omitempty"`
	DecidedAt  *time.Time      `json:"decided_at,omitempty"`
	OpenedAt   time.Time       `json:"opened_at"`
	Deadline   *time.Time      `json:"deadline"`
	// WorkingDaysLeft is, for an open task, the working days until its deadline on the holiday
	// calendar (negative: overdue by as many).
	WorkingDaysLeft *float64 `json:"working_days_left,omitempty"`
	Warning         string   `json:"warning" enum:",yellow,red"`
	Escalation      int      `json:"escalation"`
	UrgeCount       int      `json:"urge_count"`
	// Outcomes the step offers and where a return may go (the workflow accepts nothing else).
	Outcomes      []domain.Outcome `json:"outcomes"`
	ReturnTargets []string         `json:"return_targets"`
	// Actions the caller may take on the task now.
	Actions []TaskActionName `json:"actions"`
}

// TaskActionName is something a caller may do to a task.
type TaskActionName string

// EnumValues lists the task actions (for the OpenAPI enum).
func (TaskActionName) EnumValues() []string {
	return []string{"claim", "release", "decide", "delegate", "urge", "add_signer", "comment"}
}

// Item is the task document of a task row and its case row.
func Item(t store.Task, c store.Case) TaskItem {
	item := TaskItem{ID: t.ID, CaseID: t.CaseID, CaseTitle: c.Title, CaseState: app.CaseState(c.State), Process: app.ProcessName(t.Process), Step: t.Step, StepName: t.StepName,
		Mode: t.Mode, Attempt: t.Attempt, Department: t.Department, Role: t.Role, Assignee: t.Assignee, State: t.State,
		Outcome: domain.Outcome(t.Outcome), Comment: t.Comment, DecidedBy: t.DecidedBy, DecidedAt: t.DecidedAt,
		OpenedAt: t.OpenedAt, Deadline: t.Deadline, Warning: t.Warning, Escalation: t.Escalation, UrgeCount: t.UrgeCount,
		Outcomes: []domain.Outcome{}, ReturnTargets: []string{}, Actions: []TaskActionName{}}
	for _, o := range splitList(t.Outcomes) {
		item.Outcomes = append(item.Outcomes, domain.Outcome(o))
	}
	item.ReturnTargets = append(item.ReturnTargets, splitList(t.ReturnTargets)...)
	return item
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// withActions fills in what p may do to the task now, by the policy and the task's state.
// WithActions fills in what p may do to the task now.
func (s *Service) WithActions(p *authz.Principal, item TaskItem) TaskItem {
	return s.ActionsOf(p)(item)
}

// ActionsOf returns WithActions for p, remembering the policy's answers per department so that
// a page of tasks asks casbin once per department and action.
func (s *Service) ActionsOf(p *authz.Principal) func(TaskItem) TaskItem {
	type key struct {
		dept string
		act  authz.Action
	}
	answers := map[key]bool{}
	now := s.Time()
	return func(item TaskItem) TaskItem {
		if item.State != workflows.TaskOpen {
			return item
		}
		if s.WorkingDaysLeft != nil && item.Deadline != nil {
			left := s.WorkingDaysLeft(now, *item.Deadline)
			item.WorkingDaysLeft = &left
		}
		can := func(act authz.Action) bool {
			k := key{item.Department, act}
			ok, seen := answers[k]
			if !seen {
				ok = s.Authz.Can(p.User.ID, item.Department, act)
				answers[k] = ok
			}
			return ok
		}
		mine, free := item.Assignee == p.User.Username, item.Assignee == ""
		add := func(ok bool, name TaskActionName) {
			if ok {
				item.Actions = append(item.Actions, name)
			}
		}
		add(free && can(authz.TaskClaim), "claim")
		add(!free && (mine && can(authz.TaskClaim) || !mine && can(authz.TaskRelease)), "release")
		add((free || mine) && can(authz.TaskDecide), "decide")
		add(can(authz.TaskDelegate) && (free || mine || can(authz.TaskRelease)), "delegate")
		add(can(authz.TaskUrge), "urge")
		add((item.Mode == string(workflows.ModeCountersign) || item.Mode == string(workflows.ModeVote)) && can(authz.TaskAddSigner), "add_signer")
		add(can(authz.TaskComment), "comment")
		return item
	}
}

// TaskScope selects an inbox.
type TaskScope string

// Inboxes.
const (
	ScopeMine       TaskScope = "mine"       // open tasks assigned to me
	ScopeDepartment TaskScope = "department" // my departments' tasks
	ScopeClaimable  TaskScope = "claimable"  // open, unclaimed tasks I may claim
	ScopeDone       TaskScope = "done"       // tasks I decided
	ScopeCC         TaskScope = "cc"         // tasks copied to me (抄送)
)

// EnumValues lists the scopes (for the OpenAPI enum).
func (TaskScope) EnumValues() []string {
	return []string{string(ScopeMine), string(ScopeDepartment), string(ScopeClaimable), string(ScopeDone), string(ScopeCC)}
}

// TaskFilter narrows an inbox.
type TaskFilter struct {
	Scope      TaskScope       `query:"scope" validate:"omitempty,oneof=mine department claimable done cc"`
	Process    app.ProcessName `query:"process"`
	State      string          `query:"state" validate:"omitempty,oneof=open paused done cancelled"`
	Warning    string          `query:"warning" validate:"omitempty,oneof=none yellow red"`
	Department string          `query:"department" validate:"max=40"`
	From       string          `query:"from" validate:"omitempty,datetime=2006-01-02"`
	To         string          `query:"to" validate:"omitempty,datetime=2006-01-02"`
	Cursor     string          `query:"cursor"`
	Limit      int             `query:"limit" validate:"omitempty,min=1,max=200"`
}

// Tasks lists an inbox. An approver only ever sees tasks of departments where they hold a role.
func (s *Service) Tasks(ctx context.Context, p *authz.Principal, f TaskFilter) (app.Page[TaskItem], error) {
	if err := app.Check(f); err != nil {
		return app.Page[TaskItem]{}, err
	}
	if err := s.KnownProcess(f.Process); err != nil {
		return app.Page[TaskItem]{}, err
	}
	if f.Scope == "" {
		f.Scope = ScopeMine
	}
	q := InboxQuery{TaskFilter: f, UserID: p.User.ID, Username: p.User.Username, SortBy: "opened_at"}
	q.AllDepartments, q.Departments = s.Authz.Departments(p.Grants, p.User.ID, authz.TaskRead)
	if f.Department != "" {
		if !q.AllDepartments && !slices.Contains(q.Departments, f.Department) {
			return app.Page[TaskItem]{}, app.Forbidden("you hold no role in department %s", f.Department)
		}
		q.AllDepartments, q.Departments = false, []string{f.Department}
	}
	switch f.Scope {
	case ScopeClaimable:
		q.AllDepartments, q.Departments = s.Authz.Departments(p.Grants, p.User.ID, authz.TaskClaim)
	case ScopeDone:
		q.SortBy, q.Desc = "decided_at", true
	case ScopeCC:
		q.SortBy, q.Desc = "updated_at", true
	}
	rows, limit, err := s.Store.Inbox(ctx, q)
	if err != nil {
		var appErr *app.Error
		if errors.As(err, &appErr) {
			return app.Page[TaskItem]{}, appErr // a bad cursor
		}
		return app.Page[TaskItem]{}, s.Unavailable(ctx, "the database", err)
	}
	sortBy := q.SortBy
	cases, err := s.Store.CasesOf(ctx, caseIDs(rows))
	if err != nil {
		return app.Page[TaskItem]{}, s.Unavailable(ctx, "the database", err)
	}
	sortKey := func(t store.Task) (time.Time, string) {
		switch sortBy {
		case "decided_at":
			return *t.DecidedAt, t.ID
		case "updated_at":
			return t.UpdatedAt, t.ID
		}
		return t.OpenedAt, t.ID
	}
	withActions := s.ActionsOf(p)
	return app.PageOf(rows, limit, sortKey, func(t store.Task) TaskItem {
		return withActions(Item(t, cases[t.CaseID]))
	}), nil
}

func caseIDs(tasks []store.Task) []string {
	ids := make([]string, 0, len(tasks))
	for _, t := range tasks {
		ids = append(ids, t.CaseID)
	}
	return ids
}

// task loads a task and checks that p may do act in its department; it returns how p acts.
func (s *Service) task(ctx context.Context, p *authz.Principal, id string, act authz.Action) (store.Task, store.Case, workflows.Actor, error) {
	var c store.Case
	t, err := s.Store.Task(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return t, c, workflows.Actor{}, app.NotFound("no task %s", id)
	}
	if err != nil {
		return t, c, workflows.Actor{}, s.Unavailable(ctx, "the database", err)
	}
	who, err := s.ActingAs(ctx, p, t.Department, act)
	if err != nil {
		return t, c, who, app.Forbidden("task %s belongs to department %s, where you may not %s", id, t.Department, act)
	}
	if c, err = s.Store.Case(ctx, t.CaseID); err != nil {
		return t, c, who, s.Unavailable(ctx, "the database", err)
	}
	return t, c, who, nil
}

// DecisionInput is a decision on a task.
type DecisionInput struct {
	Outcome     domain.Outcome  `json:"outcome" validate:"required,outcome"`
	Comment     string          `json:"comment" validate:"max=2000"`
	ReturnTo    string          `json:"return_to,omitempty" validate:"max=40"`
	Category    domain.Category `json:"category,omitempty" validate:"omitempty,category"`
	Attachments []string        `json:"attachments,omitempty" validate:"max=20,dive,sha256"`
	// Leader and Specialist (usernames): whom a pairing request's approval pairs the talent with.
	Leader     string `json:"leader,omitempty" validate:"max=64"`
	Specialist string `json:"specialist,omitempty" validate:"max=64"`
	// Department is where a forward sends a demand.
	Department string `json:"department,omitempty" validate:"max=40"`
}

// Decide takes a decision on a task. It answers, with the decided task, once the workflow has
// accepted it and the case has moved on; a task no longer open, or decided by someone else
// first, is a conflict. The files the decision cites travel in it and join the case in the
// same read-model write as the decided task.
func (s *Service) Decide(ctx context.Context, p *authz.Principal, id string, in DecisionInput) (TaskItem, authz.Acting, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	if err := app.Check(in); err != nil {
		return TaskItem{}, authz.Acting{}, err
	}
	t, c, who, err := s.task(ctx, p, id, authz.TaskDecide)
	if err != nil {
		return TaskItem{}, authz.Acting{}, err
	}
	if t.State != workflows.TaskOpen {
		return TaskItem{}, app.Acting(who), app.Conflict("task %s is no longer open: it is %s", id, t.State)
	}
	if err := s.Files.Citable(ctx, p.User.ID, c.ID, in.Attachments); err != nil {
		return TaskItem{}, app.Acting(who), err
	}
	d := workflows.Decision{TaskID: t.ID, Outcome: in.Outcome, Comment: in.Comment, ReturnTo: in.ReturnTo,
		Category: in.Category, Attachments: in.Attachments, Leader: strings.TrimSpace(in.Leader), Specialist: strings.TrimSpace(in.Specialist),
		Department: strings.TrimSpace(in.Department), Actor: who}
	var undo func(context.Context)
	if guard := s.guards[t.Process]; guard != nil {
		if undo, err = guard(ctx, t, d); err != nil {
			return TaskItem{}, app.Acting(who), err
		}
	}
	item, err := s.updateTask(ctx, p, c, t.ID, workflows.UpdateDecide, d)
	if err != nil && undo != nil {
		undo(context.WithoutCancel(ctx))
	}
	return item, app.Acting(who), err
}

// updateTask sends a task update to the case's workflow and answers the task document as the
// read model now has it (the workflow answers once it has written it).
func (s *Service) updateTask(ctx context.Context, p *authz.Principal, c store.Case, taskID, update string, arg any) (TaskItem, error) {
	if err := s.Engine.Update(ctx, c.WorkflowID, update, arg, nil); err != nil {
		return TaskItem{}, s.EngineError(ctx, err)
	}
	return s.taskDocument(ctx, p, taskID)
}

// taskDocument is the answer of every task endpoint: the task as inboxes show it, with the
// caller's actions on it now.
func (s *Service) taskDocument(ctx context.Context, p *authz.Principal, id string) (TaskItem, error) {
	t, err := s.Store.Task(ctx, id)
	if err != nil {
		return TaskItem{}, s.Unavailable(ctx, "the database", err)
	}
	cases, err := s.Store.CasesOf(ctx, []string{t.CaseID})
	if err != nil {
		return TaskItem{}, s.Unavailable(ctx, "the database", err)
	}
	return s.WithActions(p, Item(t, cases[t.CaseID])), nil
}

// ClaimTask takes an open task into the caller's own inbox.
func (s *Service) ClaimTask(ctx context.Context, p *authz.Principal, id string) (TaskItem, authz.Acting, error) {
	t, c, who, err := s.task(ctx, p, id, authz.TaskClaim)
	if err != nil {
		return TaskItem{}, authz.Acting{}, err
	}
	item, err := s.updateTask(ctx, p, c, t.ID, workflows.UpdateClaim, workflows.TaskAction{TaskID: t.ID, Actor: who})
	return item, app.Acting(who), err
}

// UnclaimTask puts a claimed task back into the department's inbox: the claimer may, and so may
// whoever may release tasks there (a department head, the leading-group office).
func (s *Service) UnclaimTask(ctx context.Context, p *authz.Principal, id string) (TaskItem, authz.Acting, error) {
	act := authz.TaskRelease
	if t, err := s.Store.Task(ctx, id); err == nil && t.Assignee == p.User.Username {
		act = authz.TaskClaim
	}
	t, c, who, err := s.task(ctx, p, id, act)
	if err != nil {
		return TaskItem{}, authz.Acting{}, err
	}
	if t.Assignee == "" {
		return TaskItem{}, app.Acting(who), app.Conflict("task %s is not claimed", id)
	}
	item, err := s.updateTask(ctx, p, c, t.ID, workflows.UpdateUnclaim, workflows.TaskAction{TaskID: t.ID, Actor: who})
	return item, app.Acting(who), err
}

// DelegationInput hands a task to a colleague.
type DelegationInput struct {
	To     string `json:"to" validate:"required,max=64"`
	Reason string `json:"reason" validate:"max=500"`
}

// DelegateTask hands an open task to another user who holds the task's role in its department
// (转办).
func (s *Service) DelegateTask(ctx context.Context, p *authz.Principal, id string, in DelegationInput) (TaskItem, authz.Acting, error) {
	if err := app.Check(in); err != nil {
		return TaskItem{}, authz.Acting{}, err
	}
	t, c, who, err := s.task(ctx, p, id, authz.TaskDelegate)
	if err != nil {
		return TaskItem{}, authz.Acting{}, err
	}
	target, err := s.Store.ActiveUser(ctx, in.To)
	if err != nil {
		return TaskItem{}, app.Acting(who), app.Invalid("to", "no active user %q", in.To)
	}
	if !s.Authz.Can(target.ID, t.Department, authz.TaskDecide) || !s.holdsRole(ctx, target.ID, t.Department) {
		return TaskItem{}, app.Acting(who), app.Invalid("to", "%s cannot decide tasks of department %s", in.To, t.Department)
	}
	item, err := s.updateTask(ctx, p, c, t.ID, workflows.UpdateDelegate,
		workflows.Delegation{TaskID: t.ID, To: target.Username, Reason: in.Reason, Actor: who})
	return item, app.Acting(who), err
}

func (s *Service) holdsRole(ctx context.Context, userID, dept string) bool {
	held, err := s.Store.HoldsRole(ctx, userID, dept)
	return err == nil && held
}

// SignerInput adds a department to a countersign (加签).
type SignerInput struct {
	Department string `json:"department" validate:"required,max=40"`
	User       string `json:"user,omitempty" validate:"max=64"`
	Reason     string `json:"reason" validate:"max=500"`
}

// AddSigner adds a department (or one of its users) to the open countersign or vote step of
// the task; it answers the new signer's task.
func (s *Service) AddSigner(ctx context.Context, p *authz.Principal, id string, in SignerInput) (TaskItem, authz.Acting, error) {
	if err := app.Check(in); err != nil {
		return TaskItem{}, authz.Acting{}, err
	}
	t, c, who, err := s.task(ctx, p, id, authz.TaskAddSigner)
	if err != nil {
		return TaskItem{}, authz.Acting{}, err
	}
	if ok, err := s.Store.DepartmentExists(ctx, in.Department); err != nil || !ok {
		return TaskItem{}, app.Acting(who), app.Invalid("department", "no department %q", in.Department)
	}
	if in.User != "" {
		u, err := s.Store.ActiveUser(ctx, in.User)
		if err != nil || !s.holdsRole(ctx, u.ID, in.Department) {
			return TaskItem{}, app.Acting(who), app.Invalid("user", "%q holds no role in department %s", in.User, in.Department)
		}
	}
	var added workflows.TaskView
	if err := s.Engine.Update(ctx, c.WorkflowID, workflows.UpdateAddSigner,
		workflows.SignerRequest{TaskID: t.ID, Department: in.Department, User: in.User, Reason: in.Reason, Actor: who}, &added); err != nil {
		return TaskItem{}, app.Acting(who), s.EngineError(ctx, err)
	}
	item, err := s.taskDocument(ctx, p, added.ID)
	return item, app.Acting(who), err
}

// UrgeInput is a 催办 message.
type UrgeInput struct {
	Comment string `json:"comment" validate:"max=500"`
}

// UrgeTask reminds whoever works an open task (催办): the leading-group office anywhere, a
// department head in their department. The case records it, audits it and notifies like any
// reminder (webhook and e-mail included).
func (s *Service) UrgeTask(ctx context.Context, p *authz.Principal, id string, in UrgeInput) (TaskItem, authz.Acting, error) {
	if err := app.Check(in); err != nil {
		return TaskItem{}, authz.Acting{}, err
	}
	t, c, who, err := s.task(ctx, p, id, authz.TaskUrge)
	if err != nil {
		return TaskItem{}, authz.Acting{}, err
	}
	if t.State != workflows.TaskOpen {
		return TaskItem{}, app.Acting(who), app.Conflict("task %s is %s; only open tasks can be urged", id, t.State)
	}
	item, err := s.updateTask(ctx, p, c, t.ID, workflows.UpdateUrge, workflows.Urge{TaskID: t.ID, Comment: in.Comment, Actor: who})
	return item, app.Acting(who), err
}

// CommentInput is a remark on a task.
type CommentInput struct {
	Body string `json:"body" validate:"required,max=2000"`
}

// CommentItem is a comment as shown.
type CommentItem struct {
	ID        string    `json:"id"`
	TaskID    string    `json:"task_id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// CommentOnTask adds a comment to a task (not a decision).
func (s *Service) CommentOnTask(ctx context.Context, p *authz.Principal, id string, in CommentInput) (CommentItem, authz.Acting, error) {
	in.Body = strings.TrimSpace(in.Body)
	if err := app.Check(in); err != nil {
		return CommentItem{}, authz.Acting{}, err
	}
	t, _, who, err := s.task(ctx, p, id, authz.TaskComment)
	if err != nil {
		return CommentItem{}, authz.Acting{}, err
	}
	c := store.Comment{ID: ids.New("cmt"), CaseID: t.CaseID, TaskID: t.ID, AuthorID: p.User.ID, Body: in.Body, CreatedAt: s.Time()}
	if err := s.Store.AddComment(ctx, c); err != nil {
		return CommentItem{}, app.Acting(who), s.Unavailable(ctx, "the database", err)
	}
	return CommentItem{ID: c.ID, TaskID: t.ID, Author: p.User.Username, Body: c.Body, CreatedAt: c.CreatedAt}, app.Acting(who), nil
}

// TaskComments lists a task's comments, oldest first.
func (s *Service) TaskComments(ctx context.Context, p *authz.Principal, id string) ([]CommentItem, error) {
	t, _, _, err := s.task(ctx, p, id, authz.TaskRead)
	if err != nil {
		return nil, err
	}
	return s.Comments(ctx, "task_id", t.ID)
}

// comments lists the comments whose column (case_id or task_id) is id, oldest first.
// Comments lists the comments of a case (column "case_id") or a task ("task_id"), oldest first.
func (s *Service) Comments(ctx context.Context, column, id string) ([]CommentItem, error) {
	out, err := s.Store.Comments(ctx, column, id)
	if err != nil {
		return nil, s.Unavailable(ctx, "the database", err)
	}
	return out, nil
}
