// Package attachments is the files people upload and cite: storing them on disk by sha256,
// attaching them to cases, checking what a decision may cite, and downloading them. The
// metadata lives behind the Catalog interface, the bytes on Disk.
package attachments

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
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/cases"
	"talentflow/internal/store"
)

// Disk keeps uploaded files on disk under the data folder, named by their sha256;
// workflows and decisions refer to them by that hash, never embed them.
type Disk struct {
	Dir      string
	MaxBytes int64
}

// AllowedTypes are the file types accepted (detected from content, not from the name).
var AllowedTypes = []string{
	"application/pdf", "image/jpeg", "image/png",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

func (s Disk) path(sum string) string { return filepath.Join(s.Dir, sum[:2], sum) }

// save streams r to disk while hashing it; at most MaxBytes are accepted.
func (s Disk) save(r io.Reader) (sum string, size int64, ctype string, err error) {
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
		return "", n, "", &app.Error{Kind: app.KindTooLarge, Code: "too_large", Field: "file",
			Message: fmt.Sprintf("file is larger than %d MiB", s.MaxBytes>>20)}
	}
	if n == 0 {
		return "", 0, "", app.Invalid("file", "file is empty")
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
		return "", n, ctype, &app.Error{Kind: app.KindInvalid, Code: "unsupported_type", Field: "file",
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

// ErrNoFile is the Catalog's answer for an unknown file.
var ErrNoFile = errors.New("no such file")

// Catalog is what the attachment use cases need of the metadata storage.
type Catalog interface {
	// Record stores a file's metadata and that the user uploaded it under name (idempotent).
	Record(ctx context.Context, att store.Attachment, ownerName string) error
	Get(ctx context.Context, sum string) (store.Attachment, error)
	// OwnerName is the name the user uploaded the file under ("" and false if they did not).
	OwnerName(ctx context.Context, sum, userID string) (string, bool, error)
	Linked(ctx context.Context, sum, caseID string) (bool, error)
	CasesOf(ctx context.Context, sum string) ([]string, error)
	Link(ctx context.Context, link store.CaseAttachment) error
	OfCase(ctx context.Context, caseID string) ([]app.AttachmentInfo, error)
}

// Service holds the attachment use cases; it is the app's Files too.
type Service struct {
	Cases   *cases.Service
	Catalog Catalog
	Disk    Disk
}

var _ app.Files = (*Service)(nil)

// New is the attachments of the cases' database, stored under dir (at most maxBytes each).
func New(c *cases.Service, dir string, maxBytes int64) *Service {
	return &Service{Cases: c, Catalog: DBCatalog{DB: c.DB}, Disk: Disk{Dir: dir, MaxBytes: maxBytes}}
}

// Upload stores a file and records who uploaded it.
func (s *Service) Upload(ctx context.Context, p *authz.Principal, name string, r io.Reader) (app.AttachmentInfo, error) {
	name, err := CleanFileName(name)
	if err != nil {
		return app.AttachmentInfo{}, err
	}
	sum, size, ctype, err := s.Disk.save(r)
	if err != nil {
		var appErr *app.Error
		if errors.As(err, &appErr) {
			return app.AttachmentInfo{}, appErr
		}
		return app.AttachmentInfo{}, s.Cases.Unavailable(ctx, "file storage", err)
	}
	now := s.Cases.Time()
	att := store.Attachment{SHA256: sum, Size: size, ContentType: ctype, Name: name, UploadedBy: p.User.ID, CreatedAt: now}
	if err := s.Catalog.Record(ctx, att, name); err != nil {
		return app.AttachmentInfo{}, s.Cases.Unavailable(ctx, "the database", err)
	}
	return app.AttachmentInfo{SHA256: sum, Size: size, ContentType: ctype, Name: name, UploadedBy: p.User.Username, CreatedAt: now}, nil
}

// CleanFileName is the name a file is kept under: its last path element, trimmed; no path, no
// control characters, valid UTF-8, at most 200 bytes (a 422 naming "file" otherwise).
func CleanFileName(name string) (string, error) {
	name = filepath.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	switch {
	case name == "" || name == "." || name == ".." || name == "/" || len(name) > 200:
		return "", app.Invalid("file", "the file needs a name of at most 200 characters")
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return "", app.Invalid("file", "the file name has characters a name cannot have")
	}
	return name, nil
}

// Citable allows citing files the user uploaded, or files the case already has.
func (s *Service) Citable(ctx context.Context, userID, caseID string, sums []string) error {
	for i, sum := range sums {
		_, owned, err := s.Catalog.OwnerName(ctx, sum, userID)
		if err != nil {
			return s.Cases.Unavailable(ctx, "the database", err)
		}
		linked, err := s.Catalog.Linked(ctx, sum, caseID)
		if err != nil {
			return s.Cases.Unavailable(ctx, "the database", err)
		}
		if !owned && !linked {
			return app.Invalid(fmt.Sprintf("attachments[%d]", i), "%s is not a file you uploaded or one attached to this case", sum)
		}
	}
	return nil
}

// OfCase lists a case's files.
func (s *Service) OfCase(ctx context.Context, caseID string) ([]app.AttachmentInfo, error) {
	return s.Catalog.OfCase(ctx, caseID)
}

// AttachInput names an uploaded file.
type AttachInput struct {
	SHA256 string `json:"sha256" validate:"required,sha256"`
}

// AttachToCase links an uploaded file to a case the caller may read; it answers the case.
func (s *Service) AttachToCase(ctx context.Context, p *authz.Principal, caseID string, in AttachInput) (cases.CaseDetail, error) {
	if err := app.Check(in); err != nil {
		return cases.CaseDetail{}, err
	}
	if err := s.Cases.ReadableCase(ctx, p, caseID); err != nil {
		return cases.CaseDetail{}, err
	}
	if err := s.Citable(ctx, p.User.ID, caseID, []string{in.SHA256}); err != nil {
		return cases.CaseDetail{}, err
	}
	link := store.CaseAttachment{CaseID: caseID, SHA256: in.SHA256, AddedBy: p.User.ID, AddedAt: s.Cases.Time()}
	if err := s.Catalog.Link(ctx, link); err != nil {
		return cases.CaseDetail{}, s.Cases.Unavailable(ctx, "the database", err)
	}
	return s.Cases.Case(ctx, p, caseID)
}

// Open returns a file for download: to whoever uploaded it (under their own name for it), or
// to whoever may read a case it is attached to.
func (s *Service) Open(ctx context.Context, p *authz.Principal, sum string) (app.AttachmentInfo, *os.File, error) {
	att, err := s.Catalog.Get(ctx, sum)
	switch {
	case errors.Is(err, ErrNoFile):
		return app.AttachmentInfo{}, nil, app.NotFound("no file %s", sum)
	case err != nil:
		return app.AttachmentInfo{}, nil, s.Cases.Unavailable(ctx, "the database", err)
	}
	name, allowed, err := s.Catalog.OwnerName(ctx, sum, p.User.ID)
	if err != nil {
		return app.AttachmentInfo{}, nil, s.Cases.Unavailable(ctx, "the database", err)
	}
	if allowed {
		att.Name = name
	} else {
		caseIDs, err := s.Catalog.CasesOf(ctx, sum)
		if err != nil {
			return app.AttachmentInfo{}, nil, s.Cases.Unavailable(ctx, "the database", err)
		}
		allowed = slices.ContainsFunc(caseIDs, func(id string) bool { return s.Cases.ReadableCase(ctx, p, id) == nil })
	}
	if !allowed {
		return app.AttachmentInfo{}, nil, app.Forbidden("file %s is not attached to a case you may read", sum)
	}
	f, err := os.Open(s.Disk.path(sum))
	if err != nil {
		return app.AttachmentInfo{}, nil, s.Cases.Unavailable(ctx, "file storage", err)
	}
	return app.AttachmentInfo{SHA256: att.SHA256, Size: att.Size, ContentType: att.ContentType, Name: att.Name, CreatedAt: att.CreatedAt}, f, nil
}

// DBCatalog is the attachments' metadata in the read model's database.
type DBCatalog struct{ DB *store.DB }

// Record stores a file's metadata and its uploader's name for it (idempotent).
func (c DBCatalog) Record(ctx context.Context, att store.Attachment, ownerName string) error {
	return c.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&att).Error; err != nil {
			return err
		}
		owner := store.AttachmentOwner{SHA256: att.SHA256, UserID: att.UploadedBy, Name: ownerName, CreatedAt: att.CreatedAt}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&owner).Error
	})
}

