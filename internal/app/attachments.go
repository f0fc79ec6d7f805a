package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/authz"
	"talentflow/internal/store"
)

// AttachmentStore keeps uploaded files on disk under the data folder, named by their sha256;
// workflows and decisions refer to them by that hash, never embed them.
type AttachmentStore struct {
	Dir      string
	MaxBytes int64
}

// AllowedTypes are the file types accepted (detected from content, not from the name).
var AllowedTypes = []string{
	"application/pdf", "image/jpeg", "image/png",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// AttachmentInfo describes a stored file.
type AttachmentInfo struct {
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	Name        string    `json:"name"`
	UploadedBy  string    `json:"uploaded_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

func (s AttachmentStore) path(sum string) string { return filepath.Join(s.Dir, sum[:2], sum) }

// save streams r to disk while hashing it; at most MaxBytes are accepted.
func (s AttachmentStore) save(r io.Reader) (sum string, size int64, ctype string, err error) {
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return "", 0, "", err
	}
	tmp, err := os.CreateTemp(s.Dir, "upload-*")
	if err != nil {
		return "", 0, "", err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, s.MaxBytes+1))
	if err != nil {
		return "", 0, "", err
	}
	if n > s.MaxBytes {
		return "", n, "", &Error{Kind: KindTooLarge, Code: "too_large", Field: "file",
			Message: fmt.Sprintf("file is larger than %d MiB", s.MaxBytes>>20)}
	}
	if n == 0 {
		return "", 0, "", Invalid("file", "file is empty")
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", 0, "", err
	}
	mt, err := mimetype.DetectReader(tmp)
	if err != nil {
		return "", 0, "", err
	}
	ctype = mt.String()
	if i := strings.Index(ctype, ";"); i > 0 {
		ctype = ctype[:i]
	}
	if !slices.Contains(AllowedTypes, ctype) {
		return "", n, ctype, &Error{Kind: KindInvalid, Code: "unsupported_type", Field: "file",
			Message: fmt.Sprintf("files of type %s are not accepted; upload PDF, JPEG, PNG, DOCX or XLSX", ctype)}
	}
	sum = hex.EncodeToString(h.Sum(nil))
	dst := s.path(sum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", 0, "", err
	}
	if err := tmp.Close(); err != nil {
		return "", 0, "", err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", 0, "", err
	}
	return sum, n, ctype, nil
}

// UploadAttachment stores a file and records who uploaded it.
func (a *App) UploadAttachment(ctx context.Context, p *authz.Principal, name string, r io.Reader) (AttachmentInfo, error) {
	name = filepath.Base(strings.TrimSpace(name))
	if name == "" || name == "." || len(name) > 200 {
		return AttachmentInfo{}, Invalid("file", "the file needs a name of at most 200 characters")
	}
	sum, size, ctype, err := a.Attachments.save(r)
	if err != nil {
		var appErr *Error
		if errors.As(err, &appErr) {
			return AttachmentInfo{}, appErr
		}
		return AttachmentInfo{}, a.unavailable(ctx, "file storage", err)
	}
	now := a.now()
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := store.Attachment{SHA256: sum, Size: size, ContentType: ctype, Name: name, UploadedBy: p.User.ID, CreatedAt: now}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return err
		}
		owner := store.AttachmentOwner{SHA256: sum, UserID: p.User.ID, Name: name, CreatedAt: now}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&owner).Error
	})
	if err != nil {
		return AttachmentInfo{}, a.unavailable(ctx, "the database", err)
	}
	return AttachmentInfo{SHA256: sum, Size: size, ContentType: ctype, Name: name, UploadedBy: p.User.Username, CreatedAt: now}, nil
}

// checkAttachments allows citing files the caller uploaded, or files the case already has.
func (a *App) checkAttachments(ctx context.Context, p *authz.Principal, caseID string, sums []string) error {
	db := a.DB.WithContext(ctx)
	for i, sum := range sums {
		var owned, linked int64
		if err := db.Model(&store.AttachmentOwner{}).Where("sha256 = ? AND user_id = ?", sum, p.User.ID).Count(&owned).Error; err != nil {
			return a.unavailable(ctx, "the database", err)
		}
		if err := db.Model(&store.CaseAttachment{}).Where("sha256 = ? AND case_id = ?", sum, caseID).Count(&linked).Error; err != nil {
			return a.unavailable(ctx, "the database", err)
		}
		if owned == 0 && linked == 0 {
			return Invalid(fmt.Sprintf("attachments[%d]", i), "%s is not a file you uploaded or one attached to this case", sum)
		}
	}
	return nil
}

// linkAttachments attaches checked files to a case (and the task that cites them).
func (a *App) linkAttachments(ctx context.Context, p *authz.Principal, caseID, taskID string, sums []string) error {
	for _, sum := range sums {
		link := store.CaseAttachment{CaseID: caseID, SHA256: sum, TaskID: taskID, AddedBy: p.User.ID, AddedAt: a.now()}
		if err := a.DB.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&link).Error; err != nil {
			return a.unavailable(ctx, "the database", err)
		}
	}
	return nil
}

// AttachToCase links an uploaded file to a case the caller may read.
func (a *App) AttachToCase(ctx context.Context, p *authz.Principal, caseID string, in AttachInput) (CaseDetail, error) {
	if err := check(in); err != nil {
		return CaseDetail{}, err
	}
	if _, _, err := a.readableCase(ctx, p, caseID); err != nil {
		return CaseDetail{}, err
	}
	if err := a.checkAttachments(ctx, p, caseID, []string{in.SHA256}); err != nil {
		return CaseDetail{}, err
	}
	if err := a.linkAttachments(ctx, p, caseID, "", []string{in.SHA256}); err != nil {
		return CaseDetail{}, err
	}
	return a.Case(ctx, p, caseID)
}

// AttachInput names an uploaded file.
type AttachInput struct {
	SHA256 string `json:"sha256" validate:"required,sha256"`
}

func (a *App) caseAttachments(ctx context.Context, caseID string) ([]AttachmentInfo, error) {
	var rows []struct {
		store.Attachment
		Username string
	}
	err := a.DB.WithContext(ctx).Table("case_attachments ca").
		Select("attachments.*, users.username").
		Joins("JOIN attachments ON attachments.sha256 = ca.sha256").
		Joins("JOIN users ON users.id = ca.added_by").
		Where("ca.case_id = ?", caseID).Order("ca.added_at").Find(&rows).Error
	out := make([]AttachmentInfo, 0, len(rows))
	for _, r := range rows {
		out = append(out, AttachmentInfo{SHA256: r.SHA256, Size: r.Size, ContentType: r.ContentType, Name: r.Name,
			UploadedBy: r.Username, CreatedAt: r.CreatedAt})
	}
	return out, err
}

// OpenAttachment returns a file for download: to whoever uploaded it (under their own name for
// it), or to whoever may read a case it is attached to.
func (a *App) OpenAttachment(ctx context.Context, p *authz.Principal, sum string) (AttachmentInfo, *os.File, error) {
	db := a.DB.WithContext(ctx)
	var att store.Attachment
	err := db.Where("sha256 = ?", sum).Take(&att).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return AttachmentInfo{}, nil, NotFound("no file %s", sum)
	}
	if err != nil {
		return AttachmentInfo{}, nil, a.unavailable(ctx, "the database", err)
	}
	var owner store.AttachmentOwner
	allowed := db.Where("sha256 = ? AND user_id = ?", sum, p.User.ID).Take(&owner).Error == nil
	if allowed {
		att.Name = owner.Name
	} else {
		var caseIDs []string
		if err := db.Model(&store.CaseAttachment{}).Where("sha256 = ?", sum).Pluck("case_id", &caseIDs).Error; err != nil {
			return AttachmentInfo{}, nil, a.unavailable(ctx, "the database", err)
		}
		for _, id := range caseIDs {
			if _, _, err := a.readableCase(ctx, p, id); err == nil {
				allowed = true
				break
			}
		}
	}
	if !allowed {
		return AttachmentInfo{}, nil, Forbidden("file %s is not attached to a case you may read", sum)
	}
	f, err := os.Open(a.Attachments.path(sum))
	if err != nil {
		return AttachmentInfo{}, nil, a.unavailable(ctx, "file storage", err)
	}
	return AttachmentInfo{SHA256: att.SHA256, Size: att.Size, ContentType: att.ContentType, Name: att.Name, CreatedAt: att.CreatedAt}, f, nil
}
