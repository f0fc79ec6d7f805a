package liaison_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	acts "talentflow/activities/liaison"
	"talentflow/internal/app"
	"talentflow/internal/routing"
	"talentflow/internal/store"
	rows "talentflow/internal/store/liaison"
	"talentflow/internal/store/storetest"
	"talentflow/workflows"
	flow "talentflow/workflows/liaison"
)

// world is a database (SQLite, or PostgreSQL when TALENTFLOW_TEST_POSTGRES is set) with a
// certified talent, a leader and a specialist.
func world(t *testing.T) (*acts.Activities, *store.DB) {
	db := storetest.Open(t, rows.Schema)
	require.NoError(t, app.SeedDepartments(context.Background(), db))
	now := time.Now().UTC()
	for _, u := range []store.User{
		{ID: "usr_li", Username: "applicant.li", DisplayName: "李明", Kind: "talent"},
		{ID: "usr_wang", Username: "leader.wang", DisplayName: "王副县长", Kind: "staff"},
		{ID: "usr_zhao", Username: "specialist.zhao", DisplayName: "赵阳", Kind: "staff"},
	} {
		u.CreatedAt, u.UpdatedAt = now, now
		require.NoError(t, db.Create(&u).Error)
	}
	require.NoError(t, db.Create(&store.RoleAssignment{UserID: "usr_wang", Role: "leader", Department: "county", GrantedBy: "t", GrantedAt: now}).Error)
	require.NoError(t, db.Create(&store.RoleAssignment{UserID: "usr_zhao", Role: "specialist", Department: "lgo", GrantedBy: "t", GrantedAt: now}).Error)
	require.NoError(t, db.Create(&store.Case{ID: "case_intro", Process: "introduction", State: "certified", Title: "李明", ApplicantID: "usr_li",
		WorkflowID: "intro:case_intro", CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, db.Create(&store.Certificate{No: "YG-2026-B-0001", CaseID: "case_intro", Name: "李明", Category: "B", Year: 2026, Seq: 1, IssuedAt: now}).Error)
	require.NoError(t, db.Create(&store.Talent{ID: "tal", UserID: "usr_li", CaseID: "case_intro", Name: "李明", IDNumber: "x", Category: "B",
		CertificateNo: "YG-2026-B-0001", Status: "active", CertifiedAt: now}).Error)
	plan, err := routing.LoadLiaison("")
	require.NoError(t, err)
	return &acts.Activities{DB: db, Plan: plan, Scale: 1}, db
}

var office = workflows.Actor{Username: "lgo.staff", Role: "lgo", Department: "lgo"}

// TestCreatingTheRequestedPairingTwiceWritesItOnce: a retry after a crash between the write and
// the acknowledgement answers the same input and writes nothing more; a talent paired meanwhile
// by other means is refused with AlreadyPaired.
func TestCreatingTheRequestedPairingTwiceWritesItOnce(t *testing.T) {
	a, db := world(t)
	ctx := context.Background()
	req := flow.PairingRequestResult{PairingID: flow.RequestedPairingID("case_intro"), TalentCaseID: "case_intro", Leader: "leader.wang",
		Specialist: "specialist.zhao", By: office}
	first, err := a.CreatePairing(ctx, req)
	require.NoError(t, err)
	again, err := a.CreatePairing(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.Equal(t, "case_intro-pairing", first.CaseID)
	assert.Equal(t, "leader.wang", first.Leader.Username)
	var n int64
	require.NoError(t, db.Model(&rows.Pairing{}).Count(&n).Error)
	assert.Equal(t, int64(1), n)

	other := req
	other.PairingID = "another"
	_, err = a.CreatePairing(ctx, other)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, flow.ErrAlreadyPaired, appErr.Type())

	bad := req
	bad.PairingID, bad.Leader = "bad", "specialist.zhao"
	_, err = a.CreatePairing(ctx, bad)
	require.True(t, errors.As(err, &appErr))
	assert.Equal(t, "NotFound", appErr.Type(), "a leader without the role: the request asks again")
}

// TestPairingRecordsAreIdempotentAndAnEndedPairingOwesNothing: every record applied twice leaves
// the rows as once; ending frees the talent for a new pairing and drops what was still due.
func TestPairingRecordsAreIdempotentAndAnEndedPairingOwesNothing(t *testing.T) {
	a, db := world(t)
	ctx := context.Background()
	in, err := a.CreatePairing(ctx, flow.PairingRequestResult{PairingID: "pair", TalentCaseID: "case_intro", Leader: "leader.wang",
		Specialist: "specialist.zhao", By: office})
	require.NoError(t, err)
	s := rows.Store{DB: db}
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	f := false
	records := []flow.PairingRecord{
		{PairingID: in.CaseID, NextDue: "2026-06-30", Overdue: &f, Due: &flow.DueRecord{DueOn: "2026-06-30", Leader: "leader.wang", State: flow.DueOpen}, At: at},
		{PairingID: in.CaseID, Contact: &flow.ContactRecord{ID: "ctc1", Date: "2026-03-01", Form: "visit", Leader: "leader.wang", LoggedBy: "leader.wang",
			Role: "leader", DueOn: "2026-06-30", Demands: []flow.DemandRow{{ID: "dem1", Type: "school", Detail: "入学", Department: "edu"}}},
			Due: &flow.DueRecord{DueOn: "2026-06-30", Leader: "leader.wang", State: flow.DueDone, ContactID: "ctc1", DoneOn: "2026-03-01"}, At: at},
		{PairingID: in.CaseID, Leader: &flow.LeaderChange{From: "leader.wang", To: "leader.sun", Reason: "调任", By: "lgo.staff"}, At: at.Add(time.Hour)},
		{PairingID: in.CaseID, NextDue: "2026-12-31", Due: &flow.DueRecord{DueOn: "2026-12-31", Leader: "leader.sun", State: flow.DueOpen}, At: at.Add(2 * time.Hour)},
	}
	for _, r := range records {
		require.NoError(t, s.ProjectPairing(ctx, r))
		require.NoError(t, s.ProjectPairing(ctx, r), "a retried write")
	}
	count := func(model any) int64 {
		var n int64
		require.NoError(t, db.Model(model).Where("pairing_id = ?", in.CaseID).Count(&n).Error)
		return n
	}
	assert.Equal(t, [4]int64{1, 1, 1, 2}, [4]int64{count(&rows.Contact{}), count(&rows.Demand{}), count(&rows.LeaderChange{}), count(&rows.Due{})})
	require.NoError(t, s.ProjectDemand(ctx, flow.DemandRecord{CaseID: "dem1", Department: "psb", ForwardedFrom: "edu", Score: 2, PoorRatings: 1, At: at}))
	require.NoError(t, s.ProjectDemand(ctx, flow.DemandRecord{CaseID: "dem1", Department: "psb", ForwardedFrom: "edu", Score: 2, PoorRatings: 1, At: at}))
	var d rows.Demand
	require.NoError(t, db.Where("case_id = ?", "dem1").Take(&d).Error)
	assert.Equal(t, 1, d.PoorRatings, "counts are written, not added: a retry changes nothing")
	assert.Error(t, s.ProjectDemand(ctx, flow.DemandRecord{CaseID: "nope", At: at}))

	require.NoError(t, s.ProjectPairing(ctx, flow.PairingRecord{PairingID: in.CaseID, Ended: true, EndReason: "人才离开", At: at.Add(3 * time.Hour)}))
	var p rows.Pairing
	require.NoError(t, db.Where("case_id = ?", in.CaseID).Take(&p).Error)
	assert.Equal(t, rows.PairingEnded, p.State)
	assert.Nil(t, p.OpenKey)
	assert.Nil(t, p.NextDue)
	assert.Equal(t, "leader.sun", p.Leader)
	assert.Equal(t, int64(1), count(&rows.Due{}), "the open due date is no longer due; the done one stays")
	_, active, err := rows.Active(db.DB, "YG-2026-B-0001")
	require.NoError(t, err)
	assert.False(t, active, "the talent may be paired again")
}
