package app

import (
	"context"
	"time"
)

// AttachmentInfo describes a stored file.
type AttachmentInfo struct {
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	Name        string    `json:"name"`
	UploadedBy  string    `json:"uploaded_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Files is what the case and task use cases need of attached files; internal/app/attachments
// implements it.
type Files interface {
	// OfCase lists the files attached to a case, oldest first.
	OfCase(ctx context.Context, caseID string) ([]AttachmentInfo, error)
	// Citable fails (422 naming attachments[i]) unless each file is one the user uploaded or one
	// the case has already.
	Citable(ctx context.Context, userID, caseID string, sums []string) error
}
