package authz_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
)

func world(t testing.TB, users int) (*store.DB, *authz.Authorizer) {
	ctx := context.Background()
	db := storetest.Open(t)
	if err := app.SeedDepartments(ctx, db); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	depts := []string{"hrss", "sci", "iit", "edu", "fin", "health", "housing", "psb"}
	var us []store.User
	var gs []store.RoleAssignment
	for i := range users {
		id := fmt.Sprintf("usr_%06d", i)
		us = append(us, store.User{ID: id, Username: fmt.Sprintf("user.%06d", i), DisplayName: "用户", Kind: "staff", CreatedAt: now, UpdatedAt: now})
		gs = append(gs, store.RoleAssignment{UserID: id, Role: "approver", Department: depts[i%len(depts)], GrantedBy: "test", GrantedAt: now})
	}
	if users > 0 {
		if err := db.CreateInBatches(us, 500).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.CreateInBatches(gs, 500).Error; err != nil {
			t.Fatal(err)
		}
	}
	az, err := authz.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return db, az
}

// TestAGrantAndARevocationCountAtOnceDespiteTheCache: the answers are cached, and a grant or a
// revocation empties the cache, so the next question is answered anew — no reload, no wait.
func TestAGrantAndARevocationCountAtOnceDespiteTheCache(t *testing.T) {
	_, az := world(t, 3)
	u := "usr_000001" // approver in sci
	if az.Can(u, "edu", authz.TaskDecide) {
		t.Fatal("an approver of sci decides nothing in edu")
	}
	grant := store.RoleAssignment{UserID: u, Role: "approver", Department: "edu"}
	if err := az.Granted(grant); err != nil {
		t.Fatal(err)
	}
	if !az.Can(u, "edu", authz.TaskDecide) {
		t.Fatal("the grant counts at once, although the refusal was cached")
	}
	if role, ok := az.RoleFor(u, "edu", authz.TaskDecide); !ok || role != "approver" {
		t.Fatalf("acting as %q %v", role, ok)
	}
	if err := az.Revoked(grant, true); err != nil {
		t.Fatal(err)
	}
	if az.Can(u, "edu", authz.TaskDecide) {
		t.Fatal("the revocation counts at once, although the permission was cached")
	}
	if !az.Can(u, authz.Anywhere, authz.TaskDecide) {
		t.Fatal("held elsewhere (sci): still an approver somewhere")
	}
	if err := az.Revoked(store.RoleAssignment{UserID: u, Role: "approver", Department: "sci"}, false); err != nil {
		t.Fatal(err)
	}
	if az.Can(u, authz.Anywhere, authz.TaskDecide) || az.Can(u, "sci", authz.TaskDecide) {
		t.Fatal("the last grant revoked: nothing anywhere")
	}
}

// BenchmarkEnforce asks may-this-user-decide questions against 1,000 and 100,000 role
// assignments: cold (every question new: casbin's own evaluation) and warm (the cache).
//
//	go test ./authz/ -run '^$' -bench Enforce
func BenchmarkEnforce(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		_, az := world(b, n)
		depts := []string{"hrss", "sci", "iit", "edu", "fin", "health", "housing", "psb"}
		acts := []authz.Action{authz.TaskDecide, authz.TaskClaim, authz.TaskRead, authz.CaseRead, authz.TaskComment, authz.TaskDelegate}
		b.Run(fmt.Sprintf("rows=%d/cold", n), func(b *testing.B) {
			if b.N > n*len(depts)*len(acts) {
				b.Skip("more iterations than distinct questions")
			}
			for i := range b.N {
				// A question not asked before: user, department and action vary.
				az.Can(fmt.Sprintf("usr_%06d", i%n), depts[(i/n)%len(depts)], acts[(i/n/len(depts))%len(acts)])
			}
		})
		b.Run(fmt.Sprintf("rows=%d/warm", n), func(b *testing.B) {
			for i := range b.N {
				az.Can(fmt.Sprintf("usr_%06d", i%100), "hrss", authz.TaskDecide)
			}
		})
	}
}
