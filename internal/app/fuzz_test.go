package app

import (
	"testing"
	"time"
)

// FuzzCursor: a cursor of any content is decoded or refused as a 422 naming "cursor", never a
// panic; a cursor this API issued decodes to what it encoded.
func FuzzCursor(f *testing.F) {
	at := time.Date(2026, 3, 2, 1, 0, 0, 123456789, time.UTC)
	f.Add(encodeCursor(at, "case_1"))
	f.Add("")
	f.Add("not-base64!")
	f.Add("MjAyNi0wMy0wMlQwMTowMDowMFp8")
	f.Fuzz(func(t *testing.T, s string) {
		got, id, err := decodeCursor(s)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Field != "cursor" {
				t.Fatalf("a bad cursor answers %v", err)
			}
			return
		}
		if again, id2, err := decodeCursor(encodeCursor(got, id)); err != nil || !again.Equal(got) || id2 != id {
			t.Fatalf("%q does not round-trip", s)
		}
	})
}
