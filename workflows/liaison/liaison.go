// Package liaison is process 3, liaison-leader follow-up (领导干部联系服务专家): a county leader
// and a service specialist paired with a certified talent for years. A pairing's workflow
// reminds the leader before each contact falls due, escalates an overdue contact to the
// leading-group office and reminds weekly until a contact is logged, and continues as new each
// cycle. Each demand (诉求) raised at a contact is a child workflow of its own (process
// "demand"): the responsible department replies, the office verifies, the talent rates it
// (好差评), and a poor rating runs the verify → rectify → call-back loop.
package liaison

import (
	"time"

	"talentflow/internal/domain"
	"talentflow/workflows"
)

// Process names as stored on cases and tasks.
const (
	Process        = "liaison"
	ProcessDemand  = "demand"
	ProcessRequest = "pairing_request"
)

// Workflow type names, activity names, updates and signals.
const (
	WorkflowPairing        = "LiaisonPairing"
	WorkflowDemand         = "LiaisonDemand"
	WorkflowPairingRequest = "LiaisonPairingRequest"

	// ActivityCreatePairing writes a pairing decided on a pairing request (idempotent by its
	// id) and answers the pairing's workflow input: PairingRequestResult → PairingInput.
	ActivityCreatePairing = "CreatePairing"
	// ActivityProjectPairing writes a pairing's rows (local): PairingRecord → nothing.
	ActivityProjectPairing = "ProjectPairing"
	// ActivityProjectDemand writes a demand's row (local): DemandRecord → nothing.
	ActivityProjectDemand = "ProjectDemand"

	UpdateContact  = "log_contact" // ContactInput → ContactResult
	UpdateReassign = "reassign"    // Reassignment → workflows.CaseStatus
	UpdateEnd      = "end"         // workflows.CaseAction → workflows.CaseStatus
	UpdateRate     = "rate"        // Rating → workflows.CaseStatus

	// ErrAlreadyPaired is the application error type of a pairing request for a talent who
	// has an active pairing.
	ErrAlreadyPaired = "AlreadyPaired"
)

// WorkflowID is the id of a pairing's workflow; DemandWorkflowID of a demand's.
func WorkflowID(pairingID string) string { return "liaison:" + pairingID }

// DemandWorkflowID is the id of a demand's workflow.
func DemandWorkflowID(demandID string) string { return "demand:" + demandID }

// Case states of a pairing.
const (
	StateActive  = "active"  // 联系中
	StateOverdue = "overdue" // 联系逾期
	StateEnded   = "ended"   // 已结束
)

// Case states of a demand.
const (
	StateAnswering  = "answering"  // 部门办理
	StateVerifying  = "verifying"  // 人才办核实答复
	StateRating     = "rating"     // 待人才评价
	StateComplaint  = "complaint"  // 差评核实
	StateRectifying = "rectifying" // 整改中
	StateCallback   = "callback"   // 回访再评价
	StateResolved   = "resolved"   // 已办结
)

// Step keys.
const (
	StepContact   = "contact"   // a pairing waiting for its next contact
	StepReply     = "reply"     // 部门答复
	StepVerify    = "verify"    // 人才办核实
	StepRate      = "rate"      // 人才评价
	StepComplaint = "complaint" // 差评核实（或申诉复核）
	StepRectify   = "rectify"   // 整改
	StepCallback  = "callback"  // 回访
	StepPairing   = "pairing"   // a pairing request: name the leader and specialist
)

// Timeline events.
const (
	EventRequested     = "pairing_requested"
	EventPaired        = "paired"
	EventReminded      = "contact_reminder"
	EventOverdue       = "contact_overdue"
	EventOverdueNag    = "overdue_reminder"
	EventMissed        = "contact_missed"
	EventContact       = "contact_logged"
	EventDueMet        = "contact_due_met"
	EventReassigned    = "leader_reassigned"
	EventEnded         = "pairing_ended"
	EventDemandRaised  = "demand_raised"
	EventForwarded     = "demand_forwarded"
	EventRated         = "rated"
	EventDefaultRating = "default_rating"
	EventMistaken      = "rating_mistaken"
	EventCallback      = "callback"
)

// DefaultScore is the rating of a talent who does not rate in time: satisfied (满意).
const DefaultScore = 4

// Person is a user as a pairing names them.
type Person struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

