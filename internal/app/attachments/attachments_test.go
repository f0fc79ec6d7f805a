package attachments_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	"talentflow/internal/app/attachments"
)

const pdf = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func files(t *testing.T) (*apptest.World, *attachments.Service) {
	w := apptest.New(t)
	s := attachments.New(w.Cases, filepath.Join(t.TempDir(), "files"), 1<<10)
	w.App.Files = s
	w.CaseWithTask("case_a", "applicant.li", "hrss")
	return w, s
}

func TestUploadsAreCheckedByContentAndSize(t *testing.T) {
	w, s := files(t)
	ctx := context.Background()
	li := w.As("applicant.li")
	info, err := s.Upload(ctx, li, "学位证书.pdf", strings.NewReader(pdf))
	require.NoError(t, err)
	assert.Equal(t, "application/pdf", info.ContentType)
	assert.Len(t, info.SHA256, 64)

	_, err = s.Upload(ctx, li, "fake.pdf", strings.NewReader("#!/bin/sh\necho not a pdf\n"))
	var e *app.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "unsupported_type", e.Code, "the type comes from the content, not the name")
	_, err = s.Upload(ctx, li, "big.pdf", io.MultiReader(strings.NewReader(pdf), bytes.NewReader(make([]byte, 2<<10))))
	require.ErrorAs(t, err, &e)
	assert.Equal(t, app.KindTooLarge, e.Kind)
}

func TestAFileIsCitedAndReadOnlyWhereItBelongs(t *testing.T) {
	w, s := files(t)
	ctx := context.Background()
	li, hrss, sci := w.As("applicant.li"), w.As("hrss.approver"), w.As("sci.approver")
	info, err := s.Upload(ctx, li, "学位证书.pdf", strings.NewReader(pdf))
	require.NoError(t, err)

	err = s.Citable(ctx, hrss.User.ID, "case_a", []string{info.SHA256})
	var e *app.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "attachments[0]", e.Field, "someone who only saw the hash cannot cite the file")
	_, _, err = s.Open(ctx, hrss, info.SHA256)
	assert.Equal(t, app.KindForbidden, apptest.Kind(err))

	doc, err := s.AttachToCase(ctx, li, "case_a", attachments.AttachInput{SHA256: info.SHA256})
	require.NoError(t, err)
	require.Len(t, doc.Attachments, 1)
	assert.NoError(t, s.Citable(ctx, hrss.User.ID, "case_a", []string{info.SHA256}), "the case has it now")
	got, f, err := s.Open(ctx, hrss, info.SHA256)
	require.NoError(t, err, "whoever may read the case may read its files")
	f.Close()
	assert.Equal(t, "学位证书.pdf", got.Name)
	_, _, err = s.Open(ctx, sci, info.SHA256)
	assert.Equal(t, app.KindForbidden, apptest.Kind(err), "a department without a task on the case may not")
}
