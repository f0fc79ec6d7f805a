// Package ids makes identifiers: short, URL-safe, roughly time-ordered, with a prefix that says
// what they name (case_…, usr_…).
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

var encoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// New returns prefix + "_" + 16 characters: 48 bits of milliseconds, then 32 random bits.
func New(prefix string) string {
	var b [10]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	return prefix + "_" + strings.ToLower(encoding.EncodeToString(b[:]))
}