// Cadence is how often a pairing's contacts fall due and when people are reminded, frozen into
// the pairing when it starts.
type Cadence struct {
	PerYear           int   `json:"per_year"`
	RemindDaysBefore  []int `json:"remind_days_before"`
	OverdueEveryDays  int   `json:"overdue_every_days"`
	FirstDueAfterDays int   `json:"first_due_after_days"`
	// EscalateTo is the department told of an overdue contact (the leading-group office).
	EscalateTo string `json:"escalate_to"`
}

// DemandPlan routes demands and limits each step, frozen into the pairing and each demand.
type DemandPlan struct {
	Routes           map[domain.DemandType]string `json:"routes"`
	LimitDays        float64                      `json:"limit_days"`
	VerifyLimitDays  float64                      `json:"verify_limit_days"`
	RectifyLimitDays float64                      `json:"rectify_limit_days"`
	RatingDays       float64                      `json:"rating_days"`
	Office           string                       `json:"office"` // the leading-group office
}

// PairingInput starts (or, with State set, continues) a pairing.
type PairingInput struct {
	CaseID        string          `json:"case_id"`
	Talent        Person          `json:"talent"`
	Category      domain.Category `json:"category"`
	CertificateNo string          `json:"certificate_no"`
	Leader        Person          `json:"leader"`
	Specialist    Person          `json:"specialist"`
	Cadence       Cadence         `json:"cadence"`
	Demands       DemandPlan      `json:"demands"`
	// By is who paired them (the office); Scale is TALENTFLOW_TIME_SCALE.
	By    workflows.Actor `json:"by"`
	Scale float64         `json:"scale"`
	// ContinueAfterEvents overrides the engine's history limit (tests).
	ContinueAfterEvents int `json:"continue_after_events,omitempty"`
	// Engine and State are carried over by continue-as-new.
	Engine *workflows.CaseSnapshot `json:"engine,omitempty"`
	State  *PairingState           `json:"state,omitempty"`
}

// PairingState is what a pairing's next run needs to know.
type PairingState struct {
	// Origin is when the pairing started: process time runs from it, scaled.
	Origin time.Time `json:"origin"`
	// Started is the day the pairing started; Due the current due date; Opens the first day a
	// contact counts towards it.
	Started string `json:"started"`
	Due     string `json:"due"`
	Opens   string `json:"opens"`
	// Reminded lists the reminders (days before) sent for the current due date.
	Reminded []int `json:"reminded,omitempty"`
	Overdue  bool  `json:"overdue"`
	// Met: a contact met the current due date; the pairing moves on to the next one.
	Met bool `json:"met,omitempty"`
	// NextNag is when the next weekly overdue reminder goes (process time).
	NextNag time.Time `json:"next_nag,omitzero"`
	// Cycle counts the due dates passed; Contacts the contacts logged; Runs the runs.
	Cycle    int `json:"cycle"`
	Contacts int `json:"contacts"`
}

// ContactInput logs a contact (the API has checked the actor is the pairing's leader or
// specialist and made the ids).
type ContactInput struct {
	ID      string             `json:"id"`
	Date    string             `json:"date"`
	Form    domain.ContactForm `json:"form"`
	Notes   string             `json:"notes"`
	Demands []DemandRequest    `json:"demands,omitempty"`
	Actor   workflows.Actor    `json:"actor"`
}

// DemandRequest is one demand raised at a contact.
type DemandRequest struct {
	ID     string            `json:"id"`
	Type   domain.DemandType `json:"type"`
	Detail string            `json:"detail"`
}

// ContactResult answers a logged contact.
type ContactResult struct {
	ID string `json:"id"`
	// DueOn is the due date the contact satisfied ("" if it satisfied none: an extra contact).
	DueOn   string          `json:"due_on,omitempty"`
	Demands []DemandStarted `json:"demands"`
}

// DemandStarted is a demand's workflow, started.
type DemandStarted struct {
	ID         string `json:"id"`
	Department string `json:"department"`
}

// Reassignment hands a pairing to another leader (the leader changed post).
type Reassignment struct {
	Leader Person          `json:"leader"`
	Reason string          `json:"reason"`
	Actor  workflows.Actor `json:"actor"`
}

