package store

import (
	"time"

	"gorm.io/gorm"
)

// Department is a member unit (成员单位) of the county's talent-work leading group.
type Department struct {
	Code string `gorm:"primaryKey"`
	Name string
	// Kind is member (a member unit of the leading group) or employer (an employer's own
	// department, "emp-<credit code>", where its clerks hold the role employer).
	Kind      string
	CreatedAt time.Time
}

// BeforeCreate makes a department a member unit unless it says otherwise.
func (d *Department) BeforeCreate(*gorm.DB) error {
	if d.Kind == "" {
		d.Kind = DepartmentMember
	}
	return nil
}

// Department kinds.
const (
	DepartmentMember   = "member"
	DepartmentEmployer = "employer"
)

// EmployerDepartment is the department of an employer's clerks.
func EmployerDepartment(creditCode string) string { return "emp-" + creditCode }

// User is anyone who logs in: staff of a department, a talent, or an employer's clerk.
type User struct {
	ID           string `gorm:"primaryKey"`
	Username     string
	DisplayName  string
	PasswordHash string
	Phone        string `gorm:"serializer:sealed"` // personal data, encrypted at rest
	Email        string
	Kind         string // staff | talent | employer
	// EmployerCreditCode binds an employer's clerk to the employer; "" for everyone else.
	EmployerCreditCode string
	Disabled           bool
	FailedLogins       int
	LockedUntil        *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// RoleAssignment grants a role within one department (RBAC with domains).
type RoleAssignment struct {
	UserID     string `gorm:"primaryKey"`
	Role       string `gorm:"primaryKey"`
	Department string `gorm:"primaryKey"`
	GrantedBy  string
	GrantedAt  time.Time
}

// AuditRecord is one row of the append-only, hash-chained audit log.
type AuditRecord struct {
	Seq        int64 `gorm:"primaryKey;autoIncrement:false"`
	At         time.Time
	Actor      string
	Role       string
	Department string
	Action     string
	Object     string
	Outcome    string
	Reason     string
	RequestID  string
	DedupeKey  *string
	PrevHash   string
	Hash       string
}

func (AuditRecord) TableName() string { return "audit_log" }

// Case is the read-model row of one process instance (an application).
type Case struct {
	ID                 string `gorm:"primaryKey"`
	Process            string
	State              string
	CurrentStep        string
	StepName           string
	Title              string
	ApplicantID        string
	Category           string
	CertificateNo      string
	CorrectionDeadline *time.Time
	PhaseEndsAt        *time.Time
	Warning            string
	WorkflowID         string
	Rev                int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
	SubmittedAt        *time.Time
	ClosedAt           *time.Time
}

// Task is the read-model row of one human task, written only by the workflow's activities.
type Task struct {
	ID         string `gorm:"primaryKey"`
	CaseID     string
	Process    string
	Step       string
	StepName   string
	Attempt    int
	Mode       string
	Department string
	Role       string
	Assignee   string
	State      string
	Outcome    string
	Comment    string
	DecidedBy  string
	DecidedAt  *time.Time
	OpenedAt   time.Time
	Deadline   *time.Time
	YellowAt   *time.Time
	Warning    string
	Escalation int
	UrgeCount  int
	Rev        int64
	UpdatedAt  time.Time
	// WorkingHours is how long the task took, in working hours, once decided.
	WorkingHours *float64
	// Outcomes and ReturnTargets are comma-separated: what the step offers.
	Outcomes      string
	ReturnTargets string
}

// CaseEvent is one entry of a case's timeline.
type CaseEvent struct {
	ID         string `gorm:"primaryKey"`
	CaseID     string
	TaskID     string
	At         time.Time
	Kind       string
	Step       string
	Actor      string
	Role       string
	Department string
	Outcome    string
	Comment    string
	Detail     string
}

// Notification is one entry of a user's in-app inbox.
type Notification struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	Kind      string
	CaseID    string
	TaskID    string
	Title     string
	Body      string
	DedupeKey string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// Comment is a remark on a case or one of its tasks (not a decision).
type Comment struct {
	ID        string `gorm:"primaryKey"`
	CaseID    string
	TaskID    string
	AuthorID  string
	Body      string
	CreatedAt time.Time
}

// Attachment is a file stored on disk under the data folder by its sha256.
type Attachment struct {
	SHA256      string `gorm:"column:sha256;primaryKey"`
	Size        int64
	ContentType string
	Name        string
	UploadedBy  string
	CreatedAt   time.Time
}

// CaseAttachment links an attachment to a case (and the task it was added on).
type CaseAttachment struct {
	CaseID  string `gorm:"primaryKey"`
	SHA256  string `gorm:"column:sha256;primaryKey"`
	TaskID  string
	AddedBy string
	AddedAt time.Time
}

// Counter is a named sequence (certificate numbers per year and category).
type Counter struct {
	Name  string `gorm:"primaryKey"`
	Value int64
}

// Certificate is an issued talent certificate (人才认定证书).
type Certificate struct {
	No       string `gorm:"primaryKey"`
	CaseID   string
	Name     string
	Category string
	Year     int
	Seq      int
	IssuedAt time.Time
}

// Talent is a certified talent, eligible for subsidies.
type Talent struct {
	ID              string `gorm:"primaryKey"`
	UserID          string
	CaseID          string
	Name            string
	IDNumber        string `gorm:"column:id_number;serializer:sealed"` // encrypted at rest
	Category        string
	CertificateNo   string
	Status          string
	SubsidyEligible bool
	CertifiedAt     time.Time
}

// CaseStart is a workflow start recorded with the write that submitted its case; it is deleted
// once the workflow exists.
type CaseStart struct {
	CaseID     string `gorm:"primaryKey"`
	Process    string
	WorkflowID string
	Workflow   string
	Input      string
	Category   string
	CreatedAt  time.Time
	Attempts   int
	LastError  string
}

// AttachmentOwner records that a user uploaded a file, under the name they gave it.
type AttachmentOwner struct {
	SHA256    string `gorm:"column:sha256;primaryKey"`
	UserID    string `gorm:"primaryKey"`
	Name      string
	CreatedAt time.Time
}
