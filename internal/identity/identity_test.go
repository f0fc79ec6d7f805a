package identity_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/identity"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
)

func service(t *testing.T) (*identity.Service, *store.DB) {
	db := storetest.Open(t)
	s, err := identity.NewService(db, []byte(strings.Repeat("s", 32)), time.Hour, 4)
	require.NoError(t, err)
	return s, db
}

func TestPasswordRules(t *testing.T) {
	for pw, ok := range map[string]bool{
		"Demo-Talent-2026": true,
		"abcDEF12":         true,
		"abc-def-12":       true,
		"Ab1!":             false, // too short
		"abcdefgh":         false, // one class
		"abcdefgh1":        false, // two classes
		"人才工作Aa1x":         true,
	} {
		err := identity.CheckPasswordRules(pw)
		assert.Equal(t, ok, err == nil, "%q: %v", pw, err)
	}
}

func create(t *testing.T, s *identity.Service, db *store.DB, username, pw string) store.User {
	hash, err := s.HashPassword(pw)
	require.NoError(t, err)
	u := store.User{ID: "usr_" + username, Username: username, DisplayName: username, PasswordHash: hash, Kind: "staff"}
	require.NoError(t, db.Create(&u).Error)
	return u
}

func TestLoginIssuesAVerifiableShortLivedToken(t *testing.T) {
	s, db := service(t)
	u := create(t, s, db, "alice", "Alice-Pass-1")
	got, token, exp, err := s.Login(context.Background(), "alice", "Alice-Pass-1", "10.0.0.1")
	require.NoError(t, err)
	assert.Equal(t, u.ID, got.ID)
	assert.WithinDuration(t, time.Now().Add(time.Hour), exp, time.Minute)
	claims, err := s.Verify(token)
	require.NoError(t, err)
	assert.Equal(t, u.ID, claims.Subject)

	s.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	_, err = s.Verify(token)
	assert.ErrorIs(t, err, identity.ErrBadToken, "expired")
	_, err = s.Verify(token[:len(token)-2] + "xx")
	assert.ErrorIs(t, err, identity.ErrBadToken, "tampered")
}

const here, elsewhere = "192.0.2.10", "198.51.100.7"

func login(s *identity.Service, name, pw, source string) error {
	_, _, _, err := s.Login(context.Background(), name, pw, source)
	return err
}

// TestFiveWrongPasswordsLockTheNameFromThatAddressForGrowingTimes: the fifth wrong password
// locks the name from that address for ten minutes, the next lockout for twenty; the right
// password from elsewhere still logs in, so an attacker cannot lock the owner out.
func TestFiveWrongPasswordsLockTheNameFromThatAddressForGrowingTimes(t *testing.T) {
	s, db := service(t)
	create(t, s, db, "bob", "Bob-Pass-123")
	now := time.Now()
	s.Now = func() time.Time { return now }
	for i := 0; i < 4; i++ {
		require.ErrorIs(t, login(s, "bob", "wrong", here), identity.ErrBadCredentials)
	}
	var locked *identity.LockedError
	require.True(t, errors.As(login(s, "bob", "wrong", here), &locked), "the fifth failure locks")
	assert.True(t, locked.Fresh)
	assert.WithinDuration(t, now.Add(10*time.Minute), locked.Until, time.Second)
	assert.True(t, errors.As(login(s, "bob", "Bob-Pass-123", here), &locked), "locked from here even with the right password")
	assert.NoError(t, login(s, "bob", "Bob-Pass-123", elsewhere), "the owner at their own desk is not locked out")

	now = now.Add(11 * time.Minute)
	for i := 0; i < 4; i++ {
		require.ErrorIs(t, login(s, "bob", "wrong", here), identity.ErrBadCredentials)
	}
	require.True(t, errors.As(login(s, "bob", "wrong", here), &locked))
	assert.WithinDuration(t, now.Add(20*time.Minute), locked.Until, time.Second, "the second lockout lasts twice as long")
	now = now.Add(21 * time.Minute)
	assert.NoError(t, login(s, "bob", "Bob-Pass-123", here), "over after its time")
}

