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
	got, token, exp, err := s.Login(context.Background(), "alice", "Alice-Pass-1")
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

func TestFiveWrongPasswordsLockTheAccountForTenMinutes(t *testing.T) {
	s, db := service(t)
	create(t, s, db, "bob", "Bob-Pass-123")
	now := time.Now()
	s.Now = func() time.Time { return now }
	for i := 0; i < 4; i++ {
		_, _, _, err := s.Login(context.Background(), "bob", "wrong")
		require.ErrorIs(t, err, identity.ErrBadCredentials)
	}
	_, _, _, err := s.Login(context.Background(), "bob", "wrong")
	var locked *identity.LockedError
	require.True(t, errors.As(err, &locked), "fifth failure locks: %v", err)
	assert.WithinDuration(t, now.Add(10*time.Minute), locked.Until, time.Second)

	_, _, _, err = s.Login(context.Background(), "bob", "Bob-Pass-123")
	assert.True(t, errors.As(err, &locked), "locked even with the right password")

	s.Now = func() time.Time { return now.Add(11 * time.Minute) }
	_, _, _, err = s.Login(context.Background(), "bob", "Bob-Pass-123")
	assert.NoError(t, err, "unlocked after ten minutes")
}

func TestSuccessResetsTheFailureCount(t *testing.T) {
	s, db := service(t)
	create(t, s, db, "carol", "Carol-Pass-1")
	for i := 0; i < 4; i++ {
		_, _, _, _ = s.Login(context.Background(), "carol", "wrong")
	}
	_, _, _, err := s.Login(context.Background(), "carol", "Carol-Pass-1")
	require.NoError(t, err)
	for i := 0; i < 4; i++ {
		_, _, _, err = s.Login(context.Background(), "carol", "wrong")
		assert.ErrorIs(t, err, identity.ErrBadCredentials, "the count started over")
	}
}

func TestUnknownUserIsABadCredential(t *testing.T) {
	s, _ := service(t)
	_, _, _, err := s.Login(context.Background(), "nobody", "whatever")
	assert.ErrorIs(t, err, identity.ErrBadCredentials)
}
