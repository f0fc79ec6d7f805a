// Package identity owns who people are: users, password hashing (bcrypt), password rules, login
// with lockout, and the short-lived signed bearer tokens the API accepts.
package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/internal/ids"
	"talentflow/internal/store"
)

// Lockout policy: after MaxFailedLogins wrong passwords in a row from one address, the name is
// locked from that address for LockoutDuration, doubling with each lockout up to MaxLockout.
const (
	MaxFailedLogins = 5
	LockoutDuration = 10 * time.Minute
)

// Errors of login and user management. The API maps each to one status.
var (
	ErrBadCredentials = errors.New("wrong username or password")
	ErrDisabled       = errors.New("account is disabled")
	ErrBadToken       = errors.New("invalid or expired token")
)

// LockedError says the name is locked from this address, and until when; Fresh: this very
// failure locked it.
type LockedError struct {
	Until time.Time
	Fresh bool
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("too many failed logins from this address: try again after %s", e.Until.Format(time.RFC3339))
}

// PasswordError names what a password lacks.
type PasswordError struct{ Reason string }

func (e *PasswordError) Error() string { return "password " + e.Reason }

// CheckPasswordRules enforces the rules for new passwords: at least 8 characters and at least
// three of lower-case letters, upper-case letters, digits and other characters.
func CheckPasswordRules(pw string) error {
	if len([]rune(pw)) < 8 {
		return &PasswordError{"must be at least 8 characters"}
	}
	if len(pw) > 72 {
		return &PasswordError{"must be at most 72 bytes"} // bcrypt's limit
	}
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	if lower+upper+digit+other < 3 {
		return &PasswordError{"must mix at least three of: lower-case, upper-case, digits, symbols"}
	}
	return nil
}

// Service authenticates users and issues tokens.
type Service struct {
	DB         *store.DB
	Secret     []byte
	TokenTTL   time.Duration
	BcryptCost int
	// IdleTimeout ends a session nobody used for that long (0: only the token's expiry).
	IdleTimeout time.Duration
	// MustChange says a password may only be used to set a new one (a public demo password
	// outside dev mode); nil: never.
	MustChange func(password string) bool
	Now        func() time.Time
	// dummyHash is compared against when the user does not exist, so that a login for an
	// unknown name takes as long as one for a known name.
	dummyHash []byte
}

// NewService builds the service.
func NewService(db *store.DB, secret []byte, ttl time.Duration, cost int) (*Service, error) {
	if len(secret) < 32 {
		return nil, errors.New("token secret must be at least 32 bytes")
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("not-a-real-password-1A!"), cost)
	if err != nil {
		return nil, err
	}
	return &Service{DB: db, Secret: secret, TokenTTL: ttl, BcryptCost: cost, Now: time.Now, dummyHash: dummy}, nil
}

// HashPassword checks the rules and hashes a new password.
func (s *Service) HashPassword(pw string) (string, error) { return HashPassword(pw, s.BcryptCost) }

// HashPassword checks the rules and hashes a new password with bcrypt at cost.
func HashPassword(pw string, cost int) (string, error) {
	if err := CheckPasswordRules(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	return string(h), err
}

// Throttle is the wrong-password count of one user name from one source address.
type Throttle struct {
	Username    string `gorm:"primaryKey"`
	Source      string `gorm:"primaryKey"`
	Failures    int
	Lockouts    int
	LockedUntil *time.Time
	UpdatedAt   time.Time
}

// TableName names the table.
func (Throttle) TableName() string { return "login_throttle" }

// MaxLockout caps the growing lockout of a name and address.
const MaxLockout = 24 * time.Hour

// lockoutFor is how long the n-th lockout (1, 2, …) of a name and address lasts: ten minutes,
// doubling each time, at most a day.
func lockoutFor(n int) time.Duration {
	d := LockoutDuration
	for range min(n-1, 10) {
		d *= 2
	}
	return min(d, MaxLockout)
}

func throttleKey(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// Login checks a username and password from a source address and returns the user and a bearer
// token. Wrong passwords count for the name and the address together, whether the name exists
// or not; five lock that pair for a time that doubles with each lockout, while the same name
// from another address still logs in. Every answer costs one bcrypt comparison, so neither its
// code nor its time tells whether the name exists.
func (s *Service) Login(ctx context.Context, username, password, source string) (store.User, string, time.Time, error) {
	now := s.Now()
	key := throttleKey(username)
	var th Throttle
	err := s.DB.WithContext(ctx).Where("username = ? AND source = ?", key, source).Take(&th).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return store.User{}, "", time.Time{}, err
	}
	var u store.User
	err = s.DB.WithContext(ctx).Where("username = ?", strings.TrimSpace(username)).Take(&u).Error
	found := err == nil
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return u, "", time.Time{}, err
	}
	hash := s.dummyHash
	if found {
		hash = []byte(u.PasswordHash)
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && found
	if th.LockedUntil != nil && now.Before(*th.LockedUntil) {
		return store.User{}, "", time.Time{}, &LockedError{Until: *th.LockedUntil}
	}
	if !match {
		return store.User{}, "", time.Time{}, s.failedLogin(ctx, key, source, now)
	}
	if u.Disabled {
		return store.User{}, "", time.Time{}, ErrBadCredentials
	}
	if th.Failures > 0 || th.LockedUntil != nil {
		if err := s.DB.WithContext(ctx).Where("username = ? AND source = ?", key, source).Delete(&Throttle{}).Error; err != nil {
			return u, "", time.Time{}, err
		}
	}
	token, jti, exp, err := s.issue(u, now, s.MustChange != nil && s.MustChange(password))
	if err != nil {
		return u, "", time.Time{}, err
	}
	if err := s.DB.WithContext(ctx).Create(&Session{ID: jti, UserID: u.ID, CreatedAt: now.UTC(), LastSeenAt: now.UTC(),
		ExpiresAt: exp.UTC()}).Error; err != nil {
		return u, "", time.Time{}, err
	}
	return u, token, exp, nil
}

// Session is one logged-in token.
type Session struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// TableName names the table.
func (Session) TableName() string { return "sessions" }

// ErrSessionEnded says the token's session ended: logged out, or idle too long.
var ErrSessionEnded = errors.New("the session ended (logged out, or idle too long): log in again")

// touchEvery is how stale a session's last use may be before a request records it again.
const touchEvery = time.Minute

// Touch checks that a token's session is still open and records its use: a session idle for
// longer than IdleTimeout ends.
func (s *Service) Touch(ctx context.Context, c Claims) error {
	var sess Session
	err := s.DB.WithContext(ctx).Where("id = ?", c.ID).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrSessionEnded
	}
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	idle := now.Sub(sess.LastSeenAt)
	if s.IdleTimeout > 0 && idle > s.IdleTimeout {
		_ = s.DB.WithContext(ctx).Where("id = ?", sess.ID).Delete(&Session{}).Error
		return ErrSessionEnded
	}
	if idle > touchEvery {
		return s.DB.WithContext(ctx).Model(&Session{}).Where("id = ?", sess.ID).Update("last_seen_at", now).Error
	}
	return nil
}