// TestUnknownAndExistingNamesAnswerAlike: the same codes in the same order for a name that
// exists and one that does not, and a bcrypt comparison behind every answer (so the time is
// alike too; see identity.Login).
func TestUnknownAndExistingNamesAnswerAlike(t *testing.T) {
	s, db := service(t)
	create(t, s, db, "carol", "Carol-Pass-1")
	kinds := func(name string) []string {
		var out []string
		for range 7 {
			err := login(s, name, "wrong", here)
			var locked *identity.LockedError
			switch {
			case errors.As(err, &locked):
				out = append(out, "locked")
			case errors.Is(err, identity.ErrBadCredentials):
				out = append(out, "bad")
			default:
				out = append(out, err.Error())
			}
		}
		return out
	}
	assert.Equal(t, kinds("carol"), kinds("nobody"))
	assert.Equal(t, []string{"bad", "bad", "bad", "bad", "locked", "locked", "locked"}, kinds("someone"))
}

func TestSuccessResetsTheFailureCount(t *testing.T) {
	s, db := service(t)
	create(t, s, db, "dave", "Dave-Pass-1")
	for i := 0; i < 4; i++ {
		_ = login(s, "dave", "wrong", here)
	}
	require.NoError(t, login(s, "dave", "Dave-Pass-1", here))
	for i := 0; i < 4; i++ {
		assert.ErrorIs(t, login(s, "dave", "wrong", here), identity.ErrBadCredentials, "the count started over")
	}
}

func TestAnAdministratorLiftsALockout(t *testing.T) {
	s, db := service(t)
	create(t, s, db, "erin", "Erin-Pass-1")
	for range 5 {
		_ = login(s, "erin", "wrong", here)
	}
	var locked *identity.LockedError
	require.True(t, errors.As(login(s, "erin", "Erin-Pass-1", here), &locked))
	n, err := s.Unlock(context.Background(), "ERIN ")
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	assert.NoError(t, login(s, "erin", "Erin-Pass-1", here))
}

func TestAPasswordChangeNeedsTheCurrentOneAndFollowsTheRules(t *testing.T) {
	s, db := service(t)
	u := create(t, s, db, "frank", "Frank-Pass-1")
	ctx := context.Background()
	assert.ErrorIs(t, s.ChangePassword(ctx, u.ID, "wrong", "Frank-Pass-2"), identity.ErrBadCredentials)
	var pe *identity.PasswordError
	assert.True(t, errors.As(s.ChangePassword(ctx, u.ID, "Frank-Pass-1", "short"), &pe))
	assert.True(t, errors.As(s.ChangePassword(ctx, u.ID, "Frank-Pass-1", "Frank-Pass-1"), &pe), "the same password again")
	require.NoError(t, s.ChangePassword(ctx, u.ID, "Frank-Pass-1", "Frank-Pass-2"))
	assert.ErrorIs(t, login(s, "frank", "Frank-Pass-1", here), identity.ErrBadCredentials)
	assert.NoError(t, login(s, "frank", "Frank-Pass-2", here))
}

// TestAnIdleSessionEnds: a session unused for longer than the idle timeout ends; using it
// keeps it open; logging out ends it at once.
func TestAnIdleSessionEnds(t *testing.T) {
	s, db := service(t)
	create(t, s, db, "gina", "Gina-Pass-1")
	s.IdleTimeout = 30 * time.Minute
	now := time.Now()
	s.Now = func() time.Time { return now }
	_, token, _, err := s.Login(context.Background(), "gina", "Gina-Pass-1", here)
	require.NoError(t, err)
	claims, err := s.Verify(token)
	require.NoError(t, err)
	ctx := context.Background()
	for range 3 { // used every 20 minutes: stays open
		now = now.Add(20 * time.Minute)
		require.NoError(t, s.Touch(ctx, claims))
	}
	now = now.Add(31 * time.Minute)
	assert.ErrorIs(t, s.Touch(ctx, claims), identity.ErrSessionEnded, "idle for 31 minutes")

	now = time.Now()
	_, token, _, err = s.Login(context.Background(), "gina", "Gina-Pass-1", here)
	require.NoError(t, err)
	claims, _ = s.Verify(token)
	require.NoError(t, s.Touch(ctx, claims))
	require.NoError(t, s.Logout(ctx, claims))
	assert.ErrorIs(t, s.Touch(ctx, claims), identity.ErrSessionEnded, "logged out")
}