// Get loads a file's metadata.
func (c DBCatalog) Get(ctx context.Context, sum string) (store.Attachment, error) {
	var att store.Attachment
	err := c.DB.WithContext(ctx).Where("sha256 = ?", sum).Take(&att).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return att, ErrNoFile
	}
	return att, err
}

// OwnerName is the name the user uploaded the file under.
func (c DBCatalog) OwnerName(ctx context.Context, sum, userID string) (string, bool, error) {
	var owner store.AttachmentOwner
	err := c.DB.WithContext(ctx).Where("sha256 = ? AND user_id = ?", sum, userID).Take(&owner).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return owner.Name, true, nil
}

// Linked reports whether the case has the file.
func (c DBCatalog) Linked(ctx context.Context, sum, caseID string) (bool, error) {
	var n int64
	err := c.DB.WithContext(ctx).Model(&store.CaseAttachment{}).Where("sha256 = ? AND case_id = ?", sum, caseID).Count(&n).Error
	return n > 0, err
}

// CasesOf lists the cases a file is attached to.
func (c DBCatalog) CasesOf(ctx context.Context, sum string) ([]string, error) {
	var ids []string
	err := c.DB.WithContext(ctx).Model(&store.CaseAttachment{}).Where("sha256 = ?", sum).Pluck("case_id", &ids).Error
	return ids, err
}

// Link attaches a file to a case (idempotent).
func (c DBCatalog) Link(ctx context.Context, link store.CaseAttachment) error {
	return c.DB.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&link).Error
}

// OfCase lists a case's files, oldest first, with who added them.
func (c DBCatalog) OfCase(ctx context.Context, caseID string) ([]app.AttachmentInfo, error) {
	var rows []struct {
		store.Attachment
		Username string
	}
	err := c.DB.WithContext(ctx).Table("case_attachments ca").
		Select("attachments.*, users.username").
		Joins("JOIN attachments ON attachments.sha256 = ca.sha256").
		Joins("JOIN users ON users.id = ca.added_by").
		Where("ca.case_id = ?", caseID).Order("ca.added_at").Find(&rows).Error
	out := make([]app.AttachmentInfo, 0, len(rows))
	for _, r := range rows {
		out = append(out, app.AttachmentInfo{SHA256: r.SHA256, Size: r.Size, ContentType: r.ContentType, Name: r.Name,
			UploadedBy: r.Username, CreatedAt: r.CreatedAt})
	}
	return out, err
}
