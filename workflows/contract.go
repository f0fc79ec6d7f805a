// Package workflows holds talentflow's long processes and the human-task engine they share.
// Everything here is deterministic: it imports the Temporal SDK and pure domain types, never a
// clock, a database, the network or casbin.
package workflows

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"talentflow/internal/domain"
)

// DefaultTaskQueue is the task queue the talentflow worker polls unless configured otherwise.
const DefaultTaskQueue = "talentflow"

// Update, query and signal names of every case workflow. The API sends these; the engine
// registers their handlers. Payload types sit beside them.
const (
	UpdateDecide    = "decide"     // Decision → DecisionResult
	UpdateClaim     = "claim"      // TaskAction → TaskView
	UpdateUnclaim   = "unclaim"    // TaskAction → TaskView
	UpdateDelegate  = "delegate"   // Delegation → TaskView
	UpdateAddSigner = "add_signer" // SignerRequest → TaskView (the new task)
	UpdateUrge      = "urge"       // Urge → TaskView
	UpdateWithdraw  = "withdraw"   // CaseAction → CaseStatus
	UpdateResubmit  = "resubmit"   // CaseAction → CaseStatus
	UpdateSettled   = "settled"    // nothing → CaseStatus, once the case waits for people again
	QueryStatus     = "status"     // → CaseStatus
)

// Activity names. Workflows call activities by name so that this package never imports the
// activities' dependencies; activities register under these names.
const (
	ActivityProject        = "Project"        // local: Projection → ProjectionResult
	ActivitySchedule       = "Schedule"       // local: []ScheduleRequest → []Schedule
	ActivityMeasure        = "Measure"        // local: MeasureRequest → MeasureResult
	ActivityDeliverWebhook = "DeliverWebhook" // Delivery → nothing
	ActivityDeliverEmail   = "DeliverEmail"   // Delivery → nothing
)

// DeliveryWorkflowID is the id of the workflow that sends one notification out. Each process
// names its own case workflows ("intro:" + case id) in its package, so that every caller
// derives the same id and a second start of a case is rejected as a duplicate.
func DeliveryWorkflowID(notificationKey string) string {
	return "deliver:" + notificationKey
}

// Roles the engine routes work to, as the domain names them.
const (
	RoleApplicant = domain.RoleApplicant
	RoleClerk     = domain.RoleClerk
	RoleApprover  = domain.RoleApprover
	RoleDeptHead  = domain.RoleDeptHead
	RoleLGO       = domain.RoleLGO
	RoleLeader    = domain.RoleLeader
)

// Actor is who acts, as the API authenticated and authorised them.
type Actor struct {
	UserID     string `json:"user_id"`
	Username   string `json:"username"`
	Name       string `json:"name"`
	Role       string `json:"role"`
	Department string `json:"department"`
}

// System is the actor of decisions the process takes by itself (deadlines, escalations).
var System = Actor{UserID: "system", Username: "system", Name: "系统", Role: "system"}

// Task states.
const (
	TaskOpen      = "open"
	TaskPaused    = "paused"    // the case is back with the applicant or an earlier step
	TaskDone      = "done"      // decided
	TaskCancelled = "cancelled" // the step ended without this task's decision
)

// Warning levels (红黄牌预警).
const (
	WarningNone   = ""
	WarningYellow = "yellow"
	WarningRed    = "red"
)

// DepartmentLGO is the leading-group office (人才工作领导小组办公室), where escalations end.
const DepartmentLGO = "lgo"

// ReturnToApplicant is the return target that sends a case back to its applicant for correction.
const ReturnToApplicant = "applicant"

