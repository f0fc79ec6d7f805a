// Package process is the registry of talentflow's long processes: each declares itself once —
// its workflows and activities, its routes, its states, steps and timeline events, its detail
// view, its read-model tables, what happens when one of its cases closes — and the worker, the
// API, the OpenAPI document, the console's labels and the projection iterate over the registry.
package process

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"gorm.io/gorm"

	"talentflow/api/httpx"
	"talentflow/internal/app"
	"talentflow/internal/app/cases"
	"talentflow/internal/config"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// Term is one value of a vocabulary with what people read.
type Term struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Workflow is a workflow function registered under an explicit type name: recorded histories
// and running cases refer to the name, so a renamed Go function never orphans them.
type Workflow struct {
	Name string
	Fn   any
}

// Activity is an activity function registered under the name the workflows call it by.
type Activity struct {
	Name string
	Fn   any
}

// ActivitiesOf lists the activities a process's Register map names, in a stable order.
func ActivitiesOf(byName map[string]any) []Activity {
	out := make([]Activity, 0, len(byName))
	for name, fn := range byName {
		out = append(out, Activity{Name: name, Fn: fn})
	}
	slices.SortFunc(out, func(a, b Activity) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Env is what a process builds its parts from.
type Env struct {
	DB     *store.DB
	Log    *slog.Logger
	Config *config.Config
	// App is the generic application (errors, starts, engine); Cases the case and task use
	// cases, for the API side.
	App   *app.App
	Cases *cases.Service
	// Engine reaches the workflows (on the worker too, where App is nil).
	Engine app.Workflows
	// TalentLeft tells every process that a talent left the county (人才外流), as one process
	// learned it (a subsidy's departure report); the registry fills it in.
	TalentLeft func(ctx context.Context, certificateNo, leftOn, reason string) error
}

// Definition is everything talentflow knows about one process.
type Definition struct {
	// Name is how cases and tasks name the process; Label is its Chinese name.
	Name, Label string
	// States, Steps and Events are the process's own case states, step keys and timeline
	// kinds (the engine's are added by the registry), with their labels.
	States, Steps, Events []Term
	Workflows             []Workflow
	// Activities builds the process's activities (nil: none).
	Activities func(Env) ([]Activity, error)
	// Schema is the process's own read-model tables (nil: none).
	Schema *store.Schema
	// OnClosed runs in the projection's transaction when one of its cases closes (nil: nothing).
	OnClosed func(tx *gorm.DB, caseID string) error
	// Follows runs in the projection's transaction when a case of another process closes
	// (nil: nothing): how one process takes up what another produced — a certification makes
	// the talent eligible for subsidies (免申即享).
	Follows func(tx *gorm.DB, process, caseID string) error
	// Detail is the process's part of a case page (nil: none).
	Detail func(ctx context.Context, db *gorm.DB, caseID string, unmasked bool) (any, error)
	// Routes builds the process's HTTP routes (nil: none).
	Routes func(Env) ([]httpx.Route, error)
	// Demo seeds the process's demo data for `talentflow dev` (nil: none); never in production.
	Demo func(ctx context.Context, env Env) error
	// Readable says whether a user who reads the case through no task and no county-wide role
	// may still read it: a pairing's leader and specialist (nil: nobody else).
	Readable func(ctx context.Context, db *gorm.DB, caseID, userID string) (bool, error)
	// OnTalentLeft is what the process does when a talent left the county (nil: nothing).
	OnTalentLeft func(ctx context.Context, env Env, certificateNo, leftOn, reason string) error
}

// Registry is the set of processes one binary runs.
type Registry struct {
	defs []Definition
}

// New checks the definitions and builds a registry; it also publishes the vocabulary that the
// OpenAPI document's enums read.
func New(defs ...Definition) (*Registry, error) {
	seen := map[string]bool{}
	names := map[string]string{}
	for _, d := range defs {
		if d.Name == "" || d.Label == "" {
			return nil, fmt.Errorf("a process needs a name and a label")
		}
		if seen[d.Name] {
			return nil, fmt.Errorf("process %s is registered twice", d.Name)
		}
		seen[d.Name] = true
		for _, w := range d.Workflows {
			if other, dup := names[w.Name]; dup {
				return nil, fmt.Errorf("workflow type %s is declared by %s and %s", w.Name, other, d.Name)
			}
			names[w.Name] = d.Name
		}
	}
	r := &Registry{defs: defs}
	app.SetVocabulary(app.Vocabulary{Processes: r.Names(), States: values(r.States()), Events: values(r.Events())})
	return r, nil
}

// All lists the definitions in registration order.
func (r *Registry) All() []Definition { return r.defs }

// Names lists the process names.
func (r *Registry) Names() []string {
	out := make([]string, len(r.defs))
	for i, d := range r.defs {
		out[i] = d.Name
	}
	return out
}

// Get finds a definition by name.
func (r *Registry) Get(name string) (Definition, bool) {
	i := slices.IndexFunc(r.defs, func(d Definition) bool { return d.Name == name })
	if i < 0 {
		return Definition{}, false
	}
	return r.defs[i], true
}

// Known reports whether a process is registered (app.Processes).
func (r *Registry) Known(name string) bool {
	_, ok := r.Get(name)
	return ok
}

// Detail is the process's part of a case page (app.Processes).
func (r *Registry) Detail(ctx context.Context, db *gorm.DB, process, caseID string, unmasked bool) (any, error) {
	d, ok := r.Get(process)
	if !ok || d.Detail == nil {
		return nil, nil
	}
	return d.Detail(ctx, db, caseID, unmasked)
}

// engineStates are the states every case may be in whatever its process, with labels.
var engineStates = []Term{
	{"draft", "草稿"}, {"submitted", "已提交"},
	{workflows.StateReturned, "退回补正"}, {workflows.StateRejected, "未通过"},
	{workflows.StateWithdrawn, "已撤回"}, {workflows.StateExpired, "逾期关闭"},
}

// engineEvents are the timeline kinds the engine writes, with labels.
var engineEvents = map[string]string{
	workflows.EventSubmitted: "提交", workflows.EventStepOpened: "环节开始", workflows.EventTaskOpened: "生成待办",
	workflows.EventDecision: "办理", workflows.EventClaimed: "认领", workflows.EventUrged: "催办",
	workflows.EventUnclaimed: "退回待领", workflows.EventDelegated: "转办", workflows.EventSignerAdded: "加签",
	workflows.EventWarningYellow: "黄牌预警", workflows.EventWarningRed: "红牌预警", workflows.EventEscalated: "督办上报",
	workflows.EventReturned: "退回", workflows.EventResubmitted: "重新提交", workflows.EventExpired: "逾期关闭",
	workflows.EventWithdrawn: "撤回", workflows.EventClosed: "关闭", workflows.EventCalendar: "节假日数据缺失",
	workflows.EventComment: "评论",
}

// States lists every case state: the engine's, then each process's, without repeats.
func (r *Registry) States() []Term {
	out := slices.Clone(engineStates)
	for _, d := range r.defs {
		out = appendNew(out, d.States...)
	}
	return out
}

// Events lists every timeline kind: the engine's, then each process's.
func (r *Registry) Events() []Term {
	var out []Term
	for _, k := range workflows.EngineEventKinds() {
		out = append(out, Term{k, engineEvents[k]})
	}
	for _, d := range r.defs {
		out = appendNew(out, d.Events...)
	}
	return out
}

// Steps lists every process's step keys.
func (r *Registry) Steps() []Term {
	var out []Term
	for _, d := range r.defs {
		out = appendNew(out, d.Steps...)
	}
	return out
}

// Schemas are the processes' read-model migrations, in registration order.
func (r *Registry) Schemas() []store.Schema {
	var out []store.Schema
	for _, d := range r.defs {
		if d.Schema != nil {
			out = append(out, *d.Schema)
		}
	}
	return out
}

// OnClosed is the projection's close hook: the closing case's own process's OnClosed, then
// every other process's Follows.
func (r *Registry) OnClosed() func(tx *gorm.DB, process, caseID string) error {
	return func(tx *gorm.DB, process, caseID string) error {
		for _, d := range r.defs {
			hook := d.Follows
			if d.Name == process {
				hook = func(tx *gorm.DB, _, caseID string) error { return d.OnClosed(tx, caseID) }
				if d.OnClosed == nil {
					continue
				}
			}
			if hook == nil {
				continue
			}
			if err := hook(tx, process, caseID); err != nil {
				return fmt.Errorf("%s: %w", d.Name, err)
			}
		}
		return nil
	}
}

// Workflows lists every process's workflows.
func (r *Registry) Workflows() []Workflow {
	var out []Workflow
	for _, d := range r.defs {
		out = append(out, d.Workflows...)
	}
	return out
}

// Labels maps each process name and each case state to its label.
func (r *Registry) Labels() (processes, states map[string]string) {
	processes, states = map[string]string{}, map[string]string{}
	for _, d := range r.defs {
		processes[d.Name] = d.Label
	}
	for _, t := range r.States() {
		states[t.Value] = t.Label
	}
	return processes, states
}

// Readable asks the case's process whether the user may read it (app.Processes).
func (r *Registry) Readable(ctx context.Context, db *gorm.DB, process, caseID, userID string) (bool, error) {
	d, ok := r.Get(process)
	if !ok || d.Readable == nil {
		return false, nil
	}
	return d.Readable(ctx, db, caseID, userID)
}

// talentLeft tells every process that cares that a talent left.
func (r *Registry) talentLeft(env Env) func(ctx context.Context, certificateNo, leftOn, reason string) error {
	return func(ctx context.Context, certificateNo, leftOn, reason string) error {
		for _, d := range r.defs {
			if d.OnTalentLeft == nil {
				continue
			}
			if err := d.OnTalentLeft(ctx, env, certificateNo, leftOn, reason); err != nil {
				return fmt.Errorf("%s: %w", d.Name, err)
			}
		}
		return nil
	}
}

// Activities builds every process's activities.
func (r *Registry) Activities(env Env) ([]Activity, error) {
	env.TalentLeft = r.talentLeft(env)
	var out []Activity
	for _, d := range r.defs {
		if d.Activities == nil {
			continue
		}
		acts, err := d.Activities(env)
		if err != nil {
			return nil, fmt.Errorf("process %s: %w", d.Name, err)
		}
		out = append(out, acts...)
	}
	return out, nil
}

// Routes builds every process's routes.
func (r *Registry) Routes(env Env) ([]httpx.Route, error) {
	var out []httpx.Route
	for _, d := range r.defs {
		if d.Routes == nil {
			continue
		}
		routes, err := d.Routes(env)
		if err != nil {
			return nil, fmt.Errorf("process %s: %w", d.Name, err)
		}
		out = append(out, routes...)
	}
	return out, nil
}

// Demo seeds every process's demo data, in registration order.
func (r *Registry) Demo(ctx context.Context, env Env) error {
	for _, d := range r.defs {
		if d.Demo == nil {
			continue
		}
		if err := d.Demo(ctx, env); err != nil {
			return fmt.Errorf("process %s demo: %w", d.Name, err)
		}
	}
	return nil
}

func appendNew(out []Term, terms ...Term) []Term {
	for _, t := range terms {
		if !slices.ContainsFunc(out, func(x Term) bool { return x.Value == t.Value }) {
			out = append(out, t)
		}
	}
	return out
}

func values(terms []Term) []string {
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = t.Value
	}
	return out
}
