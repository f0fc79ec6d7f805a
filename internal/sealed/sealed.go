// Package sealed encrypts personal data at rest: a keyring of AES-256-GCM keys, each
// ciphertext naming the key that sealed it (the first key seals, every key opens, so keys
// rotate), and a keyed HMAC-SHA256 blind index for values that must stay unique or findable.
package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// KeySize is the size of a data key (AES-256) and the least size of the index key.
const KeySize = 32

// Prefix starts every sealed text: "sealed:v1:<key id>:<base64url(nonce‖ciphertext‖tag)>".
const Prefix = "sealed:v1:"

// Errors.
var (
	// ErrUnknownKey: the ciphertext names a key the keyring does not hold.
	ErrUnknownKey = errors.New("sealed: the key that sealed this value is not configured")
	// ErrCorrupt: the ciphertext is malformed, or was changed, or belongs to another field.
	ErrCorrupt = errors.New("sealed: the value does not open (tampered, truncated or sealed for another field)")
)

// Keyring holds the data keys (the first seals, all open) and the blind-index key.
type Keyring struct {
	primary string
	aeads   map[string]cipher.AEAD
	ids     []string
	index   []byte
}

// Key is one data key: an id (letters, digits, '-' and '_'; at most 32) and 32 random bytes.
type Key struct {
	ID     string
	Secret []byte
}

var keyID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// New builds a keyring: keys[0] seals, every key opens; index keys the blind index.
func New(keys []Key, index []byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("sealed: no data key")
	}
	if len(index) < KeySize {
		return nil, fmt.Errorf("sealed: the index key must be at least %d bytes, got %d", KeySize, len(index))
	}
	k := &Keyring{primary: keys[0].ID, aeads: map[string]cipher.AEAD{}, index: append([]byte(nil), index...)}
	for _, key := range keys {
		if !keyID.MatchString(key.ID) {
			return nil, fmt.Errorf("sealed: key id %q: use 1-32 letters, digits, '-' or '_'", key.ID)
		}
		if _, dup := k.aeads[key.ID]; dup {
			return nil, fmt.Errorf("sealed: key id %q appears twice", key.ID)
		}
		if len(key.Secret) != KeySize {
			return nil, fmt.Errorf("sealed: key %q must be %d bytes (AES-256), got %d", key.ID, KeySize, len(key.Secret))
		}
		block, err := aes.NewCipher(key.Secret)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[key.ID] = aead
		k.ids = append(k.ids, key.ID)
	}
	return k, nil
}

// Parse reads the configuration's form: dataKeys is "id:base64key,id:base64key" (the first
// seals), indexKey is base64. Standard and URL base64, padded or not, are accepted.
func Parse(dataKeys, indexKey string) (*Keyring, error) {
	var keys []Key
	for part := range strings.SplitSeq(dataKeys, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("sealed: data key %d: want id:base64key", len(keys)+1)
		}
		secret, err := decode64(b64)
		if err != nil {
			return nil, fmt.Errorf("sealed: data key %q: %w", id, err)
		}
		keys = append(keys, Key{ID: strings.TrimSpace(id), Secret: secret})
	}
	index, err := decode64(strings.TrimSpace(indexKey))
	if err != nil {
		return nil, fmt.Errorf("sealed: index key: %w", err)
	}
	return New(keys, index)
}

func decode64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("not base64")
	}
	return b, nil
}

// Generate makes a new data key with id and an index key, in the configuration's form.
func Generate(id string) (dataKeys, indexKey string, err error) {
	data, index := make([]byte, KeySize), make([]byte, KeySize)
	if _, err := rand.Read(data); err != nil {
		return "", "", err
	}
	if _, err := rand.Read(index); err != nil {
		return "", "", err
	}
	return id + ":" + base64.StdEncoding.EncodeToString(data), base64.StdEncoding.EncodeToString(index), nil
}

// PrimaryID is the id of the key that seals.
func (k *Keyring) PrimaryID() string { return k.primary }

// IDs lists the key ids, the sealing one first.
func (k *Keyring) IDs() []string { return append([]string(nil), k.ids...) }

// SealBytes encrypts plain with the primary key; aad binds the ciphertext to its use (a
// field's name), so that it does not open anywhere else. The result is nonce‖ciphertext‖tag.
func (k *Keyring) SealBytes(plain, aad []byte) (keyID string, sealed []byte, err error) {
	aead := k.aeads[k.primary]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, err
	}
	return k.primary, aead.Seal(nonce, nonce, plain, aad), nil
}

// OpenBytes decrypts what SealBytes sealed with key keyID.
func (k *Keyring) OpenBytes(keyID string, sealed, aad []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w (key id %q)", ErrUnknownKey, keyID)
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// Seal encrypts a text field as "sealed:v1:<key id>:<base64url>", bound to field (its aad).
// The empty string stays empty: there is nothing to hide, and "no phone" stays queryable.
func (k *Keyring) Seal(plain, field string) (string, error) {
	if plain == "" {
		return "", nil
	}
	id, ct, err := k.SealBytes([]byte(plain), []byte(field))
	if err != nil {
		return "", err
	}
	return Prefix + id + ":" + base64.RawURLEncoding.EncodeToString(ct), nil
}

// Open decrypts what Seal sealed for the same field. A value without the prefix is returned
// as it is (a row written before its column was sealed); IsSealed tells them apart.
func (k *Keyring) Open(value, field string) (string, error) {
	rest, ok := strings.CutPrefix(value, Prefix)
	if !ok {
		return value, nil
	}
	id, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return "", ErrCorrupt
	}
	ct, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return "", ErrCorrupt
	}
	plain, err := k.OpenBytes(id, ct, []byte(field))
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

// IsSealed reports whether value is a sealed text.
func IsSealed(value string) bool { return strings.HasPrefix(value, Prefix) }

// KeyOf is the id of the key that sealed value ("" if it is not sealed).
func KeyOf(value string) string {
	rest, ok := strings.CutPrefix(value, Prefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

// Index is the blind index of value for a purpose ("citizen_id"): hex HMAC-SHA256 under the
// index key, so equal values match without the value being stored or guessable from a table
// of all ID numbers. The purpose keeps indexes of different kinds apart.
func (k *Keyring) Index(purpose, value string) string {
	mac := hmac.New(sha256.New, k.index)
	mac.Write([]byte(purpose))
	mac.Write([]byte{0})
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil))
}