// Decision is a person's decision on one task, sent as the UpdateDecide payload.
type Decision struct {
	TaskID  string         `json:"task_id"`
	Outcome domain.Outcome `json:"outcome"`
	Comment string         `json:"comment"`
	// ReturnTo is, for a return, ReturnToApplicant (the default) or the key of an earlier step.
	ReturnTo string `json:"return_to,omitempty"`
	// Category is the new, lower category of a downgrade.
	Category    domain.Category `json:"category,omitempty"`
	Attachments []string        `json:"attachments,omitempty"` // sha256 references
	// Leader and Specialist name (by username) the county leader and service specialist a
	// pairing request's decision pairs the talent with; the API has checked their roles.
	Leader     string `json:"leader,omitempty"`
	Specialist string `json:"specialist,omitempty"`
	// Department is where a forward sends a demand; the API has checked it exists.
	Department string `json:"department,omitempty"`
	Actor      Actor  `json:"actor"`
}

// DecisionResult answers an accepted decision once the case has settled.
type DecisionResult struct {
	Task TaskView   `json:"task"`
	Case CaseStatus `json:"case"`
}

// TaskAction is claim or unclaim of one task.
type TaskAction struct {
	TaskID string `json:"task_id"`
	Actor  Actor  `json:"actor"`
}

// Delegation hands an open task to another user of its department (转办).
type Delegation struct {
	TaskID string `json:"task_id"`
	To     string `json:"to"` // username; the API checks the user holds the task's role in its department
	Reason string `json:"reason"`
	Actor  Actor  `json:"actor"`
}

// Urge reminds whoever works an open task (催办).
type Urge struct {
	TaskID  string `json:"task_id"`
	Comment string `json:"comment"`
	Actor   Actor  `json:"actor"`
}

// SignerRequest adds a signer to the open countersign or vote step of TaskID (加签).
type SignerRequest struct {
	TaskID     string `json:"task_id"`
	Department string `json:"department"`
	User       string `json:"user,omitempty"`
	Reason     string `json:"reason"`
	Actor      Actor  `json:"actor"`
}

// CaseAction is withdraw, resubmit or objection on a whole case.
type CaseAction struct {
	Reason string `json:"reason"`
	Actor  Actor  `json:"actor"`
}

// CaseStatus is the live state of a case, answered by QueryStatus and by updates.
type CaseStatus struct {
	CaseID      string     `json:"case_id"`
	State       string     `json:"state"`
	CurrentStep string     `json:"current_step"`
	StepName    string     `json:"step_name"`
	OpenTasks   []TaskView `json:"open_tasks"`
	Closed      bool       `json:"closed"`
}