// Rating is the talent's 好差评 of a demand's handling.
type Rating struct {
	Score   int             `json:"score"`
	Comment string          `json:"comment"`
	Actor   workflows.Actor `json:"actor"`
}

// PairingRecord is one write of a pairing's rows: the pairing itself, a due date's state, a
// contact with its demands, a change of leader, the end.
type PairingRecord struct {
	PairingID string `json:"pairing_id"`
	// NextDue and Overdue update the pairing row when set.
	NextDue string `json:"next_due,omitempty"`
	Overdue *bool  `json:"overdue,omitempty"`
	// Due upserts the state of one due date.
	Due     *DueRecord     `json:"due,omitempty"`
	Contact *ContactRecord `json:"contact,omitempty"`
	Leader  *LeaderChange  `json:"leader,omitempty"`
	// Ended ends the pairing with a reason.
	Ended     bool      `json:"ended,omitempty"`
	EndReason string    `json:"end_reason,omitempty"`
	At        time.Time `json:"at"`
}

// Due date states.
const (
	DueOpen   = "open"
	DueDone   = "done"
	DueMissed = "missed"
)

// DueRecord is one due date of a pairing.
type DueRecord struct {
	DueOn     string `json:"due_on"`
	Leader    string `json:"leader"`
	State     string `json:"state"`
	Overdue   bool   `json:"overdue"`
	ContactID string `json:"contact_id,omitempty"`
	DoneOn    string `json:"done_on,omitempty"`
}

// ContactRecord is a logged contact and the demands it raised.
type ContactRecord struct {
	ID       string             `json:"id"`
	Date     string             `json:"date"`
	Form     domain.ContactForm `json:"form"`
	Notes    string             `json:"notes"`
	Leader   string             `json:"leader"`
	LoggedBy string             `json:"logged_by"`
	Role     string             `json:"role"`
	DueOn    string             `json:"due_on,omitempty"`
	Demands  []DemandRow        `json:"demands,omitempty"`
}

// DemandRow is a demand as first written.
type DemandRow struct {
	ID         string            `json:"id"`
	Type       domain.DemandType `json:"type"`
	Detail     string            `json:"detail"`
	Department string            `json:"department"`
}

// LeaderChange records a reassignment.
type LeaderChange struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
	By     string `json:"by"`
}

// DemandRecord is a demand's row as the workflow knows it now: where it is, its latest rating
// and what the 好差评 loop has done so far (counts, so that a retried write changes nothing).
type DemandRecord struct {
	CaseID        string    `json:"case_id"`
	Department    string    `json:"department"`
	ForwardedFrom string    `json:"forwarded_from,omitempty"`
	Score         int       `json:"score,omitempty"` // 1–5, 0: not rated yet
	Comment       string    `json:"comment,omitempty"`
	RatedBy       string    `json:"rated_by,omitempty"`
	Default       bool      `json:"default,omitempty"` // nobody rated in time: satisfied by default
	PoorRatings   int       `json:"poor_ratings,omitempty"`
	Verified      int       `json:"verified,omitempty"`    // complaints the office found true (核实)
	Mistaken      int       `json:"mistaken,omitempty"`    // complaints found mistaken (申诉复核)
	Rectified     int       `json:"rectified,omitempty"`   // 整改 done
	CalledBack    int       `json:"called_back,omitempty"` // 回访 done
	Resolved      bool      `json:"resolved,omitempty"`
	At            time.Time `json:"at"`
}

// DemandInput starts a demand.
type DemandInput struct {
	CaseID     string            `json:"case_id"`
	PairingID  string            `json:"pairing_id"`
	ContactID  string            `json:"contact_id"`
	Talent     Person            `json:"talent"`
	Leader     Person            `json:"leader"`
	Specialist Person            `json:"specialist"`
	Type       domain.DemandType `json:"type"`
	Detail     string            `json:"detail"`
	Department string            `json:"department"`
	Plan       DemandPlan        `json:"plan"`
	By         workflows.Actor   `json:"by"`
}

// PairingRequestResult is a decided pairing request: whom the office paired the talent with.
type PairingRequestResult struct {
	PairingID    string          `json:"pairing_id"`
	TalentCaseID string          `json:"talent_case_id"`
	Leader       string          `json:"leader"`
	Specialist   string          `json:"specialist"`
	By           workflows.Actor `json:"by"`
}
