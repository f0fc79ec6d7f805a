package notifications_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	"talentflow/internal/app/notifications"
	"talentflow/internal/store"
)

func TestNotificationsAreTheirRecipientsAlone(t *testing.T) {
	w := apptest.New(t)
	inbox := notifications.New(w.DB, w.App.Unavailable)
	ctx := context.Background()
	li := w.As("applicant.li")
	require.NoError(t, w.DB.Create(&store.Notification{ID: "n1", UserID: li.User.ID, Kind: "info", CaseID: "c",
		Title: "通知", DedupeKey: "n1", CreatedAt: time.Now()}).Error)
	_, err := inbox.MarkRead(ctx, w.As("employer.hr"), "n1")
	assert.Equal(t, app.KindNotFound, apptest.Kind(err))
	page, err := inbox.List(ctx, li, notifications.NotificationFilter{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
	assert.EqualValues(t, 1, page.Unread)
	res, err := inbox.MarkRead(ctx, li, "n1")
	require.NoError(t, err)
	assert.EqualValues(t, 1, res.Marked)
	res, err = inbox.MarkRead(ctx, li, "n1")
	require.NoError(t, err)
	assert.Zero(t, res.Marked, "read already: nothing to mark, and no error")
	page, err = inbox.List(ctx, li, notifications.NotificationFilter{Unread: true})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	assert.Zero(t, page.Unread)
	_, err = inbox.List(ctx, li, notifications.NotificationFilter{Cursor: "not-a-cursor"})
	assert.Equal(t, app.KindInvalid, apptest.Kind(err), "a bad cursor names itself, it is not a 503")
}
