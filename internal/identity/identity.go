// Package identity owns who people are: users, password hashing (bcrypt), password rules, login
// with lockout, and the short-lived signed bearer tokens the API accepts.
package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"talentflow/internal/ids"
	"talentflow/internal/store"
)

// Lockout policy: after MaxFailedLogins wrong passwords in a row, the account is locked for
// LockoutDuration.
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

// LockedError says the account is locked and until when.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("account locked after %d failed logins until %s", MaxFailedLogins, e.Until.Format(time.RFC3339))
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

// Login checks a username and password and returns the user and a bearer token. Wrong
// passwords count towards the lockout; a success resets the count.
func (s *Service) Login(ctx context.Context, username, password string) (store.User, string, time.Time, error) {
	var u store.User
	err := s.DB.WithContext(ctx).Where("username = ?", strings.TrimSpace(username)).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return u, "", time.Time{}, ErrBadCredentials
	}
	if err != nil {
		return u, "", time.Time{}, err
	}
	now := s.Now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		return u, "", time.Time{}, &LockedError{Until: *u.LockedUntil}
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return u, "", time.Time{}, s.failedLogin(ctx, u, now)
	}
	if u.Disabled {
		return u, "", time.Time{}, ErrDisabled
	}
	if u.FailedLogins > 0 || u.LockedUntil != nil {
		if err := s.DB.WithContext(ctx).Model(&store.User{}).Where("id = ?", u.ID).
			Updates(map[string]any{"failed_logins": 0, "locked_until": nil}).Error; err != nil {
			return u, "", time.Time{}, err
		}
	}
	token, exp, err := s.Issue(u, now)
	return u, token, exp, err
}

// failedLogin counts a wrong password atomically and locks the account at the limit.
func (s *Service) failedLogin(ctx context.Context, u store.User, now time.Time) error {
	var locked *time.Time
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&store.User{}).Where("id = ?", u.ID).
			UpdateColumn("failed_logins", gorm.Expr("failed_logins + 1")).Error; err != nil {
			return err
		}
		var cur store.User
		if err := tx.Select("failed_logins").Where("id = ?", u.ID).Take(&cur).Error; err != nil {
			return err
		}
		if cur.FailedLogins >= MaxFailedLogins {
			until := now.Add(LockoutDuration).UTC()
			locked = &until
			return tx.Model(&store.User{}).Where("id = ?", u.ID).
				Updates(map[string]any{"failed_logins": 0, "locked_until": until}).Error
		}
		return nil
	})
	if err != nil {
		return err
	}
	if locked != nil {
		return &LockedError{Until: *locked}
	}
	return ErrBadCredentials
}

// Claims are what a bearer token says.
type Claims struct {
	Username string `json:"name"`
	jwt.RegisteredClaims
}

const issuer = "talentflow"

// Issue signs a token for u valid for TokenTTL.
func (s *Service) Issue(u store.User, now time.Time) (string, time.Time, error) {
	exp := now.Add(s.TokenTTL)
	claims := Claims{
		Username: u.Username,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   u.ID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        ids.New("tok"),
		},
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.Secret)
	return token, exp, err
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