// CaseView is the read-model row of a case, as projected by the engine.
type CaseView struct {
	ID          string          `json:"id"`
	Process     string          `json:"process"`
	State       string          `json:"state"`
	CurrentStep string          `json:"current_step"`
	StepName    string          `json:"step_name"`
	Title       string          `json:"title"`
	ApplicantID string          `json:"applicant_id"`
	Category    domain.Category `json:"category,omitempty"`
	// CertificateNo is the talent certificate the case issued (an introduction) or concerns.
	CertificateNo      string     `json:"certificate_no,omitempty"`
	CorrectionDeadline *time.Time `json:"correction_deadline,omitempty"`
	// PhaseEndsAt is when the current timed phase without tasks ends: a public notice, a
	// payment period, the next contact due.
	PhaseEndsAt *time.Time `json:"phase_ends_at,omitempty"`
	Warning     string     `json:"warning"`
	WorkflowID  string     `json:"workflow_id"`
	Closed      bool       `json:"closed"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	Rev         int64      `json:"rev"`
}

// TaskView is the read-model row of a task, as projected by the engine.
type TaskView struct {
	ID         string         `json:"id"`
	CaseID     string         `json:"case_id"`
	Process    string         `json:"process"`
	Step       string         `json:"step"`
	StepName   string         `json:"step_name"`
	Attempt    int            `json:"attempt"`
	Mode       Mode           `json:"mode"`
	Department string         `json:"department"`
	Role       string         `json:"role"`
	Assignee   string         `json:"assignee"`
	State      string         `json:"state"`
	Outcome    domain.Outcome `json:"outcome,omitempty"`
	Comment    string         `json:"comment,omitempty"`
	DecidedBy  string         `json:"decided_by,omitempty"`
	DecidedAt  *time.Time     `json:"decided_at,omitempty"`
	OpenedAt   time.Time      `json:"opened_at"`
	Deadline   *time.Time     `json:"deadline,omitempty"`
	YellowAt   *time.Time     `json:"yellow_at,omitempty"`
	Warning    string         `json:"warning"`
	Escalation int            `json:"escalation"`
	UrgeCount  int            `json:"urge_count,omitempty"`
	// Outcomes the step offers, and where a return may send the case.
	Outcomes      []domain.Outcome `json:"outcomes,omitempty"`
	ReturnTargets []string         `json:"return_targets,omitempty"`
	Rev           int64            `json:"rev"`
}

// Event is one timeline entry of a case.
type Event struct {
	ID         string         `json:"id"`
	CaseID     string         `json:"case_id"`
	TaskID     string         `json:"task_id,omitempty"`
	At         time.Time      `json:"at"`
	Kind       string         `json:"kind"`
	Step       string         `json:"step,omitempty"`
	Actor      string         `json:"actor,omitempty"`
	Role       string         `json:"role,omitempty"`
	Department string         `json:"department,omitempty"`
	Outcome    domain.Outcome `json:"outcome,omitempty"`
	Comment    string         `json:"comment,omitempty"`
	Detail     string         `json:"detail,omitempty"`
}

// Timeline event kinds.
const (
	EventSubmitted     = "submitted"
	EventStepOpened    = "step_opened"
	EventTaskOpened    = "task_opened"
	EventDecision      = "decision"
	EventClaimed       = "claimed"
	EventUrged         = "urged"
	EventUnclaimed     = "unclaimed"
	EventDelegated     = "delegated"
	EventSignerAdded   = "signer_added"
	EventWarningYellow = "warning_yellow"
	EventWarningRed    = "warning_red"
	EventEscalated     = "escalated"
	EventReturned      = "returned"
	EventResubmitted   = "resubmitted"
	EventExpired       = "expired"
	EventWithdrawn     = "withdrawn"
	EventClosed        = "closed"
	EventCalendar      = "calendar_fallback"
	EventComment       = "comment" // a person's remark on a task, written by the API
)

// EngineEventKinds are the timeline kinds the engine itself writes; processes add their own.
func EngineEventKinds() []string {
	return []string{EventSubmitted, EventStepOpened, EventTaskOpened, EventDecision, EventClaimed, EventUrged,
		EventUnclaimed, EventDelegated, EventSignerAdded, EventWarningYellow, EventWarningRed, EventEscalated,
		EventReturned, EventResubmitted, EventExpired, EventWithdrawn, EventClosed, EventCalendar, EventComment}
}

// AuditEntry is one decision the workflow records in the audit log; DedupeKey makes the write
// idempotent across activity retries.
type AuditEntry struct {
	DedupeKey  string    `json:"dedupe_key"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Role       string    `json:"role"`
	Department string    `json:"department"`
	Action     string    `json:"action"`
	Object     string    `json:"object"`
	Outcome    string    `json:"outcome"`
	Reason     string    `json:"reason"`
}

// Recipient names who receives a notification: one user, or every holder of Role in Department.
type Recipient struct {
	Username   string `json:"username,omitempty"`
	Department string `json:"department,omitempty"`
	Role       string `json:"role,omitempty"`
}

// Notification kinds.
const (
	NotifyReminder   = "reminder"
	NotifyEscalation = "escalation"
	NotifyUrge       = "urge"
	NotifyCC         = "cc"
	NotifyAssigned   = "assigned"
	NotifyInfo       = "info"
)

// NotificationRequest asks the projection to put a notification in recipients' inboxes.
type NotificationRequest struct {
	Key    string      `json:"key"` // unique per notification; each recipient's copy derives from it
	Kind   string      `json:"kind"`
	To     []Recipient `json:"to"`
	CaseID string      `json:"case_id"`
	TaskID string      `json:"task_id,omitempty"`
	Title  string      `json:"title"`
	Body   string      `json:"body"`
}