// Logout ends a token's session.
func (s *Service) Logout(ctx context.Context, c Claims) error {
	return s.DB.WithContext(ctx).Where("id = ?", c.ID).Delete(&Session{}).Error
}

// failedLogin counts a wrong password of a name from an address and locks the pair at the
// limit; the answer is a LockedError (with Fresh set) when this failure locked it.
func (s *Service) failedLogin(ctx context.Context, key, source string, now time.Time) error {
	var locked *LockedError
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := Throttle{Username: key, Source: source, Failures: 1, UpdatedAt: now.UTC()}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "username"}, {Name: "source"}},
			DoUpdates: clause.Assignments(map[string]any{"failures": gorm.Expr("login_throttle.failures + 1"), "updated_at": now.UTC()}),
		}).Create(&row).Error; err != nil {
			return err
		}
		var cur Throttle
		if err := tx.Where("username = ? AND source = ?", key, source).Take(&cur).Error; err != nil {
			return err
		}
		if cur.Failures < MaxFailedLogins {
			return nil
		}
		until := now.Add(lockoutFor(cur.Lockouts + 1)).UTC()
		locked = &LockedError{Until: until, Fresh: true}
		return tx.Model(&Throttle{}).Where("username = ? AND source = ?", key, source).
			Updates(map[string]any{"failures": 0, "lockouts": cur.Lockouts + 1, "locked_until": until}).Error
	})
	if err != nil {
		return err
	}
	if locked != nil {
		return locked
	}
	return ErrBadCredentials
}

// LockedNames says which of the user names are locked now, from some address.
func (s *Service) LockedNames(ctx context.Context, usernames []string) (map[string]bool, error) {
	keys := make([]string, len(usernames))
	for i, u := range usernames {
		keys[i] = throttleKey(u)
	}
	var locked []string
	if err := s.DB.WithContext(ctx).Model(&Throttle{}).Where("username IN ? AND locked_until > ?", append(keys, ""), s.Now().UTC()).
		Distinct().Pluck("username", &locked).Error; err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, u := range usernames {
		out[u] = slices.Contains(locked, throttleKey(u))
	}
	return out, nil
}

// Unlock lifts every lockout of a user name (an administrator's action).
func (s *Service) Unlock(ctx context.Context, username string) (int64, error) {
	res := s.DB.WithContext(ctx).Where("username = ?", throttleKey(username)).Delete(&Throttle{})
	return res.RowsAffected, res.Error
}

// ChangePassword sets a new password for a user who proved the current one; the new one must
// follow the rules (a PasswordError says which).
func (s *Service) ChangePassword(ctx context.Context, userID, current, next string) error {
	var u store.User
	if err := s.DB.WithContext(ctx).Where("id = ?", userID).Take(&u).Error; err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return ErrBadCredentials
	}
	if current == next {
		return &PasswordError{"must differ from the current one"}
	}
	hash, err := s.HashPassword(next)
	if err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Model(&store.User{}).Where("id = ?", u.ID).
		Updates(map[string]any{"password_hash": hash, "updated_at": s.Now().UTC()}).Error
}

// Claims are what a bearer token says.
type Claims struct {
	Username string `json:"name"`
	// MustChangePassword restricts the token to changing the password (a demo password used
	// outside dev mode).
	MustChangePassword bool `json:"pwc,omitempty"`
	jwt.RegisteredClaims
}

const issuer = "talentflow"

// Issue signs a token for u valid for TokenTTL (without a session: tests and tools).
func (s *Service) Issue(u store.User, now time.Time) (string, time.Time, error) {
	token, _, exp, err := s.issue(u, now, false)
	return token, exp, err
}

// issue signs a token and answers it with its id (the session's).
func (s *Service) issue(u store.User, now time.Time, mustChange bool) (string, string, time.Time, error) {
	exp := now.Add(s.TokenTTL)
	claims := Claims{
		Username:           u.Username,
		MustChangePassword: mustChange,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   u.ID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        ids.New("tok"),
		},
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.Secret)
	return token, claims.ID, exp, err
}

// Verify checks a bearer token's signature, issuer and expiry, and returns its subject.
func (s *Service) Verify(token string) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.Now),
	)
	if err != nil || c.Subject == "" {
		return Claims{}, ErrBadToken
	}
	return c, nil
}
