package users_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	"talentflow/internal/app/users"
	"talentflow/internal/identity"
)

func directory(t *testing.T) (*apptest.World, *users.Service) {
	w := apptest.New(t)
	idn, err := identity.NewService(w.DB, bytes.Repeat([]byte("k"), 32), time.Hour, 4)
	require.NoError(t, err)
	return w, users.New(w.DB, w.App.Authz, idn, w.App.Unavailable)
}

func TestMeListsRolesAndPermissionsWithThePhoneMasked(t *testing.T) {
	w, s := directory(t)
	me, err := s.Me(context.Background(), w.As("hrss.head"))
	require.NoError(t, err)
	assert.Equal(t, []users.Role{{Role: "dept_head", Department: "hrss", DepartmentName: "县人力资源和社会保障局"}}, me.Roles)
	assert.Contains(t, me.Permissions, "task:urge")
	assert.NotContains(t, me.Permissions, "audit:read")
	assert.Regexp(t, `^\d{3}\*{4}\d{4}$`, me.Phone)
}

func TestADepartmentHeadListsOnlyTheirDepartment(t *testing.T) {
	w, s := directory(t)
	ctx := context.Background()
	mine, err := s.Users(ctx, w.As("hrss.head"), users.UserFilter{})
	require.NoError(t, err)
	require.NotEmpty(t, mine)
	for _, u := range mine {
		held := false
		for _, r := range u.Roles {
			held = held || r.Department == "hrss"
		}
		assert.True(t, held, "%s holds a role in hrss", u.Username)
	}
	all, err := s.Users(ctx, w.As("lgo.staff"), users.UserFilter{})
	require.NoError(t, err)
	assert.Greater(t, len(all), len(mine), "county-wide readers see everyone")
	approvers, err := s.Users(ctx, w.As("lgo.staff"), users.UserFilter{Role: "approver", Department: "sci"})
	require.NoError(t, err)
	require.Len(t, approvers, 1)
	assert.Equal(t, "sci.approver", approvers[0].Username)
}

func TestGrantingAndRevokingTakesEffectAtOnce(t *testing.T) {
	w, s := directory(t)
	ctx := context.Background()
	admin := w.As("admin")
	edu := w.As("edu.approver")
	assert.False(t, w.App.Authz.Can(edu.User.ID, "health", authz.TaskDecide))

	u, err := s.GrantRole(ctx, admin, edu.User.ID, users.Grant{Role: "approver", Department: "health"})
	require.NoError(t, err)
	assert.Len(t, u.Roles, 2)
	assert.True(t, w.App.Authz.Can(edu.User.ID, "health", authz.TaskDecide), "the cached refusal is forgotten")
	_, err = s.GrantRole(ctx, admin, edu.User.ID, users.Grant{Role: "approver", Department: "health"})
	assert.Equal(t, app.KindConflict, apptest.Kind(err), "held already")
	_, err = s.GrantRole(ctx, admin, edu.User.ID, users.Grant{Role: "approver", Department: "nowhere"})
	assert.Equal(t, app.KindInvalid, apptest.Kind(err))
	_, err = s.GrantRole(ctx, admin, "usr_nobody", users.Grant{Role: "approver", Department: "health"})
	assert.Equal(t, app.KindNotFound, apptest.Kind(err))

	_, err = s.RevokeRole(ctx, admin, edu.User.ID, "approver", "health")
	require.NoError(t, err)
	assert.False(t, w.App.Authz.Can(edu.User.ID, "health", authz.TaskDecide), "refused at once")
	assert.True(t, w.App.Authz.Can(edu.User.ID, "edu", authz.TaskDecide), "the role held in edu stays")
	assert.True(t, w.App.Authz.Can(edu.User.ID, authz.Anywhere, authz.TaskDecide))
	_, err = s.RevokeRole(ctx, admin, edu.User.ID, "approver", "health")
	assert.Equal(t, app.KindNotFound, apptest.Kind(err))
}

func TestAccountsFollowThePasswordRulesAndUniqueNames(t *testing.T) {
	w, s := directory(t)
	ctx := context.Background()
	admin := w.As("admin")
	_, err := s.CreateUser(ctx, admin, users.NewUser{Username: "new.clerk", Name: "新同事", Password: "short", Kind: "staff"})
	var e *app.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "password", e.Field)
	u, err := s.CreateUser(ctx, admin, users.NewUser{Username: "new.clerk", Name: "新同事", Password: "Strong-Pass-1",
		Kind: "staff", Phone: "13905351234"})
	require.NoError(t, err)
	assert.Equal(t, "139****1234", u.Phone, "masked in the answer")
	_, err = s.CreateUser(ctx, admin, users.NewUser{Username: "new.clerk", Name: "又一个", Password: "Strong-Pass-1", Kind: "staff"})
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "username_taken", e.Code)

	_, err = s.CreateDepartment(ctx, users.NewDepartment{Code: "hrss", Name: "重复"})
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "department_exists", e.Code)
	d, err := s.CreateDepartment(ctx, users.NewDepartment{Code: "agri", Name: "县农业农村局"})
	require.NoError(t, err)
	assert.Equal(t, "agri", d.Code)
}