// Projection is one atomic write of the read model: the case row, changed task rows, new
// timeline events, audit entries and notifications. Rows carry revisions, so replays and
// out-of-order retries never move a row backwards.
type Projection struct {
	Case          *CaseView             `json:"case,omitempty"`
	Tasks         []TaskView            `json:"tasks,omitempty"`
	Events        []Event               `json:"events,omitempty"`
	Audit         []AuditEntry          `json:"audit,omitempty"`
	Notifications []NotificationRequest `json:"notifications,omitempty"`
	// Attachments are files a decision cited, joining the case in the same write as the
	// decided task: a decision and its files are recorded together or not at all.
	Attachments []AttachmentLink `json:"attachments,omitempty"`
}

// AttachmentLink attaches an uploaded file (by sha256) to a case and the task that cites it.
type AttachmentLink struct {
	CaseID  string    `json:"case_id"`
	TaskID  string    `json:"task_id"`
	SHA256  string    `json:"sha256"`
	AddedBy string    `json:"added_by"` // user id
	At      time.Time `json:"at"`
}

// ProjectionResult lists notifications that also go out by webhook or e-mail.
type ProjectionResult struct {
	Deliveries []Delivery `json:"deliveries,omitempty"`
}

// Outbound channels of notifications.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// Delivery is one notification to send beyond the in-app inbox, on each of Channels.
type Delivery struct {
	Key      string              `json:"key"`
	Notice   NotificationRequest `json:"notice"`
	Users    []string            `json:"users"`
	Channels []string            `json:"channels"`
}

// ScheduleRequest asks for the alarms of a task's time limit, counted in working days on the
// holiday calendar from Start. ConsumedDays of the limit were already used (before a pause).
type ScheduleRequest struct {
	Start        time.Time `json:"start"`
	LimitDays    float64   `json:"limit_days"`
	ConsumedDays float64   `json:"consumed_days"`
	YellowShare  float64   `json:"yellow_share"`   // 0: the configured default
	LGODelayDays float64   `json:"lgo_delay_days"` // <0: no leading-group escalation; 0: default
}

// Schedule is when a task turns yellow, turns red (its deadline), and escalates to the
// leading-group office. Times are already scaled by TALENTFLOW_TIME_SCALE.
type Schedule struct {
	YellowAt time.Time `json:"yellow_at"`
	Deadline time.Time `json:"deadline"`
	LGOAt    time.Time `json:"lgo_at"`
	// Fallback says the calendar lacked a year and Monday–Friday was counted instead.
	Fallback string `json:"fallback,omitempty"`
}

// MeasureRequest asks how much working time each interval holds.
type MeasureRequest struct {
	Intervals []Interval `json:"intervals"`
}

// Interval is a span of process time.
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// MeasureResult holds the working days of each requested interval, in order.
type MeasureResult struct {
	WorkingDays []float64 `json:"working_days"`
}

// Search attributes every case workflow keeps up to date, so an operator can find cases in the
// Temporal Web UI (the API's lists come from the read model, never from these).
var (
	SearchProcess  = temporal.NewSearchAttributeKeyKeyword("TalentflowProcess")
	SearchState    = temporal.NewSearchAttributeKeyKeyword("TalentflowState")
	SearchStep     = temporal.NewSearchAttributeKeyKeyword("TalentflowStep")
	SearchCategory = temporal.NewSearchAttributeKeyKeyword("TalentflowCategory")
)

// SearchAttributes are the custom search attributes to register with the namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	out := map[string]enumspb.IndexedValueType{}
	for _, k := range []temporal.SearchAttributeKeyKeyword{SearchProcess, SearchState, SearchStep, SearchCategory} {
		out[k.GetName()] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	return out
}
